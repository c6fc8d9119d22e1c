"""Reads of conversations and their threads."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.models import Conversation, Message


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
        .order_by("-timestamp", "-id")
        .only(
            "id",
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
