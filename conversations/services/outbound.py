"""Sending to WhatsApp: the row first, the call in a task, never a second copy.

An outbound `Message` is written `queued` with an idempotency key in the same transaction as
its send task. The task claims one attempt with a conditional UPDATE (two workers cannot
both send it), calls the transport, and stores Meta's wamid. A timeout after Meta may have
accepted the message is not resent blindly: the key travels as `biz_opaque_callback_data`,
Meta echoes it in the status webhook, and only when no confirmation came is it sent again.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from conversations.models import (
    Conversation,
    Direction,
    LogAction,
    Message,
    MessageStatus,
    MessageType,
)
from conversations.selectors import within_customer_service_window
from conversations.services import live
from conversations.services.inbound import touch_conversation
from conversations.services.log import log_action
from conversations.transport import Outgoing, OutgoingText, SendError, get_transport, send
from profiles.completeness import MISSING_SEPARATOR

logger = logging.getLogger(__name__)

# WhatsApp's own code for "the 24-hour window is closed" (whatsapp.md §10, §11).
WINDOW_CLOSED_CODE = 131047
WINDOW_CLOSED_TITLE = (
    "More than 24 hours have passed since the user's last message: WhatsApp only accepts "
    "an approved template message now, not free text."
)
AWAITING_CONFIRMATION_TITLE = (
    "WhatsApp did not answer in time; waiting for its confirmation before sending again."
)
# WhatsApp refuses longer text bodies (whatsapp.md §9).
MAX_TEXT_LENGTH = 4096
# A message the worker sends itself once its transaction commits (`send_at_once`) still gets
# its send task, due this much later: the safety net should the worker die in between. The
# net is withdrawn as soon as the attempt has been made; if the net runs anyway, the send
# claim lets only one of them send.
SEND_AT_ONCE_SAFETY_NET_SECONDS = 60


class CannotSend(ValueError):
    """A reply an agent asked for cannot go out; the message says why, for the agent."""


def check_can_send(conversation: Conversation, text: str) -> str:
    """The text to send, or CannotSend with what the agent must do instead."""
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise CannotSend("The reply is empty.")
    if len(text) > MAX_TEXT_LENGTH:
        raise CannotSend(
            f"WhatsApp text messages are at most {MAX_TEXT_LENGTH} characters "
            f"(this one has {len(text)})."
        )
    if not within_customer_service_window(conversation):
        raise CannotSend(WINDOW_CLOSED_TITLE)
    return text


def queue_text(
    conversation: Conversation,
    *,
    text: str,
    sender: str,
    actor=None,
    reply_to_wamid: str = "",
    asked_for: tuple[str, ...] = (),
    send_at_once: bool = False,
) -> Message:
    """Write the outbound row and its send task together: both are durable, or neither.

    `asked_for` is the profile fields the text asks for (the brain says so), kept on the row
    so that the lead's answer is read in its light. `send_at_once`: see `queue_outbound`.
    """
    return queue_outbound(
        conversation,
        type=MessageType.TEXT,
        text=text[:MAX_TEXT_LENGTH],
        sender=sender,
        actor=actor,
        reply_to_wamid=reply_to_wamid,
        asked_for=MISSING_SEPARATOR.join(asked_for),
        send_at_once=send_at_once,
    )


def queue_outbound(
    conversation: Conversation,
    *,
    type: str,
    text: str,
    sender: str,
    actor=None,
    reply_to_wamid: str = "",
    send_at_once: bool = False,
    **fields,
) -> Message:
    """Any outbound kind (text, template, media): the row, its key and its send task at once.

    `fields` are further Message fields of that kind (e.g. `content`, `template`).

    `send_at_once`, for a caller that is itself a task (the bot's turn): the message is sent
    by this process as soon as the transaction commits, instead of waiting for a worker to
    pick up its send task, which costs a reply a poll and the worker a task run. The send
    task is still written, due later, as the safety net (SEND_AT_ONCE_SAFETY_NET_SECONDS).
    """
    from conversations.tasks import enqueue_later, send_message_task

    now = timezone.now()
    # Inside a caller's transaction (the bot's turn, an agent's reply) no savepoint: nobody
    # goes on after a failure here, so the row and its task commit or fail with the caller.
    with transaction.atomic(savepoint=False):
        message = Message.objects.create(
            conversation=conversation,
            direction=Direction.OUT,
            sender=sender,
            type=type,
            text=text,
            status=MessageStatus.QUEUED,
            timestamp=now,
            idempotency_key=uuid.uuid4(),
            sent_by=actor,
            reply_to_wamid=reply_to_wamid,
            **fields,
        )
        touch_conversation(conversation, now, inbound=False)
        if send_at_once:
            net = enqueue_later(send_message_task, SEND_AT_ONCE_SAFETY_NET_SECONDS, message.pk, 0)
        else:
            send_message_task.enqueue(message.pk, 0)
        live.message_created(message, conversation=conversation, queued_now=True)
        if send_at_once:  # after the message's own event: screens see it queued, then sent
            transaction.on_commit(lambda: _send_at_once(message, net), robust=True)
    return message


def _send_at_once(message: Message, net) -> None:
    """The first attempt, made by the process that queued the message, then the net withdrawn.

    An attempt that raises (the database went away) leaves the net in place to try again.
    """
    from conversations.tasks import withdraw

    deliver_message(message.pk, 0, queued=message)
    withdraw(net)


def _fail(message: Message, *, code: int | None, title: str) -> None:
    with transaction.atomic():
        if Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
            status=MessageStatus.FAILED, error_code=code, error_title=title[:255]
        ):
            live.message_status_changed([message.pk])
    logger.warning(
        "Outbound message failed",
        extra={"message_id": message.pk, "code": code, "attempts": message.send_attempts},
    )


def _retry_later(message: Message, *, attempt: int, delay: float, code, title: str) -> None:
    from conversations.tasks import enqueue_later, send_message_task

    with transaction.atomic():
        Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
            error_code=code, error_title=title[:255]
        )
        enqueue_later(send_message_task, delay, message.pk, attempt)


def deliver_message(
    message_id: int, attempt: int, *, queued: Message | None = None
) -> Message | None:
    """Make one send attempt for a queued outbound message; safe to run twice.

    `attempt` is how many attempts the caller saw: the claim succeeds only if nobody made
    another one meanwhile, so a task delivered twice, or two workers, send one copy.
    `queued`: the row with its conversation as the caller has just written it, not read again.
    """
    message = queued or (
        Message.objects.select_related("conversation")
        .filter(pk=message_id, direction=Direction.OUT)
        .first()
    )
    if message is None or message.status != MessageStatus.QUEUED or message.wamid:
        return message  # sent already (perhaps confirmed by a status webhook), or failed
    conversation = message.conversation
    if message.type != MessageType.TEMPLATE and not within_customer_service_window(conversation):
        # Refused before calling Meta: it would answer 131047 anyway.
        _fail(message, code=WINDOW_CLOSED_CODE, title=WINDOW_CLOSED_TITLE)
        return message
    now = timezone.now()
    claimed = Message.objects.filter(
        pk=message.pk, status=MessageStatus.QUEUED, wamid__isnull=True, send_attempts=attempt
    ).update(send_attempts=attempt + 1, last_send_attempt_at=now)
    if not claimed:
        return message
    message.send_attempts = attempt + 1
    transport = get_transport()
    try:
        result = send(transport, _outgoing(message, transport))
    except SendError as error:
        _handle_send_error(message, error)
        return message

    # Yield to what a status webhook may already have written (its wamid, a later status):
    # one UPDATE when the row is still queued, as it nearly always is; one commit.
    sent = Message.objects.filter(pk=message.pk)
    first_known = {
        "wamid": Coalesce(F("wamid"), Value(result.wamid)),
        "sent_at": Coalesce(F("sent_at"), Value(now)),
    }
    with transaction.atomic():
        if sent.filter(status=MessageStatus.QUEUED).update(
            status=MessageStatus.SENT, error_code=None, error_title="", **first_known
        ):
            message.status = MessageStatus.SENT
            live.status_changed(message)
        else:
            sent.update(**first_known)
    logger.info("Outbound message sent", extra={"message_id": message.pk, "attempt": attempt + 1})
    return message


def _outgoing(message: Message, transport) -> Outgoing:
    """What the transport sends for this row: text, an approved template, or a media file.

    A media file is uploaded to Meta first (inside the same attempt, so its failures are
    retried like the send's).
    """
    conversation = message.conversation
    to = {
        "to_wa_id": conversation.wa_id,
        "to_bsuid": None if conversation.wa_id else conversation.bsuid,
    }
    if message.type == MessageType.TEMPLATE:
        from conversations.services.templates import outgoing_template

        return outgoing_template(message, **to)
    if message.type in (MessageType.IMAGE, MessageType.DOCUMENT):
        from conversations.services.media import outgoing_media

        return outgoing_media(message, transport, **to)
    return OutgoingText(
        text=message.text,
        idempotency_key=str(message.idempotency_key),
        reply_to_wamid=message.reply_to_wamid or None,
        **to,
    )


def _handle_send_error(message: Message, error: SendError) -> None:
    attempt = message.send_attempts
    if attempt >= settings.WHATSAPP_SEND_MAX_ATTEMPTS or not (error.retryable or error.ambiguous):
        _fail(message, code=error.code, title=error.title)
        return
    if error.ambiguous:
        # Meta may have taken it: wait for the status webhook that echoes our key.
        _retry_later(
            message,
            attempt=attempt,
            delay=settings.WHATSAPP_CONFIRM_WAIT_SECONDS,
            code=error.code,
            title=AWAITING_CONFIRMATION_TITLE,
        )
        return
    _retry_later(
        message,
        attempt=attempt,
        delay=settings.WHATSAPP_RETRY_BASE_SECONDS * 2 ** (attempt - 1),
        code=error.code,
        title=f"Will retry: {error.title}",
    )


def confirm_by_idempotency_key(key: str | None, wamid: str | None) -> bool:
    """A status webhook echoed our key: it names the row even if the send call timed out."""
    if not key or not wamid:
        return False
    try:
        key_uuid = uuid.UUID(key)
    except ValueError:
        return False
    return bool(
        Message.objects.filter(
            idempotency_key=key_uuid, direction=Direction.OUT, wamid__isnull=True
        ).update(wamid=wamid)
    )


def retry_failed_send(message: Message, *, actor) -> bool:
    """An agent's Retry: a failed outbound message is queued and really sent again.

    A message Meta accepted and later reported failed (e.g. 131026) has a wamid; the resend
    gets a new one, so the old wamid and key are set aside (kept in `content`) and a fresh
    key is issued: a late status about the first attempt cannot be taken for the second.
    """
    from conversations.tasks import send_message_task

    with transaction.atomic():
        locked = (
            Message.objects.select_for_update()
            .filter(pk=message.pk, direction=Direction.OUT, status=MessageStatus.FAILED)
            .first()
        )
        if locked is None:
            return False
        content = dict(locked.content or {})
        if locked.wamid:
            content.setdefault("previous_wamids", []).append(locked.wamid)
        Message.objects.filter(pk=locked.pk).update(
            status=MessageStatus.QUEUED,
            error_code=None,
            error_title="",
            wamid=None,
            idempotency_key=uuid.uuid4(),
            content=content,
        )
        send_message_task.enqueue(locked.pk, locked.send_attempts)
        live.message_status_changed([locked.pk])
        log_action(
            locked.conversation_id,
            LogAction.SEND_RETRIED,
            actor=actor,
            detail=f"message {locked.pk}",
        )
    return True
