"""What a task that will not run again leaves for staff: its work marked failed, with why.

Called by the task recovery sweep (botproject/ops/recovery.py) once a task has failed for
good, so that nothing waits unseen: the messages a lost answer was for show "Bot failed:
retry (reason)", a lost send shows as a failed message with "Retry sending", a lost download
shows "Media unavailable" with its Retry. Each change applies only to work still waiting,
so a task that did finish its work, or an agent who acted meanwhile, is left as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from conversations.models import (
    Conversation,
    MediaState,
    Message,
    MessageMedia,
    MessageStatus,
    ReplyState,
)
from conversations.services import live

logger = logging.getLogger(__name__)


def answer_given_up(args: Sequence, reason: str, *, failed_at: datetime) -> int:
    """The user's messages the lost answer was for (those stored before it failed)."""
    (conversation_id,) = args
    with transaction.atomic():
        failed = Message.objects.filter(
            conversation_id=conversation_id,
            reply_state=ReplyState.PENDING,
            created_at__lte=failed_at,
        ).update(reply_state=ReplyState.FAILED, reply_error=reason[:255])
        # Its waiting mark, if the task never got to clear it: the next message schedules anew.
        Conversation.objects.filter(pk=conversation_id, answer_task_due_at__lte=failed_at).update(
            answer_task_due_at=None
        )
    return failed


def send_given_up(args: Sequence, reason: str, *, failed_at: datetime) -> int:
    message_id = args[0]
    with transaction.atomic():
        failed = Message.objects.filter(
            pk=message_id, status=MessageStatus.QUEUED, wamid__isnull=True
        ).update(status=MessageStatus.FAILED, error_title=f"Not sent: {reason}"[:255])
        if failed:
            live.message_status_changed([message_id])
    return failed


def download_given_up(args: Sequence, reason: str, *, failed_at: datetime) -> int:
    media_pk = args[0]
    with transaction.atomic():
        failed = MessageMedia.objects.filter(pk=media_pk, state=MediaState.PENDING).update(
            state=MediaState.FAILED,
            error=f"Download failed: {reason}"[:255],
            updated_at=timezone.now(),
        )
        if failed:
            live.media_changed(Message.objects.get(media__pk=media_pk))
    return failed


HANDLERS: dict[str, Callable[..., int]] = {
    "conversations.tasks.answer_conversation_task": answer_given_up,
    "conversations.tasks.send_message_task": send_given_up,
    "conversations.tasks.download_media_task": download_given_up,
    # A lost follow-up needs nothing: `send_follow_ups` finds the lead again.
}


def give_up(task_path: str, args: Sequence, reason: str, *, failed_at: datetime) -> int:
    """Hand the work of a task that failed for good to staff; returns how many rows show it."""
    handler = HANDLERS.get(task_path)
    if handler is None:
        return 0
    try:
        return handler(args, reason, failed_at=failed_at)
    except (ValueError, TypeError, IndexError, Message.DoesNotExist):
        logger.warning("A failed task's arguments name nothing to mark", extra={"task": task_path})
        return 0
