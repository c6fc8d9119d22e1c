"""The conversation's audit trail: who switched, approved, discarded or replied, and when."""

from __future__ import annotations

from accounts.audit import record
from accounts.models import AuditAction
from conversations.models import ConversationLog, LogAction

# Staff actions on a conversation that also go to the project-wide audit log (both enums use
# the same names); the bot's own steps (drafts written, follow-ups) and the user's (marketing
# stop) stay in the thread's log only.
AUDITED_ACTIONS = frozenset(LogAction.values) & frozenset(AuditAction.values)


def log_action(conversation_id: int, action: str, *, actor=None, detail: str = "") -> None:
    """One line in the trail; `actor` None means the bot or the system did it.

    A staff member's action is also one row of the audit log (accounts.models.AuditEvent).
    """
    ConversationLog.objects.create(
        conversation_id=conversation_id, action=action, actor=actor, detail=detail[:2000]
    )
    if actor is not None and action in AUDITED_ACTIONS:
        record(
            action,
            actor=actor,
            target_type="conversations.conversation",
            target_id=conversation_id,
            detail=detail,
        )
