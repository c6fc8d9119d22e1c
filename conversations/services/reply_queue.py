"""Which inbound messages the bot answers, and scheduling its turn after a burst.

Kept apart from the pipeline itself because storing an inbound message (`inbound`) needs
these, while the pipeline needs `inbound`'s helpers in turn.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from conversations.models import Message, MessageType, Sender
from webhooks.models import ProcessedMessage

# Inbound types that carry words the bot can answer (captions, button and list titles too).
ANSWERABLE_TYPES = frozenset(
    {
        MessageType.TEXT,
        MessageType.IMAGE,
        MessageType.VIDEO,
        MessageType.DOCUMENT,
        MessageType.BUTTON,
        MessageType.INTERACTIVE,
        MessageType.ORDER,
    }
)


def needs_reply(*, sender: str, type: str, text: str) -> bool:
    return (
        settings.BOT_ENABLED
        and sender == Sender.USER
        and type in ANSWERABLE_TYPES
        and bool(text.strip())
    )


def claim_reply(message: Message) -> bool:
    """Record in the ledger that `message` is answered; False if it already was.

    The unique wamid decides, so the bot and an agent (or two workers) never both answer.
    """
    try:
        with transaction.atomic():
            ProcessedMessage.objects.create(wamid=message.wamid)
    except IntegrityError:
        return False
    return True


def schedule_answer(conversation_id: int) -> None:
    """Called in the transaction that stores an inbound message needing a reply."""
    from conversations.tasks import answer_conversation_task, enqueue_later

    enqueue_later(answer_conversation_task, settings.BOT_BURST_SECONDS, conversation_id)


def schedule_follow_up(conversation_id: int, silence_of: datetime) -> None:
    """Called where an inbound message is stored: check for a follow-up once the lead is silent.

    A later message makes this check a no-op (the silence it was for has ended).
    """
    if not settings.FOLLOW_UP_ENABLED:
        return
    from conversations.tasks import enqueue_later, follow_up_task

    due = silence_of + timedelta(hours=settings.FOLLOW_UP_AFTER_HOURS)
    delay = (due - timezone.now()).total_seconds()
    if delay > 0:  # an old message (redelivered, imported) is left to `send_follow_ups`
        enqueue_later(follow_up_task, delay, conversation_id)
