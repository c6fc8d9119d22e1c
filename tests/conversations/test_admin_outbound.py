"""Outbound trouble in the admin: retrying sends and bot replies, the thread, draft statistics."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conversations.models import (
    ConversationLog,
    Direction,
    DraftOutcome,
    DraftReview,
    LogAction,
    Message,
    MessageStatus,
    ReplyState,
    Sender,
)
from conversations.services.outbound import WINDOW_CLOSED_CODE, WINDOW_CLOSED_TITLE
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db

MESSAGES = reverse("admin:conversations_message_changelist")
DRAFT_REVIEWS = reverse("admin:conversations_draftreview_changelist")
LOG = reverse("admin:conversations_conversationlog_changelist")


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def recent_lead(**fields):
    return make_conversation(last_inbound_at=timezone.now() - timedelta(minutes=5), **fields)


def failed_send(conversation, **fields) -> Message:
    fields.setdefault("error_code", 131026)
    fields.setdefault("error_title", "Message undeliverable")
    return make_message(
        conversation,
        direction=Direction.OUT,
        status=MessageStatus.FAILED,
        wamid=f"wamid.out.{conversation.pk}",
        **fields,
    )


def run_action(client, action: str, messages: list[Message]):
    return client.post(
        MESSAGES, {"action": action, "_selected_action": [m.pk for m in messages]}, follow=True
    )


# Retry sending -------------------------------------------------------------------------------


def test_retry_sending_requeues_a_failed_message(client_as):
    message = failed_send(recent_lead())

    page = run_action(client_as("agent"), "retry_failed_sends", [message])

    message.refresh_from_db()
    assert (message.status, message.error_code, message.error_title) == (
        MessageStatus.QUEUED,
        None,
        "",
    )
    assert message.wamid is None  # the resend will get its own
    assert DBTaskResult.objects.filter(
        task_path="conversations.tasks.send_message_task", args_kwargs__args=[message.pk, 0]
    ).exists()
    entry = ConversationLog.objects.get()
    assert (entry.action, entry.actor.username) == (LogAction.SEND_RETRIED, "agent-user")
    assert "Queued 1 message for sending again." in text_of(page)


def test_retry_sending_leaves_everything_else_alone(client_as):
    conversation = recent_lead()
    inbound = make_message(conversation, wamid="wamid.in")
    delivered = make_message(
        conversation, direction=Direction.OUT, status=MessageStatus.DELIVERED, wamid="wamid.ok"
    )

    page = run_action(client_as("agent"), "retry_failed_sends", [inbound, delivered])

    assert "Queued 0 messages for sending again." in text_of(page)
    delivered.refresh_from_db()
    assert delivered.status == MessageStatus.DELIVERED
    assert not DBTaskResult.objects.exists()


def test_retry_sending_outside_the_24_hour_window_says_a_template_is_needed(client_as):
    stale = make_conversation(last_inbound_at=timezone.now() - timedelta(hours=30))
    message = failed_send(stale, error_code=WINDOW_CLOSED_CODE, error_title=WINDOW_CLOSED_TITLE)

    page = run_action(client_as("agent"), "retry_failed_sends", [message])

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert f"1 not retried: {WINDOW_CLOSED_TITLE}" in text_of(page)
    assert not DBTaskResult.objects.exists()


def test_viewers_are_not_offered_retry_and_cannot_post_it(client_as):
    message = failed_send(recent_lead())
    client = client_as("viewer")

    page = client.get(MESSAGES)
    run_action(client, "retry_failed_sends", [message])

    assert page.status_code == 200
    assert "Retry sending" not in text_of(page)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert not ConversationLog.objects.exists()


def test_agents_find_failed_sends_with_the_needs_attention_filter(client_as):
    conversation = recent_lead()
    failed_send(conversation, text="this one bounced")
    make_message(conversation, direction=Direction.OUT, status="sent", text="this one went out")

    page = text_of(client_as("agent").get(MESSAGES, {"attention": "send_failed"}))

    assert "this one bounced" in page
    assert "this one went out" not in page
    assert "Retry sending" in page


# Retry the bot's reply ------------------------------------------------------------------------


def test_retry_the_bots_reply_puts_a_failed_turn_back_in_the_queue(client_as):
    conversation = recent_lead()
    message = make_message(conversation, wamid="wamid.in.1", reply_state=ReplyState.FAILED)
    answered = make_message(conversation, wamid="wamid.in.2", reply_state=ReplyState.ANSWERED)

    page = run_action(client_as("agent"), "retry_failed_bot_replies", [message, answered])

    message.refresh_from_db()
    answered.refresh_from_db()
    assert (message.reply_state, answered.reply_state) == (ReplyState.PENDING, ReplyState.ANSWERED)
    assert DBTaskResult.objects.filter(
        task_path="conversations.tasks.answer_conversation_task",
        args_kwargs__args=[conversation.pk],
    ).exists()
    assert "Queued 1 message for the bot to answer again." in text_of(page)


# The thread ------------------------------------------------------------------------------------


def test_the_thread_says_who_sent_what_and_why_a_send_failed(client_as, staff_user):
    alice = staff_user("agent", username="alice")
    conversation = recent_lead()
    make_message(conversation, minutes=0, text="Hello?")
    make_message(
        conversation,
        minutes=1,
        direction=Direction.OUT,
        sender=Sender.AGENT,
        status=MessageStatus.READ,
        sent_by=alice,
        text="Hi, Alice here.",
    )
    make_message(
        conversation,
        minutes=2,
        direction=Direction.OUT,
        status=MessageStatus.FAILED,
        error_code=WINDOW_CLOSED_CODE,
        error_title="Re-engagement message",
        text="Still interested?",
    )
    make_message(conversation, minutes=3, text="?", reply_state=ReplyState.FAILED)

    url = reverse("admin:profiles_clientprofile_change", args=[conversation.profile.pk])
    page = text_of(client_as("viewer").get(url))

    assert "Agent alice" in page
    assert "Read" in page
    assert f"Not delivered: error {WINDOW_CLOSED_CODE} — Re-engagement message" in page
    assert WINDOW_CLOSED_TITLE in page  # what 131047 means for the agent
    assert ReplyState.FAILED.label in page


# Draft reviews and the conversation log --------------------------------------------------------


def review(conversation, user, *, outcome=DraftOutcome.APPROVED, edited=False) -> DraftReview:
    return DraftReview.objects.create(
        conversation=conversation,
        outcome=outcome,
        original_draft="Hi!",
        sent_text="" if outcome == DraftOutcome.DISCARDED else ("Hello!" if edited else "Hi!"),
        edited=edited,
        reviewed_by=user,
    )


def test_the_draft_review_list_says_how_often_drafts_go_out_unedited(client_as, staff_user):
    alice, bob = staff_user("agent", username="alice"), staff_user("agent", username="bob")
    conversation = recent_lead()
    for _ in range(3):
        review(conversation, alice)
    review(conversation, alice, edited=True)
    review(conversation, bob, edited=True)
    review(conversation, bob, outcome=DraftOutcome.DISCARDED)
    client = client_as("admin")

    everyone = text_of(client.get(DRAFT_REVIEWS))
    only_alice = text_of(client.get(DRAFT_REVIEWS, {"reviewed_by__id__exact": alice.pk}))

    assert "5 drafts approved, 3 of them unedited (60 %); 1 discarded." in everyone
    assert "4 drafts approved, 3 of them unedited (75 %); 0 discarded." in only_alice


def test_the_summary_of_an_empty_list_reads_zero(client_as):
    page = text_of(client_as("viewer").get(DRAFT_REVIEWS))
    assert "0 drafts approved, 0 of them unedited (0 %); 0 discarded." in page


@pytest.mark.parametrize("role", ["admin", "agent", "viewer"])
@pytest.mark.parametrize("model", ["draftreview", "conversationlog"])
def test_draft_reviews_and_the_log_are_read_only_for_everyone(client_as, staff_user, role, model):
    conversation = recent_lead()
    row = (
        review(conversation, staff_user("agent", username="alice"))
        if model == "draftreview"
        else ConversationLog.objects.create(conversation=conversation, action=LogAction.HANDOFF)
    )
    client = client_as(role)

    assert client.get(reverse(f"admin:conversations_{model}_changelist")).status_code == 200
    change = client.get(reverse(f"admin:conversations_{model}_change", args=[row.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert client.get(reverse(f"admin:conversations_{model}_add")).status_code == 403
    delete = reverse(f"admin:conversations_{model}_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


def test_the_log_list_names_who_did_what(client_as, staff_user):
    alice = staff_user("agent", username="alice")
    conversation = recent_lead(display_name="Ana")
    ConversationLog.objects.create(
        conversation=conversation, action=LogAction.MANUAL_ON, actor=alice
    )
    ConversationLog.objects.create(
        conversation=conversation, action=LogAction.DRAFT_CREATED, detail="answering 2 messages"
    )

    page = text_of(client_as("viewer").get(LOG))

    assert '<td class="field-actor_name">alice</td>' in page
    assert '<td class="field-actor_name">Bot</td>' in page
    assert "Manual mode on" in page
    assert "answering 2 messages" in page


def test_all_activity_of_one_conversation_is_one_click_from_the_profile(client_as):
    mine, other = recent_lead(), recent_lead()
    ConversationLog.objects.create(conversation=mine, action=LogAction.MANUAL_ON, detail="mine")
    ConversationLog.objects.create(conversation=other, action=LogAction.MANUAL_ON, detail="other")
    client = client_as("agent")
    profile_page = client.get(
        reverse("admin:profiles_clientprofile_change", args=[mine.profile.pk])
    )

    page = client.get(profile_page.context["bot_panel"].log_url)

    assert page.status_code == 200
    assert [row.detail for row in page.context["cl"].result_list] == ["mine"]


def test_switching_handoff_on_the_conversation_page_is_logged(client_as):
    conversation = recent_lead()

    client_as("agent").post(
        reverse("admin:conversations_conversation_change", args=[conversation.pk]),
        {"handoff_state": "paused"},
    )

    entry = ConversationLog.objects.get(conversation=conversation)
    assert (entry.action, entry.actor.username, entry.detail) == (
        LogAction.HANDOFF,
        "agent-user",
        "Bot replies → Paused",
    )
