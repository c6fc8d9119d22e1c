"""Reads of conversations and their threads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from conversations.models import (
    Conversation,
    Direction,
    Message,
    MessageStatus,
    ReplyState,
)


@dataclass(frozen=True, slots=True)
class ThreadTail:
    """The newest messages of a thread in reading order, and how many there are in all."""

    messages: list[Message]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.messages)


def thread_tail(conversation: Conversation, *, limit: int = 50) -> ThreadTail:
    newest = list(
        Message.objects.filter(conversation=conversation)
        .select_related("sent_by")
        .order_by("-timestamp", "-id")
        .only(
            "id",
            "sent_by__username",
            "sent_by__first_name",
            "sent_by__last_name",
            "reply_state",
            "direction",
            "sender",
            "type",
            "text",
            "status",
            "error_code",
            "error_title",
            "timestamp",
        )[:limit]
    )
    total = (
        len(newest)
        if len(newest) < limit
        else Message.objects.filter(conversation=conversation).count()
    )
    return ThreadTail(messages=newest[::-1], total=total)


# WhatsApp's customer service window (whatsapp.md §10): free-form replies only within 24 h
# of the user's last message; outside it only an approved template may be sent.
CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)


def window_closes_at(conversation: Conversation) -> datetime | None:
    if conversation.last_inbound_at is None:
        return None
    return conversation.last_inbound_at + CUSTOMER_SERVICE_WINDOW


def within_customer_service_window(
    conversation: Conversation, *, at: datetime | None = None
) -> bool:
    closes = window_closes_at(conversation)
    return closes is not None and (at or timezone.now()) < closes


def messages_awaiting_reply(conversation_id: int) -> list[Message]:
    """The user's messages the bot has not answered yet, oldest first."""
    return list(
        Message.objects.filter(
            conversation_id=conversation_id, reply_state=ReplyState.PENDING
        ).order_by("timestamp", "id")
    )


def recent_history(conversation_id: int, *, exclude: list[int], limit: int = 20) -> list[Message]:
    """The last `limit` messages with words, oldest first, leaving out `exclude`.

    What the brain reads as context before the messages it answers: the user's earlier
    messages and what the bot or an agent sent, never drafts or failed sends.
    """
    newest = (
        Message.objects.filter(conversation_id=conversation_id)
        .exclude(text="")
        .exclude(pk__in=exclude)
        .filter(revoked_at__isnull=True)
        .exclude(direction=Direction.OUT, status=MessageStatus.FAILED)
        .order_by("-timestamp", "-id")
        .only("id", "direction", "text", "timestamp")[:limit]
    )
    return list(newest)[::-1]
