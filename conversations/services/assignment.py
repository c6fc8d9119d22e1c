"""Who looks after a conversation: an agent takes one themself, an Admin gives it to anyone.

Every change is logged with who did it, and pushed live so that dashboards and open profile
pages show it. Taking a conversation a colleague holds, or giving one to somebody else, needs
the `assign_others` permission (the Admin role): agents do not take each other's work.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from conversations.models import Conversation, LogAction
from conversations.services import live
from conversations.services.log import log_action

ASSIGN_OTHERS = "conversations.assign_others"
HANDLE = "conversations.change_conversation"


class CannotAssign(PermissionDenied):
    """The actor may not make this assignment; the message says why."""


def may_handle(user) -> bool:
    """Who can be given a conversation: active staff who may act on it (Agents, Admins)."""
    return bool(user and user.is_active and user.is_staff and user.has_perm(HANDLE))


def check_assignment(actor, current_id: int | None, assignee) -> None:
    """Raise CannotAssign unless `actor` may move the conversation from `current_id` to
    `assignee` (None: nobody)."""
    if not may_handle(actor):
        raise CannotAssign("You may not assign conversations.")
    if assignee is not None and not may_handle(assignee):
        raise CannotAssign(f"{assignee} cannot handle conversations (not an agent).")
    if actor.has_perm(ASSIGN_OTHERS):
        return
    if assignee is not None and assignee.pk != actor.pk:
        raise CannotAssign("Only an Admin may assign a conversation to somebody else.")
    if current_id not in (None, actor.pk):
        raise CannotAssign("A colleague looks after this conversation: ask an Admin to move it.")


@transaction.atomic
def assign_conversation(conversation: Conversation, assignee, *, actor) -> bool:
    """Give the conversation to `assignee` (None: unassign). False when nothing changed."""
    from conversations.admin.thread import staff_name

    # Not joined with the user: PostgreSQL cannot lock the nullable side of an outer join.
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    previous = conversation.assigned_to
    if (previous and previous.pk) == (assignee and assignee.pk):
        return False
    check_assignment(actor, previous and previous.pk, assignee)
    conversation.assigned_to = assignee
    conversation.save(update_fields=["assigned_to", "updated_at"])
    detail = f"{staff_name(previous) or 'nobody'} → {staff_name(assignee) or 'nobody'}"
    log_action(conversation.pk, LogAction.ASSIGNED, actor=actor, detail=detail)
    live.assignment_changed(conversation, assignee_name=staff_name(assignee))
    return True
