"""Replies typed on the business phone (coexistence): `smb_message_echoes` through the webhook.

Each echo goes through the real signed webhook view and the real worker; the bot is the
offline brain with the console transport.
"""

import html
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import (
    Conversation,
    ConversationLog,
    Direction,
    HandoffState,
    LiveEvent,
    LogAction,
    Message,
    MessageStatus,
    ReplyState,
    Sender,
)
from conversations.services.bot import answer_pending_messages
from tests.conversations.conftest import conversation_of, replies_to
from tests.races import run_together
from tests.samples import echo_webhook
from webhooks.models import ProcessedMessage, WebhookEvent
from webhooks.services import process_webhook_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone_replies(post_webhook):
    """The business types a reply on its phone; Meta echoes it. Returns the echo's wamid."""

    def reply(text: str, **fields) -> str:
        body, wamid = echo_webhook(text, **fields)
        post_webhook(body)
        return wamid

    return reply


def log_of(conversation, action) -> list[ConversationLog]:
    return list(ConversationLog.objects.filter(conversation=conversation, action=action))


def test_an_echo_is_stored_once_as_sent_by_the_business_phone(
    user_writes, phone_replies, post_webhook, run_worker
):
    user_writes("Hi, do you open on Sundays?")
    run_worker()
    typed_at = datetime.now(UTC).replace(microsecond=0)
    body, wamid = echo_webhook("Yes, from 10 to 2!", at=typed_at)

    post_webhook(body)
    post_webhook(body)  # Meta redelivers
    run_worker()
    summaries = [event.summary for event in WebhookEvent.objects.all()]
    for event in WebhookEvent.objects.all():  # and an Admin replays everything
        process_webhook_event(event.pk)

    [echo] = Message.objects.filter(wamid=wamid)
    assert (echo.direction, echo.sender, echo.type, echo.text) == (
        Direction.OUT,
        Sender.PHONE,
        "text",
        "Yes, from 10 to 2!",
    )
    assert (echo.status, echo.sent_at, echo.timestamp) == (MessageStatus.SENT, typed_at, typed_at)
    conversation = conversation_of()
    assert echo.conversation_id == conversation.pk
    assert len(log_of(conversation, LogAction.PHONE_REPLY)) == 1
    assert len(log_of(conversation, LogAction.HANDOFF)) == 1
    assert sum(summary.get("echoes_stored", 0) for summary in summaries) == 1
    assert sum(summary.get("echoes_duplicate", 0) for summary in summaries) == 1


def test_an_echo_moves_the_last_message_time_but_not_the_24_hour_window(
    user_writes, phone_replies, run_worker, settings
):
    settings.BOT_ENABLED = False  # only the user and the phone write
    written_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    user_writes("Hello", at=written_at)
    run_worker()
    typed_at = datetime.now(UTC).replace(microsecond=0)

    phone_replies("Hi! How can I help?", at=typed_at)
    run_worker()

    conversation = conversation_of()
    assert conversation.last_message_at == typed_at
    assert conversation.last_inbound_at == written_at


def test_after_a_phone_reply_the_bot_does_not_talk_over_the_person_on_the_phone(
    user_writes, phone_replies, run_worker, settings
):
    settings.BOT_BURST_SECONDS = 60  # the bot is still waiting when the phone answers
    waiting = user_writes("Can I book a table for four tonight?")
    run_worker()
    phone_replies("Of course, 8 pm works. See you!")
    run_worker()

    assert answer_pending_messages(conversation_of().pk) == "nothing pending"

    conversation = conversation_of()
    assert conversation.handoff_state == HandoffState.HUMAN
    assert [message.sender for message in replies_to()] == [Sender.PHONE]
    answered = Message.objects.get(wamid=waiting)
    assert answered.reply_state == ReplyState.BY_AGENT
    assert ProcessedMessage.objects.filter(wamid=waiting).exists()  # claimed: never answered
    [handoff] = log_of(conversation, LogAction.HANDOFF)
    assert "Agent handles" in handoff.detail and "business phone" in handoff.detail
    assert handoff.actor is None
    assert len(log_of(conversation, LogAction.PHONE_REPLY)) == 1


def test_what_the_user_writes_after_the_phone_reply_gets_only_a_draft(
    user_writes, phone_replies, run_worker
):
    user_writes("Hello")
    run_worker()
    phone_replies("Hi, Carla here from the shop.")
    run_worker()

    later = user_writes("Great, my name is Alice Smith")
    run_worker()

    assert sorted(message.sender for message in replies_to()) == [Sender.BOT, Sender.PHONE]
    assert Message.objects.get(wamid=later).reply_state == ReplyState.DRAFTED
    assert "Alice" in conversation_of().profile.ai_draft


def test_a_late_echo_does_not_claim_what_the_user_wrote_after_it(
    user_writes, post_webhook, run_worker, settings
):
    settings.BOT_BURST_SECONDS = 60
    now = datetime.now(UTC).replace(microsecond=0)
    before = user_writes("Are you open?", at=now - timedelta(minutes=2))
    after = user_writes("Hello??", at=now)
    body, _ = echo_webhook("Yes we are", at=now - timedelta(minutes=1))
    post_webhook(body)
    run_worker()

    states = dict(
        Message.objects.filter(wamid__in=[before, after]).values_list("wamid", "reply_state")
    )
    assert states == {before: ReplyState.BY_AGENT, after: ReplyState.PENDING}


def test_the_thread_shows_the_phone_reply_as_the_business_phones(
    user_writes, phone_replies, run_worker, client_as
):
    user_writes("Hi")
    phone_replies("Hello from the shop's phone")
    run_worker()
    profile = conversation_of().profile

    page = client_as("agent").get(reverse("admin:profiles_clientprofile_change", args=[profile.pk]))

    thread = html.unescape(page.content.decode())
    thread = thread[thread.index('class="bot-thread"') :]
    assert "Business phone" in thread
    assert "Hello from the shop's phone" in thread
    assert "An agent handles this conversation" in html.unescape(page.content.decode())


def test_a_phone_reply_is_pushed_live_like_any_new_message(phone_replies, run_worker):
    wamid = phone_replies("Hello!")
    run_worker()

    echo = Message.objects.get(wamid=wamid)
    events = LiveEvent.objects.filter(kind="message", conversation_id=echo.conversation_id)
    [event] = [e for e in events if e.payload["message"]["message_id"] == echo.pk]
    assert event.payload["message"]["sender"] == Sender.PHONE
    assert event.payload["message"]["text"] == "Hello!"
    assert event.payload["conversation"]["handoff_state"] == HandoffState.HUMAN


def test_a_phone_reply_to_someone_new_starts_their_thread(phone_replies, run_worker):
    phone_replies("Hi Dev, your order is ready", to="15550008888")
    run_worker()

    conversation = Conversation.objects.get(wa_id="15550008888")
    assert conversation.messages.get().sender == Sender.PHONE
    assert conversation.profile is not None
    assert conversation.last_inbound_at is None  # no window: the user has not written


def test_a_phone_reply_to_a_user_known_by_bsuid_joins_their_thread(
    post_webhook, phone_replies, run_worker
):
    from tests.samples import sample_bytes

    post_webhook(sample_bytes("07_text_bsuid_only_username.json"))
    run_worker()

    phone_replies("Yes, open on Sunday", to=None, to_user_id="US.50607080901020304050")
    run_worker()

    rosa = Conversation.objects.get(bsuid="US.50607080901020304050")
    assert rosa.messages.filter(sender=Sender.PHONE).count() == 1
    assert Conversation.objects.count() == 1


def test_an_echo_naming_no_user_is_counted_unstorable_not_an_error(post_webhook, run_worker):
    body, _ = echo_webhook("To nobody", to=None)
    post_webhook(body)
    run_worker()

    event = WebhookEvent.objects.get()
    assert event.outcome == "processed", event.error
    assert event.summary["items_unstorable"] == 1
    assert not Message.objects.exists()


def test_an_edit_or_deletion_on_the_phone_changes_the_business_message(
    phone_replies, run_worker, client_as
):
    original = phone_replies("We close at 5")
    run_worker()
    edit = {
        "type": "edit",
        "edit": {
            "original_message_id": original,
            "message": {"type": "text", "text": {"body": "We close at 6"}},
        },
    }
    phone_replies(None, message=edit, at=datetime.now(UTC) + timedelta(seconds=5))
    run_worker()

    edited = Message.objects.get(wamid=original)
    assert (edited.text, edited.edited_at is not None) == ("We close at 6", True)
    assert [e.previous_text for e in edited.edits.all()] == ["We close at 5"]
    conversation = edited.conversation
    assert len(log_of(conversation, LogAction.PHONE_REPLY)) == 1  # an edit is not a reply

    revoke = {"type": "revoke", "revoke": {"original_message_id": original}}
    phone_replies(None, message=revoke, at=datetime.now(UTC) + timedelta(seconds=10))
    run_worker()

    deleted = Message.objects.get(wamid=original)
    assert deleted.revoked_at is not None
    page = client_as("agent").get(
        reverse("admin:profiles_clientprofile_change", args=[conversation.profile.pk])
    )
    thread = html.unescape(page.content.decode())
    assert "This message was deleted" in thread
    assert "We close at" not in thread


def test_a_user_cannot_edit_a_message_the_business_sent(phone_replies, post_webhook, run_worker):
    from tests.samples import edit_webhook

    original = phone_replies("Your table is booked")
    run_worker()
    body, _ = edit_webhook(original, "Your table is cancelled")
    post_webhook(body)
    run_worker()

    assert Message.objects.get(wamid=original).text == "Your table is booked"


# --- two workers, one echo (PostgreSQL) ----------------------------------------------------


@pytest.mark.postgres
def test_two_workers_with_the_same_echo_store_it_once_and_log_once(post_webhook, user_writes):
    user_writes("Hello", at=timezone.now())
    body, wamid = echo_webhook("Hi from the phone")
    for _ in range(4):
        post_webhook(body)
    events = [
        event.pk
        for event in WebhookEvent.objects.all()
        if b"smb_message_echoes" in bytes(event.body)
    ]
    for event in WebhookEvent.objects.exclude(pk__in=events):
        process_webhook_event(event.pk)  # the user's message first

    run_together(process_webhook_event, events)

    assert Message.objects.filter(wamid=wamid).count() == 1
    conversation = conversation_of()
    assert len(log_of(conversation, LogAction.PHONE_REPLY)) == 1
    assert len(log_of(conversation, LogAction.HANDOFF)) == 1
    stored = sum(e.summary.get("echoes_stored", 0) for e in WebhookEvent.objects.all())
    duplicates = sum(e.summary.get("echoes_duplicate", 0) for e in WebhookEvent.objects.all())
    assert (stored, duplicates) == (1, 3)
    assert all(event.outcome == "processed" for event in WebhookEvent.objects.all()), [
        event.error for event in WebhookEvent.objects.all()
    ]


def test_a_photo_sent_from_the_phone_keeps_its_media_and_caption(phone_replies, run_worker):
    photo = {
        "type": "image",
        "image": {
            "id": "4400112233445566",
            "mime_type": "image/jpeg",
            "sha256": "b1l3aA5LRWfY2WmP0Zm9qY4hkqGfE7m0uW0c1Yc7H2w=",
            "caption": "Today's menu",
        },
    }
    wamid = phone_replies(None, message=photo)
    run_worker()

    echo = Message.objects.get(wamid=wamid)
    assert (echo.type, echo.text, echo.sender) == ("image", "Today's menu", Sender.PHONE)
    assert (echo.content["media_id"], echo.content["mime_type"]) == (
        "4400112233445566",
        "image/jpeg",
    )


def test_a_photo_sent_from_the_phone_is_fetched_like_an_inbound_one(
    phone_replies, run_worker, graph_transport_settings
):
    from conversations.models import MediaState
    from tests.standins.graph_media import b64_sha256

    photo_bytes = b"\xff\xd8\xff\xe0" + b"menu" * 100
    graph_transport_settings.media["4400112233445567"] = (photo_bytes, "image/jpeg")
    photo = {
        "type": "image",
        "image": {
            "id": "4400112233445567",
            "mime_type": "image/jpeg",
            "sha256": b64_sha256(photo_bytes),
            "caption": "Today's menu",
        },
    }
    wamid = phone_replies(None, message=photo)
    run_worker()

    media = Message.objects.get(wamid=wamid).media
    assert media.state == MediaState.STORED
    with media.file.open("rb") as stored:
        assert stored.read() == photo_bytes
