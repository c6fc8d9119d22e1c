"""A user stops or resumes marketing messages in WhatsApp: the `user_preferences` webhook.

Through the real signed webhook and worker; what an agent sees on the profile page.
"""

import html
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from conversations.models import Conversation, ConversationLog, LogAction
from tests.conversations.conftest import conversation_of
from tests.samples import preference_webhook
from webhooks.models import WebhookEvent
from webhooks.services import process_webhook_event

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 7, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def user_prefers(post_webhook, run_worker):
    """The user taps stop (or resume) marketing messages; Meta tells us; the worker runs."""

    def prefer(value: str, **fields) -> None:
        post_webhook(preference_webhook(value, **fields))
        run_worker()

    return prefer


@pytest.fixture
def lead(user_writes, run_worker):
    user_writes("Hi, I'd like to know more about your service")
    run_worker()
    return conversation_of()


def log_actions(conversation) -> list[str]:
    return list(
        ConversationLog.objects.filter(conversation=conversation)
        .filter(action__in=[LogAction.MARKETING_STOPPED, LogAction.MARKETING_RESUMED])
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )


def profile_page(client_as, conversation) -> str:
    url = reverse("admin:profiles_clientprofile_change", args=[conversation.profile.pk])
    return html.unescape(client_as("viewer").get(url).content.decode())


def test_a_stop_is_stored_with_its_time_logged_and_shown_on_the_profile(
    lead, user_prefers, client_as
):
    user_prefers("stop", at=T0)

    lead.refresh_from_db()
    assert lead.marketing_opt_out_at == T0
    assert log_actions(lead) == [LogAction.MARKETING_STOPPED]
    page = profile_page(client_as, lead)
    assert "Marketing messages: stopped by the user on 2026-07-30 12:00" in page


def test_a_resume_clears_it_and_is_logged_too(lead, user_prefers, client_as):
    user_prefers("stop", at=T0)
    user_prefers("resume", at=T0 + timedelta(days=1))

    lead.refresh_from_db()
    assert lead.marketing_opt_out_at is None
    assert log_actions(lead) == [LogAction.MARKETING_STOPPED, LogAction.MARKETING_RESUMED]
    assert "Marketing messages: allowed" in profile_page(client_as, lead)


def test_an_older_preference_delivered_late_changes_nothing(lead, user_prefers):
    user_prefers("resume", at=T0 + timedelta(hours=1))
    user_prefers("stop", at=T0)  # tapped before the resume, delivered after it

    lead.refresh_from_db()
    assert lead.marketing_opt_out_at is None
    assert log_actions(lead) == []


def test_a_late_resume_does_not_undo_a_newer_stop(lead, user_prefers):
    user_prefers("stop", at=T0 + timedelta(hours=1))
    user_prefers("resume", at=T0)

    lead.refresh_from_db()
    assert lead.marketing_opt_out_at == T0 + timedelta(hours=1)
    assert log_actions(lead) == [LogAction.MARKETING_STOPPED]


def test_a_redelivered_or_replayed_stop_logs_once(lead, post_webhook, run_worker):
    body = preference_webhook("stop", at=T0)
    post_webhook(body)
    post_webhook(body)
    run_worker()
    counted = [e.summary.get("preferences_applied", 0) for e in WebhookEvent.objects.all()]
    for event in WebhookEvent.objects.all():
        process_webhook_event(event.pk)

    lead.refresh_from_db()
    assert lead.marketing_opt_out_at == T0
    assert log_actions(lead) == [LogAction.MARKETING_STOPPED]
    assert sum(counted) == 1


def test_a_second_stop_keeps_the_time_of_the_first(lead, user_prefers):
    user_prefers("stop", at=T0)
    user_prefers("stop", at=T0 + timedelta(hours=2))

    lead.refresh_from_db()
    assert lead.marketing_opt_out_at == T0
    assert log_actions(lead) == [LogAction.MARKETING_STOPPED]


def test_other_categories_and_values_are_ignored(lead, user_prefers):
    user_prefers("stop", category="offers_and_announcements", at=T0)
    user_prefers("pause", at=T0 + timedelta(minutes=1))

    lead.refresh_from_db()
    assert lead.marketing_opt_out_at is None
    assert log_actions(lead) == []
    summaries = [e.summary for e in WebhookEvent.objects.all()]
    assert sum(s.get("preferences_unchanged", 0) for s in summaries) == 2


def test_a_stop_from_someone_we_never_talked_to_is_kept_for_when_we_do(user_prefers):
    user_prefers("stop", wa_id="15550004444", name="", at=T0)

    conversation = Conversation.objects.get(wa_id="15550004444")
    assert conversation.marketing_opt_out_at == T0
    assert log_actions(conversation) == [LogAction.MARKETING_STOPPED]


def test_a_resume_from_someone_we_never_talked_to_creates_nothing(user_prefers):
    user_prefers("resume", wa_id="15550004444", at=T0)

    assert not Conversation.objects.exists()
    [event] = WebhookEvent.objects.all()
    assert event.outcome == "processed", event.error
    assert event.summary["preferences_unchanged"] == 1


def test_the_bot_still_answers_a_user_who_stopped_marketing(
    lead, user_prefers, user_writes, run_worker
):
    """Stopping marketing templates is not blocking: service replies go on as before."""
    from tests.conversations.conftest import replies_to

    user_prefers("stop", at=T0)
    user_writes("My name is Alice Smith")
    run_worker()

    assert len(replies_to()) == 2
