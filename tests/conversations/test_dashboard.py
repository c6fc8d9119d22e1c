"""The dashboard page: what staff see at a glance, rendered cheaply, kept live by events."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import Direction, HandoffState
from profiles.models import ClientProfile
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db

URL = "/admin/dashboard/"


def lead_with_thread(name: str, *, minutes_ago: int, replies: bool = False, inbound: int = 1):
    now = timezone.now()
    lead = make_conversation(
        display_name=name, last_message_at=now - timedelta(minutes=minutes_ago)
    )
    for n in range(inbound):
        make_message(
            lead,
            text=f"{name} asks {n}",
            timestamp=now - timedelta(minutes=minutes_ago + 5 - n),
        )
    if replies:
        make_message(
            lead,
            direction=Direction.OUT,
            status="delivered",
            text=f"Reply to {name}",
            timestamp=now - timedelta(minutes=minutes_ago),
        )
    return lead


def test_the_dashboard_shows_recent_conversations_newest_first_with_unanswered_counts(client_as):
    lead_with_thread("Old lead", minutes_ago=60 * 30)  # outside the last 24 hours
    lead_with_thread("Answered lead", minutes_ago=30, replies=True)
    waiting = lead_with_thread("Waiting lead", minutes_ago=5, inbound=3)
    waiting.handoff_state = HandoffState.HUMAN
    waiting.save()

    page = client_as("viewer").get(URL).content.decode()
    page = page[page.index('id="conversation-rows"') : page.index("</tbody>")]

    assert "Old lead" not in page
    assert page.index("Waiting lead") < page.index("Answered lead")
    rows = page.split("<tr data-conversation-id")[1:]
    waiting_row = next(row for row in rows if "Waiting lead" in row)
    assert '<td class="unanswered">3</td>' in waiting_row
    assert "Agent handles" in waiting_row
    answered_row = next(row for row in rows if "Answered lead" in row)
    assert '<td class="unanswered">0</td>' in answered_row
    # The lead's own words, not the bot's reply that followed them.
    assert "Answered lead asks 0" in answered_row
    assert "Reply to Answered lead" not in answered_row


def test_incomplete_profiles_are_grouped_by_what_is_missing(client_as):
    for name in ("Ana", "Bea"):
        lead = make_conversation(display_name=name)
        lead.profile.name, lead.profile.last_name, lead.profile.company = name, "X", "Acme"
        lead.profile.save()  # only the email is missing
    done = make_conversation(display_name="Done").profile
    done.name, done.last_name, done.company, done.email = "D", "O", "N", "d@o.example"
    done.save()

    page = client_as("agent").get(URL).content.decode()

    assert "Missing email: <strong>2</strong>" in page
    assert "Missing company: <strong>0</strong>" in page
    assert "<h3>email <span" in page


def test_todays_counters(client_as):
    lead = lead_with_thread("Today", minutes_ago=1, replies=True, inbound=2)
    profile = ClientProfile.objects.get(conversation=lead)
    profile.name, profile.last_name, profile.company, profile.email = "T", "O", "D", "t@o.example"
    profile.ai_draft = "A draft"
    profile.save()

    response = client_as("agent").get(URL, {"part": "counters"})

    counters = response.context["counters"]
    assert (counters.new_leads, counters.messages_in, counters.messages_out) == (1, 2, 1)
    assert (counters.profiles_completed, counters.drafts_waiting) == (1, 1)


def test_the_first_render_costs_the_same_queries_for_3_or_30_conversations(
    client_as, django_assert_max_num_queries
):
    client = client_as("agent")
    for n in range(3):
        lead_with_thread(f"Lead {n}", minutes_ago=n, replies=True)
    with django_assert_max_num_queries(20) as few:
        client.get(URL)
    for n in range(3, 30):
        lead_with_thread(f"Lead {n}", minutes_ago=n, replies=n % 2 == 0, inbound=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_every_admin_page_links_to_the_dashboard(client_as):
    page = client_as("viewer").get(reverse("admin:index")).content.decode()
    assert f'href="{URL}"' in page


def test_the_thread_fragment_is_for_staff_only(client, client_as):
    lead = lead_with_thread("Ana", minutes_ago=1)
    url = reverse("dashboard-thread", args=[lead.pk])
    assert "Ana asks 0" in client_as("viewer").get(url).content.decode()
    client.logout()
    assert client.get(url).status_code == 302
