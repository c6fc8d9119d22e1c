"""A user edits or deletes a message on WhatsApp: the thread, the dashboard and the bot follow.

Edits and revokes arrive as messages of their own through the real signed webhook, in any
order, processed by the real worker.
"""

import html
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from conversations.models import LiveEvent, Message, MessageEdit, ReplyState
from conversations.selectors import recent_history
from conversations.services.bot import answer_pending_messages
from tests.conversations.conftest import conversation_of, replies_to
from tests.samples import edit_webhook, revoke_webhook
from webhooks.models import WebhookEvent
from webhooks.services import process_webhook_event

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)


def seconds(n: int) -> datetime:
    return T0 + timedelta(seconds=n)


@pytest.fixture
def user_edits(post_webhook):
    def edit(original: str, new_text: str, **fields) -> str:
        body, wamid = edit_webhook(original, new_text, **fields)
        post_webhook(body)
        return wamid

    return edit


@pytest.fixture
def user_deletes(post_webhook):
    def delete(original: str, **fields) -> str:
        body, wamid = revoke_webhook(original, **fields)
        post_webhook(body)
        return wamid

    return delete


@pytest.fixture
def thread_of(client_as):
    """The thread exactly as the profile page and the dashboard fetch it."""
    client = client_as("agent")

    def read() -> str:
        url = reverse("dashboard-thread", args=[conversation_of().pk])
        return html.unescape(client.get(url).content.decode())

    return read


def history(wamid: str) -> list[str]:
    return [edit.previous_text for edit in Message.objects.get(wamid=wamid).edits.all()]


# --- edits ---------------------------------------------------------------------------------


def test_an_edited_message_shows_its_latest_text_marked_edited_and_the_earlier_on_demand(
    user_writes, user_edits, run_worker, thread_of
):
    original = user_writes("See you at 5pm", at=seconds(0))
    user_edits(original, "See you at 6pm", at=seconds(20))
    run_worker()

    message = Message.objects.get(wamid=original)
    assert (message.text, message.edited_at) == ("See you at 6pm", seconds(20))
    assert history(original) == ["See you at 5pm"]
    thread = thread_of()
    assert "See you at 6pm" in thread
    assert "edited" in thread
    details = thread[thread.index("<details") : thread.index("</details>")]
    assert "See you at 5pm" in details  # the earlier text only behind the click
    assert thread.count("See you at 5pm") == 1


def test_a_redelivered_or_replayed_edit_adds_no_second_history_row(
    user_writes, post_webhook, run_worker
):
    original = user_writes("Hello, I am Ana", at=seconds(0))
    body, _ = edit_webhook(original, "Hello, I am Ana Lopez", at=seconds(10))
    post_webhook(body)
    post_webhook(body)
    run_worker()
    for event in WebhookEvent.objects.all():
        process_webhook_event(event.pk)

    assert MessageEdit.objects.count() == 1
    assert Message.objects.get(wamid=original).text == "Hello, I am Ana Lopez"


def test_edits_arriving_out_of_order_show_the_newest_and_keep_the_history_in_time_order(
    user_writes, user_edits, run_worker, thread_of
):
    original = user_writes("v1: table for 2", at=seconds(0))
    user_edits(original, "v3: table for 4", at=seconds(30))  # the newest edit comes first
    user_edits(original, "v2: table for 3", at=seconds(15))
    run_worker()

    message = Message.objects.get(wamid=original)
    assert (message.text, message.edited_at) == ("v3: table for 4", seconds(30))
    assert history(original) == ["v1: table for 2", "v2: table for 3"]
    thread = thread_of()
    assert thread.index("v1: table for 2") < thread.index("v2: table for 3")


def test_an_edit_that_arrives_before_its_original_is_applied_when_the_original_arrives(
    user_writes, user_edits, run_worker, settings
):
    settings.BOT_BURST_SECONDS = 60
    user_edits("wamid.original.1", "My email is ana@acme.example", at=seconds(10))
    run_worker()
    user_writes("My email is ana@acme.exmaple", wamid="wamid.original.1", at=seconds(0))
    run_worker()

    message = Message.objects.get(wamid="wamid.original.1")
    assert message.text == "My email is ana@acme.example"
    assert history("wamid.original.1") == ["My email is ana@acme.exmaple"]

    settings.BOT_BURST_SECONDS = 0
    answer_pending_messages(conversation_of().pk)  # the bot reads the corrected text
    assert conversation_of().profile.email == "ana@acme.example"


def test_the_bots_context_reads_the_latest_text_once(user_writes, user_edits, run_worker):
    original = user_writes("I work at Initech", at=seconds(0))
    run_worker()
    user_edits(original, "I work at Globex", at=seconds(20))
    run_worker()

    context = [item.text for item in recent_history(conversation_of().pk, exclude=[])]

    assert "I work at Globex" in context
    assert context.count("I work at Globex") == 1  # not again as the edit's own row
    assert "I work at Initech" not in context


def test_an_edit_is_pushed_live_and_the_dashboard_shows_the_latest_text(
    user_writes, user_edits, run_worker, client_as
):
    original = user_writes("Pick up at noon", at=seconds(0))
    run_worker()
    Message.objects.filter(direction="out").delete()  # the edited message is the last one
    user_edits(original, "Pick up at 1pm", at=seconds(20))
    run_worker()

    [event] = LiveEvent.objects.filter(kind="message_changed")
    assert event.payload["message"]["text"] == "Pick up at 1pm"
    assert event.payload["message"]["edited"] is True
    page = client_as("viewer").get("/admin/dashboard/").content.decode()
    rows = page[page.index('id="conversation-rows"') : page.index("</tbody>")]
    assert "Pick up at 1pm" in rows
    assert "Pick up at noon" not in rows
    assert '<td class="unanswered">1</td>' in rows  # the edit is not a second message


# --- deletions -----------------------------------------------------------------------------


def test_a_deleted_message_shows_as_deleted_and_its_text_is_gone_from_thread_and_dashboard(
    user_writes, user_deletes, run_worker, thread_of, client_as
):
    original = user_writes("my email is secret@example.com", at=seconds(0))
    run_worker()
    Message.objects.filter(direction="out").delete()  # the deleted message is the last one
    user_deletes(original, at=seconds(30))
    run_worker()

    thread = thread_of()
    assert "This message was deleted" in thread
    assert "secret@example.com" not in thread
    page = client_as("viewer").get("/admin/dashboard/").content.decode()
    rows = page[page.index('id="conversation-rows"') : page.index("</tbody>")]
    assert "This message was deleted" in rows
    assert "secret@example.com" not in rows
    message = Message.objects.get(wamid=original)
    assert message.revoked_at == seconds(30)
    assert message.text == ""  # blanked where staff read and search
    assert message.content["body"] is None
    assert "secret@example.com" in str(message.raw)  # Meta's copy stays, for audit


def test_a_deletion_is_pushed_live_without_the_text(user_writes, user_deletes, run_worker):
    original = user_writes("call me on 555-0100", at=seconds(0))
    run_worker()
    user_deletes(original, at=seconds(30))
    run_worker()

    [event] = LiveEvent.objects.filter(kind="message_changed")
    assert event.payload["message"]["revoked"] is True
    assert event.payload["message"]["text"] == ""
    assert "555-0100" not in str(event.payload)
    revoke_rows = LiveEvent.objects.filter(kind="message", payload__message__type="revoke")
    assert not revoke_rows.exists()  # the deletion is not a new message in the thread


def test_a_deleted_message_is_not_in_the_bots_context(user_writes, user_deletes, run_worker):
    original = user_writes("I work at Initech", at=seconds(0))
    run_worker()
    user_deletes(original, at=seconds(30))
    run_worker()

    context = [item.text for item in recent_history(conversation_of().pk, exclude=[])]

    assert "I work at Initech" not in context


def test_a_message_deleted_before_the_bot_answered_it_is_not_answered(
    user_writes, user_deletes, run_worker, settings
):
    settings.BOT_BURST_SECONDS = 60
    original = user_writes("My name is Alice Smith", at=seconds(0))
    user_deletes(original, at=seconds(5))
    run_worker()

    assert answer_pending_messages(conversation_of().pk) == "nothing pending"
    assert replies_to() == []
    assert Message.objects.get(wamid=original).reply_state == ReplyState.NONE
    assert conversation_of().profile.name == ""


def test_a_deleted_message_hides_its_edit_history_too(
    user_writes, user_edits, user_deletes, run_worker, thread_of
):
    original = user_writes("Address: 1 Old Street", at=seconds(0))
    user_edits(original, "Address: 2 New Street", at=seconds(10))
    user_deletes(original, at=seconds(20))
    run_worker()

    thread = thread_of()
    assert "This message was deleted" in thread
    assert "Street" not in thread
    assert "<details" not in thread
    assert history(original) == [""]
    edit_row = Message.objects.get(type="edit")
    assert edit_row.text == ""


def test_a_deletion_that_arrives_before_its_original_deletes_it_on_arrival(
    user_writes, user_deletes, run_worker, thread_of
):
    user_deletes("wamid.original.2", at=seconds(30))
    run_worker()
    user_writes("oops, wrong chat", wamid="wamid.original.2", at=seconds(0))
    run_worker()

    message = Message.objects.get(wamid="wamid.original.2")
    assert (message.revoked_at, message.text) == (seconds(30), "")
    assert message.reply_state == ReplyState.NONE
    assert "wrong chat" not in thread_of()
    assert replies_to() == []


def test_an_edit_delivered_after_the_deletion_brings_no_text_back(
    user_writes, user_edits, user_deletes, run_worker, thread_of
):
    original = user_writes("PIN is 1234", at=seconds(0))
    user_deletes(original, at=seconds(30))
    run_worker()
    user_edits(original, "PIN is 4321", at=seconds(10))  # made before, delivered after
    run_worker()

    message = Message.objects.get(wamid=original)
    assert message.text == ""
    assert "PIN" not in thread_of()
    assert Message.objects.get(type="edit").text == ""
