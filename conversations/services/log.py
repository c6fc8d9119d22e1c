"""The conversation's audit trail: who switched, approved, discarded or replied, and when."""

from __future__ import annotations

from conversations.models import ConversationLog


def log_action(conversation_id: int, action: str, *, actor=None, detail: str = "") -> None:
    """One line in the trail; `actor` None means the bot or the system did it."""
    ConversationLog.objects.create(
        conversation_id=conversation_id, action=action, actor=actor, detail=detail[:2000]
    )
