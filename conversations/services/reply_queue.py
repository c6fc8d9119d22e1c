"""Which inbound messages the bot answers, claiming them, and scheduling its turn after a burst.

Kept apart from the pipeline itself because storing an inbound message (`inbound`) needs
these, while the pipeline needs `inbound`'s helpers in turn.

A conversation has at most one answer task waiting: `Conversation.answer_task_due_at` says
when it is due (NULL: none waits). Storing a message enqueues a task only where none waits;
the task clears the mark as it takes its turn, before it reads the pending messages, so a
message stored after that read schedules a task of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone

from conversations.models import Conversation, Message, MessageType, ReplyState, Sender
from webhooks.models import ProcessedMessage

# A waiting answer task whose due time is this far past is presumed lost (its worker killed,
# its row deleted): the next message schedules another instead of waiting on it forever. A
# spare task costs nothing a user sees, since each turn claims its messages in the ledger.
ANSWER_TASK_STALE_AFTER = timedelta(minutes=10)
# Rows per ledger INSERT: far above any burst, far below either database's parameter limit.
CLAIM_BATCH = 1_000

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


def claim_replies(messages: Iterable[Message]) -> set[str]:
    """Record in the ledger that `messages` are answered; returns the wamids this call won.

    One `INSERT ... ON CONFLICT (wamid) DO NOTHING RETURNING wamid`: the unique wamid decides
    and only the rows this statement inserted come back, so the bot and an agent (or two
    workers) never both answer a message. A message without a wamid is never claimed.
    """
    # Sorted: two claims of overlapping messages then take the unique index's locks in the
    # same order, and PostgreSQL never finds them deadlocked (one waits for the other).
    wamids = sorted({message.wamid for message in messages if message.wamid})
    if not wamids:
        return set()
    connection = connections[ProcessedMessage.objects.db]
    table = connection.ops.quote_name(ProcessedMessage._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    won: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(wamids), CLAIM_BATCH):
            batch = wamids[start : start + CLAIM_BATCH]
            rows = ", ".join(["(%s, %s)"] * len(batch))
            cursor.execute(  # only the model's table name and placeholders are formatted in
                f"INSERT INTO {table} (wamid, processed_at) VALUES {rows} "  # noqa: S608
                "ON CONFLICT (wamid) DO NOTHING RETURNING wamid",
                [value for wamid in batch for value in (wamid, now)],
            )
            won.update(row[0] for row in cursor.fetchall())
    return won


def take_pending(message_ids: list[int], state: str) -> set[int]:
    """Move those of `message_ids` still pending to `state`; returns the ids this call moved.

    One `UPDATE ... WHERE reply_state = 'pending' RETURNING id` (PostgreSQL; SQLite 3.35+):
    what an edit, a deletion or an agent settled since the caller read them stays as it is.
    """
    if not message_ids:
        return set()
    connection = connections[Message.objects.db]
    table = connection.ops.quote_name(Message._meta.db_table)
    ids = ", ".join(["%s"] * len(message_ids))
    with connection.cursor() as cursor:
        cursor.execute(  # only the model's table name and placeholders are formatted in
            f"UPDATE {table} SET reply_state = %s "  # noqa: S608
            f"WHERE id IN ({ids}) AND reply_state = %s RETURNING id",
            [state, *message_ids, ReplyState.PENDING],
        )
        return {row[0] for row in cursor.fetchall()}


def claim_reply(message: Message) -> bool:
    """Record in the ledger that `message` is answered; False if it already was."""
    return bool(claim_replies([message]))


def schedule_answer(conversation_id: int, delay_seconds: float | None = None) -> bool:
    """Enqueue the conversation's answer task unless one is waiting; True if this call did.

    Called in the transaction that stores the message (or makes one pending again). The row
    lock comes first: a task clearing the mark then waits for this transaction, so its read
    sees the message, and of N messages stored at once exactly one enqueues. NO KEY UPDATE,
    as an UPDATE takes: it does not conflict with the key-share lock a message insert holds.
    """
    from conversations.tasks import answer_conversation_task, enqueue_later

    delay = settings.BOT_BURST_SECONDS if delay_seconds is None else max(0.0, delay_seconds)
    now = timezone.now()
    due = (
        Conversation.objects.select_for_update(no_key=True)
        .filter(pk=conversation_id)
        .values_list("answer_task_due_at", flat=True)
        .first()
    )
    if due is not None and due >= now - ANSWER_TASK_STALE_AFTER:
        return False  # the waiting task will read this message too
    Conversation.objects.filter(pk=conversation_id).update(
        answer_task_due_at=now + timedelta(seconds=delay)
    )
    # Marked before enqueued: the immediate backend runs the task inside enqueue(), and the
    # task's clearing of the mark must come after it.
    enqueue_later(answer_conversation_task, delay, conversation_id)
    return True


def take_answer_turn(conversation_id: int) -> None:
    """The waiting task starts its turn: a message stored from now on needs a task of its own."""
    Conversation.objects.filter(pk=conversation_id, answer_task_due_at__isnull=False).update(
        answer_task_due_at=None
    )


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
