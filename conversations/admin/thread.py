"""The thread as the back office shows it: on the profile page, the conversation page and in
live refreshes."""

from django.template.loader import render_to_string
from django.urls import reverse

from conversations.message_display import cards_of, kind_label, location_of
from conversations.models import Conversation, Message, MessageType, ReplyState
from conversations.selectors import thread_tail
from conversations.services.outbound import WINDOW_CLOSED_CODE, WINDOW_CLOSED_TITLE

# Inbound reply states worth a word in the thread; "answered" is what the next bubble shows.
NOTEWORTHY_REPLY_STATES = {
    ReplyState.PENDING,
    ReplyState.DRAFTED,
    ReplyState.BY_AGENT,
    ReplyState.SKIPPED,
    ReplyState.FAILED,
}

# WhatsApp caps a text at 4,096 characters; a longer one (a hostile webhook) is kept whole in
# the database but shown only up to here, so the profile page stays usable.
THREAD_TEXT_CHARS = 10_000
MEDIA_TYPES = (
    MessageType.IMAGE,
    MessageType.AUDIO,
    MessageType.VIDEO,
    MessageType.DOCUMENT,
    MessageType.STICKER,
)


def staff_name(user) -> str:
    """How the back office names a colleague: full name when known, else the username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def reply_note(message: Message) -> str:
    """The bot's state for an inbound message, with why it failed when the brain said so."""
    if message.reply_state not in NOTEWORTHY_REPLY_STATES:
        return ""
    note = message.get_reply_state_display()
    if message.reply_state == ReplyState.FAILED and message.reply_error:
        note = f"{note} ({message.reply_error})"
    return note


def render_thread(conversation: Conversation, *, request=None) -> str:
    """The thread as the back office shows it: newest last, capped, with a link to all.

    With the `request`, buttons inside it (a media download's Retry) get the user's
    permissions and a CSRF token; without it the thread is read-only.
    """
    tail = thread_tail(conversation)
    for message in tail.messages:
        message.sent_by_name = staff_name(message.sent_by)
        message.reply_note = reply_note(message)
        message.kind_label = kind_label(message.type, message.content)
        if message.type == MessageType.LOCATION:
            message.location = location_of(message.content)
        elif message.type == MessageType.CONTACTS:
            message.cards = cards_of(message.content)
        message.hidden_chars = max(0, len(message.text) - THREAD_TEXT_CHARS)
        if message.hidden_chars:
            message.text = message.text[:THREAD_TEXT_CHARS]
    all_url = (
        reverse("admin:conversations_message_changelist")
        + f"?conversation__id__exact={conversation.pk}"
    )
    return render_to_string(
        "admin/conversations/thread.html",
        {
            "tail": tail,
            "all_url": all_url,
            "window_closed_code": WINDOW_CLOSED_CODE,
            "window_closed_title": WINDOW_CLOSED_TITLE,
            "media_types": MEDIA_TYPES,
        },
        request=request,
    )
