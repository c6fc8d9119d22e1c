"""Back-office lists cost the same number of queries for 3 rows as for 30."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conversations.brain import ProfileUpdate
from conversations.models import (
    Conversation,
    ConversationLog,
    Direction,
    DraftOutcome,
    DraftReview,
    LogAction,
    Sender,
)
from conversations.services.log import log_action
from profiles.services import apply_bot_updates, record_agent_field_changes
from tests.factories import make_conversation, make_message
from webhooks.models import ProcessedMessage, WebhookEvent

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:conversations_conversation_changelist",
    "admin:conversations_message_changelist",
    "admin:profiles_clientprofile_changelist",
    "admin:webhooks_webhookevent_changelist",
    "admin:webhooks_processedmessage_changelist",
    "admin:conversations_draftreview_changelist",
    "admin:conversations_conversationlog_changelist",
]


def add_rows(count: int, start: int) -> None:
    for i in range(start, start + count):
        conversation = make_conversation(wa_id=f"1555099{i:04d}")
        make_message(conversation, minutes=i, wamid=f"wamid.in.{i}")
        make_message(
            conversation,
            minutes=i,
            direction=Direction.OUT,
            status="sent",
            wamid=f"wamid.out.{i}",
        )
        WebhookEvent.objects.create(body=b'{"entry": []}')
        ProcessedMessage.objects.create(wamid=f"wamid.in.{i}")
        # A reviewer per row: the reviewer and actor filters list them all.
        reviewer = get_user_model().objects.create(username=f"reviewer-{i}", is_staff=True)
        # ...who also looks after it: the lists show who, from the same query.
        Conversation.objects.filter(pk=conversation.pk).update(assigned_to=reviewer)
        add_review_and_log(conversation, reviewer, edited=i % 2 == 0)


def add_review_and_log(conversation: Conversation, actor, *, edited: bool) -> None:
    DraftReview.objects.create(
        conversation=conversation,
        outcome=DraftOutcome.APPROVED,
        original_draft="Hi!",
        sent_text="Hello!" if edited else "Hi!",
        edited=edited,
        reviewed_by=actor,
    )
    ConversationLog.objects.create(
        conversation=conversation, action=LogAction.DRAFT_APPROVED, actor=actor
    )


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(client_as, name):
    client = client_as("admin")
    url = reverse(name)
    add_rows(3, start=0)
    few = queries_for(client, url)
    add_rows(27, start=3)
    many = queries_for(client, url)
    assert many == few


def test_profile_page_shows_the_thread_newest_last_and_capped(client_as):
    conversation = make_conversation()
    for minute in range(60):
        make_message(conversation, minutes=minute, text=f"line {minute:02d}")
    url = reverse("admin:profiles_clientprofile_change", args=[conversation.profile.pk])
    page = client_as("agent").get(url).content.decode()
    assert "line 59" in page
    assert "line 10" in page
    assert "line 09" not in page  # only the newest 50 are shown
    assert page.index("line 10") < page.index("line 59")
    assert "10 older messages not shown" in page


def test_profile_page_query_count_does_not_grow_with_the_thread(client_as):
    client = client_as("agent")
    conversation = make_conversation()
    url = reverse("admin:profiles_clientprofile_change", args=[conversation.profile.pk])
    for minute in range(5):
        make_message(conversation, minutes=minute)
    few = queries_for(client, url)
    for minute in range(5, 80):
        make_message(conversation, minutes=minute)
    assert queries_for(client, url) == few + 1  # + the count of the hidden older messages


def test_profile_page_query_count_does_not_grow_with_authors_log_rows_or_sources(client_as):
    client = client_as("agent")
    agents = [
        get_user_model().objects.create(username=f"sender-{i}", is_staff=True) for i in range(6)
    ]
    conversation = make_conversation()
    profile = conversation.profile
    url = reverse("admin:profiles_clientprofile_change", args=[profile.pk])

    def add_activity(start: int, count: int) -> None:
        for i in range(start, start + count):
            agent = agents[i % len(agents)]
            make_message(conversation, minutes=i, text=f"I work at Firm {i}")
            make_message(
                conversation,
                minutes=i,
                direction=Direction.OUT,
                sender=Sender.AGENT,
                status="sent",
                sent_by=agent,
            )
            log_action(conversation.pk, LogAction.AGENT_REPLY, actor=agent, detail=f"#{i}")

    add_activity(0, 3)
    few = queries_for(client, url)
    add_activity(3, 20)  # still under the 50-message cap: no extra count query
    message = conversation.messages.filter(direction=Direction.IN).first()
    apply_bot_updates(
        profile, [ProfileUpdate("company", "Firm 1", "I work at Firm 1")], message=message
    )
    record_agent_field_changes(profile, {"email": "a@b.test", "name": "Ana"}, actor=agents[0])
    assert queries_for(client, url) == few
