"""The reply pipeline: every inbound text gets one reply (or one draft), never two.

An inbound message with words is stored `pending`, and the conversation's one
`answer_conversation_task` is scheduled a few seconds later (`BOT_BURST_SECONDS`) unless one
is already waiting (`reply_queue.schedule_answer`); a burst is answered together once the user
stops typing. The brain is called outside any transaction (it can take seconds); then, under a
lock on the conversation, the messages are claimed in the `ProcessedMessage` ledger in one
statement, whose unique wamid refuses a second claim, and the reply is queued, or stored as a
draft when an agent is in charge. A brain that is down is retried with backoff; one that
refuses the turn for good (`BrainRejected`) fails it at once, with the reason for staff.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from conversations.brain import (
    BrainRejected,
    BrainReply,
    BrainTurn,
    BrainUnavailable,
    HistoryItem,
    ProfileSnapshot,
    get_brain,
)
from conversations.brain.rules import fields_asked_in
from conversations.models import (
    Conversation,
    Direction,
    HandoffState,
    LogAction,
    Message,
    ReplyState,
    Sender,
)
from conversations.selectors import messages_awaiting_reply, recent_history
from conversations.services import live
from conversations.services.agent import bot_hands_over
from conversations.services.log import log_action
from conversations.services.outbound import queue_text
from conversations.services.reply_queue import (
    claim_replies,
    schedule_answer,
    take_answer_turn,
    take_pending,
)
from profiles.completeness import stored_fields
from profiles.models import ClientProfile
from profiles.services import apply_bot_updates

logger = logging.getLogger(__name__)

# WhatsApp caps a text at 4,096 characters; a longer one (a hostile webhook) is read only this
# far, so neither the offline rules nor OpenAI spend minutes or a fortune on it.
BRAIN_TEXT_CHARS = 4_096
# A turn reads at most this much of the user's new words, the newest first: a flood of messages
# in one burst costs the brain what a few long ones do (all of them are answered).
BRAIN_TURN_CHARS = 4 * BRAIN_TEXT_CHARS


def _snapshot(profile: ClientProfile) -> ProfileSnapshot:
    return ProfileSnapshot(
        name=profile.name,
        last_name=profile.last_name,
        company=profile.company,
        email=profile.email,
        missing=stored_fields(profile.what_is_missing),
    )


def build_turn(conversation_id: int, profile: ClientProfile, pending: list[Message]) -> BrainTurn:
    """Context first, then the messages to answer, so the turn ends with them.

    WhatsApp times have whole seconds and ours do not: ordering by time alone could put the
    bot's previous reply after a message the user sent in the same second.
    """
    context = recent_history(conversation_id, exclude=[message.pk for message in pending])
    history = tuple(
        HistoryItem(
            role="user" if item.direction == Direction.IN else "assistant",
            text=item.text[:BRAIN_TEXT_CHARS],
        )
        for item in context
    ) + tuple(HistoryItem(role="user", text=text) for text in _newest_words(pending))
    return BrainTurn(history=history, profile=_snapshot(profile), last_asked=_last_asked(context))


def _newest_words(pending: list[Message]) -> list[str]:
    """The texts of the turn's messages the brain reads, oldest first: each cut to
    BRAIN_TEXT_CHARS, and no more of them than BRAIN_TURN_CHARS hold (the newest)."""
    texts: list[str] = []
    budget = BRAIN_TURN_CHARS
    for message in reversed(pending):
        if budget <= 0:
            break
        text = message.text[: min(BRAIN_TEXT_CHARS, budget)]
        texts.append(text)
        budget -= len(text)
    return texts[::-1]


def _last_asked(context: list[Message]) -> tuple[str, ...]:
    """What the last message to the user asked for: as the brain recorded it, or read from
    its words when nobody recorded it (an agent's question, an edited draft, an import)."""
    for message in reversed(context):
        if message.direction == Direction.OUT:
            if message.asked_for:
                return stored_fields(message.asked_for)
            return fields_asked_in(message.text)
    return ()


def answer_pending_messages(conversation_id: int) -> str:
    """Answer (or draft an answer to) the user's unanswered messages; returns what happened."""
    # First, so that a message stored after the read below schedules a task of its own.
    take_answer_turn(conversation_id)
    pending = messages_awaiting_reply(conversation_id)
    if not pending:
        return "nothing pending"
    newest = pending[-1]
    from conversations.tasks import answer_conversation_task, can_defer

    quiet_from = newest.created_at + timedelta(seconds=settings.BOT_BURST_SECONDS)
    if timezone.now() < quiet_from and can_defer(answer_conversation_task):
        # The user is still typing: answer once the burst is over, all messages together.
        # Unless a message stored since the read above already scheduled the next task.
        with transaction.atomic():
            schedule_answer(conversation_id, (quiet_from - timezone.now()).total_seconds())
        return "waiting for the burst to end"

    profile = _profile_with_conversation(conversation_id)
    conversation = profile.conversation
    if conversation.handoff_state == HandoffState.PAUSED or conversation.blocked_at is not None:
        return _finish_turn(conversation_id, pending, reply=None)
    try:
        reply = get_brain().respond(build_turn(conversation_id, profile, pending))
    except BrainRejected as exc:
        return _fail_now(conversation_id, pending, exc.reason)
    except BrainUnavailable as exc:
        return _retry_later(conversation_id, pending, exc)
    return _finish_turn(conversation_id, pending, reply=reply)


def _profile_with_conversation(conversation_id: int, *, lock: bool = False) -> ClientProfile:
    """The lead's profile and its conversation in one read (locking both rows with `lock`);
    a conversation without a profile gets one."""
    profiles = ClientProfile.objects.select_related("conversation")
    if lock:
        profiles = profiles.select_for_update()
    profile = profiles.filter(conversation_id=conversation_id).first()
    if profile is None:
        conversation = Conversation.objects.get(pk=conversation_id)
        profile, _ = ClientProfile.objects.get_or_create(conversation=conversation)
        if lock:
            return _profile_with_conversation(conversation_id, lock=True)
    return profile


def _outcome(conversation: Conversation, profile: ClientProfile, reply: BrainReply | None) -> str:
    """What the turn does with the user's messages, decided under the turn's locks."""
    if reply is None or conversation.handoff_state == HandoffState.PAUSED:
        return ReplyState.SKIPPED
    if conversation.blocked_at is not None:
        return ReplyState.SKIPPED  # stored and read by staff, never answered or drafted for
    if conversation.handoff_state == HandoffState.BOT and not profile.manual_mode:
        return ReplyState.ANSWERED
    return ReplyState.DRAFTED  # an agent is in charge: the reply waits for their approval


def _claim(pending: list[Message], outcome: str) -> list[Message]:
    """The messages this turn answers, in order; each moved out of `pending` to `outcome`.

    Two statements: one UPDATE takes those still pending (an edit, a deletion or an agent may
    have settled some since they were read); one INSERT claims them in the ledger, whose
    unique wamid refuses anything claimed before (an agent's reply, the business phone,
    another worker). Messages claimed before count as answered.
    """
    taken = take_pending([message.pk for message in pending], outcome)
    still_pending = [message for message in pending if message.pk in taken]
    won = claim_replies(still_pending)
    claimed = [message for message in still_pending if message.wamid in won]
    lost = sorted(taken - {message.pk for message in claimed})
    if lost:
        logger.info("Inbound messages already answered", extra={"message_ids": lost})
        if outcome != ReplyState.ANSWERED:
            Message.objects.filter(pk__in=lost).update(reply_state=ReplyState.ANSWERED)
    return claimed


@transaction.atomic
def _finish_turn(conversation_id: int, pending: list[Message], *, reply: BrainReply | None) -> str:
    profile = _profile_with_conversation(conversation_id, lock=True)
    conversation = profile.conversation
    conversation.profile = profile  # cached for the reply's live event: no second read
    outcome = _outcome(conversation, profile, reply)
    claimed = _claim(pending, outcome)
    if not claimed:
        return "already answered"
    if outcome == ReplyState.SKIPPED:
        return "bot paused"

    # One save, one statement for the turn's live events; each field keeps its message.
    with live.written_together():
        apply_bot_updates(profile, reply.updates, turn=claimed)
        if outcome == ReplyState.ANSWERED:
            queue_text(
                conversation,
                text=reply.text,
                sender=Sender.BOT,
                asked_for=reply.asks,
                send_at_once=True,
            )
        else:
            profile.ai_draft = reply.text
            profile.ai_draft_created_at = timezone.now()
            profile.save(update_fields=["ai_draft", "ai_draft_created_at"])
            live.draft_changed(profile, action="created")
        if reply.handoff:
            # A question only a person can answer: the reply says one will; an agent's now.
            bot_hands_over(conversation, reply.handoff)
    if outcome == ReplyState.ANSWERED:
        return "answered and handed over" if reply.handoff else "answered"
    log_action(
        conversation_id,
        LogAction.DRAFT_CREATED,
        detail=f"answering {len(claimed)} message{'s' if len(claimed) != 1 else ''}",
    )
    return "drafted"


def _retry_later(conversation_id: int, pending: list[Message], error: Exception) -> str:
    """The brain failed after its own retries: keep the messages pending and try again later."""
    attempts = max(message.reply_attempts for message in pending) + 1
    ids = [message.pk for message in pending]
    with transaction.atomic():
        waiting = Message.objects.filter(pk__in=ids, reply_state=ReplyState.PENDING)
        if attempts >= settings.BOT_REPLY_MAX_ATTEMPTS:
            waiting.update(reply_attempts=attempts, reply_state=ReplyState.FAILED)
            logger.error(
                "The bot could not answer; an agent can retry it from the admin",
                extra={"conversation_id": conversation_id, "error": str(error)},
            )
            return "failed"
        waiting.update(reply_attempts=attempts)
        delay = settings.BOT_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
        # Unless a message stored meanwhile scheduled a task already: that one retries sooner.
        schedule_answer(conversation_id, delay)
    logger.warning(
        "The bot could not answer yet; retrying",
        extra={"conversation_id": conversation_id, "attempt": attempts, "error": str(error)},
    )
    return "retry scheduled"


def _fail_now(conversation_id: int, pending: list[Message], reason: str) -> str:
    """The brain refused the turn for good: no retry can help until staff fix the cause, so
    the messages show "Bot failed" with the reason at once, and it is logged once."""
    ids = [message.pk for message in pending]
    failed = Message.objects.filter(pk__in=ids, reply_state=ReplyState.PENDING).update(
        reply_state=ReplyState.FAILED, reply_error=reason, reply_attempts=F("reply_attempts") + 1
    )
    logger.error(
        "The bot's brain refused the turn; it is not retried until an agent retries it",
        extra={"conversation_id": conversation_id, "reason": reason, "messages": failed},
    )
    return "failed"


def retry_bot_reply(message: Message, *, actor) -> bool:
    """An agent's retry of a turn the bot gave up on: the message is pending again."""
    with transaction.atomic():
        retried = Message.objects.filter(pk=message.pk, reply_state=ReplyState.FAILED).update(
            reply_state=ReplyState.PENDING, reply_attempts=0, reply_error=""
        )
        if not retried:
            return False
        # At once, unless a task is already waiting: it reads this message too.
        schedule_answer(message.conversation_id, 0)
        log_action(
            message.conversation_id,
            LogAction.REPLY_RETRIED,
            actor=actor,
            detail=f"message {message.pk}",
        )
    return True
