"""Messages the business typed in the WhatsApp Business app on its own phone (coexistence).

Meta echoes each one in a `smb_message_echoes` webhook. It is stored as an outbound message
by the business phone, in the user's thread, once per wamid like every message. A person on
the phone is answering, so the conversation goes to `human` state, as when an agent replies
here, and the user's messages it answers are claimed in the ledger: the bot must not talk
over them. An echoed edit or deletion (the business changed its own message on the phone) is
applied to that message like a user's edit or deletion.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from conversations.models import (
    Conversation,
    Direction,
    HandoffState,
    LogAction,
    Message,
    MessageStatus,
    ReplyState,
    Sender,
)
from conversations.services import live
from conversations.services.agent import set_handoff_state
from conversations.services.edits import CHANGE_TYPES, apply_early_changes, apply_message_change
from conversations.services.inbound import (
    MAX_WAMID,
    UnstorableMessage,
    _clean_json,
    _clean_text,
    _content_fields,
    find_or_create_conversation,
    touch_conversation,
)
from conversations.services.log import log_action
from conversations.services.media import attach_inbound_media
from conversations.services.reply_queue import claim_reply
from webhooks.payloads import Contact, MediaContent, MessageEcho

logger = logging.getLogger(__name__)


def record_message_echo(echo: MessageEcho, contact: Contact | None) -> bool:
    """Store the echo as an outbound message once per wamid; False when it was already stored.

    The unique wamid decides, also between two workers holding the same echo: the one whose
    insert loses changes nothing, so a redelivery adds no row, no handoff and no log line.
    """
    message = echo.message
    if not message.id or len(message.id) > MAX_WAMID or "\x00" in message.id:
        raise UnstorableMessage("the echo has no usable id to deduplicate it by")
    if Message.objects.filter(wamid=message.id).exists():
        return False

    conversation = find_or_create_conversation(
        wa_id=echo.to_wa_id or (contact.wa_id if contact else None),
        bsuid=echo.to_user_id or (contact.user_id if contact else None),
        display_name=contact.name if contact else None,
        username=contact.username if contact else None,
    )
    when = message.timestamp or timezone.now()
    try:
        with transaction.atomic():
            stored = Message.objects.create(
                conversation=conversation,
                direction=Direction.OUT,
                sender=Sender.PHONE,
                type=message.type,
                text=_clean_text(message.text),
                wamid=message.id,
                status=MessageStatus.SENT,
                sent_at=when,
                timestamp=when,
                content=_clean_json(_content_fields(message)),
                reply_to_wamid=_clean_text(
                    message.context.replied_to_id if message.context else "", MAX_WAMID
                ),
                raw=_clean_json(message.raw),
            )
            if isinstance(message.content, MediaContent):
                # A photo or document sent from the phone is fetched like an inbound one.
                attach_inbound_media(stored, message.content)
    except IntegrityError:
        if Message.objects.filter(wamid=message.id).exists():
            return False  # another worker stored it between our look and our insert
        raise

    if stored.type in CHANGE_TYPES:
        # The business edited or deleted one of its own messages on the phone.
        apply_message_change(stored)
        return True
    apply_early_changes(stored)
    touch_conversation(conversation, when, inbound=False)
    _phone_took_over(conversation, stored)
    live.message_created(stored)
    logger.info(
        "Reply from the business phone stored",
        extra={"message_id": stored.pk, "conversation_id": conversation.pk, "type": stored.type},
    )
    return True


def _phone_took_over(conversation: Conversation, echo: Message) -> None:
    """A person answers on the phone: the bot stays quiet, as after an agent's reply."""
    set_handoff_state(
        conversation, HandoffState.HUMAN, actor=None, reason="(replied from the business phone)"
    )
    answered = _claim_messages_answered_by(conversation.pk, echo.timestamp)
    log_action(
        conversation.pk,
        LogAction.PHONE_REPLY,
        detail=f"message {echo.pk}" + (f", answering {answered}" if answered else ""),
    )


def _claim_messages_answered_by(conversation_id: int, when: datetime) -> int:
    """Claim the user's waiting messages written before the phone reply; returns how many.

    Like an agent's reply, but only up to the echo's time: a message the user wrote after it
    (an echo can arrive late) was not answered by it, and the bot still drafts for it.
    """
    waiting = Message.objects.filter(
        conversation_id=conversation_id, reply_state=ReplyState.PENDING, timestamp__lte=when
    )
    claimed = [message.pk for message in waiting if claim_reply(message)]
    Message.objects.filter(pk__in=claimed).update(reply_state=ReplyState.BY_AGENT)
    return len(claimed)
