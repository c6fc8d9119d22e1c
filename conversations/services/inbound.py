"""Writes to conversations and messages: inbound messages, identities, delivery statuses.

Every write here is safe to repeat: Meta delivers at least once, in any order, and two
workers may hold the same message at the same moment. The database's unique constraints
and conditional UPDATEs decide, not a read-then-write in Python.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from conversations.models import (
    Conversation,
    Direction,
    Message,
    MessageStatus,
    MessageType,
    ReplyState,
    Sender,
)
from conversations.services import live
from conversations.services.edits import CHANGE_TYPES, apply_early_changes, apply_message_change
from conversations.services.erasure import blocked_since_erasure
from conversations.services.reply_queue import needs_reply, schedule_answer, schedule_follow_up
from profiles.models import ClientProfile
from webhooks.payloads import (
    Contact,
    InboundMessage,
    MediaContent,
    ReactionContent,
    Status,
    SystemContent,
)

logger = logging.getLogger(__name__)

# A status may replace only the ones listed: ticks never move backwards, whatever order
# Meta's webhooks arrive in. `failed` replaces queued/sent only (Meta reports most send
# failures asynchronously), and proof of delivery or reading outranks a stray failure.
STATUS_MAY_REPLACE: dict[str, tuple[str, ...]] = {
    MessageStatus.SENT: ("", MessageStatus.QUEUED),
    MessageStatus.FAILED: ("", MessageStatus.QUEUED, MessageStatus.SENT),
    MessageStatus.DELIVERED: ("", MessageStatus.QUEUED, MessageStatus.SENT, MessageStatus.FAILED),
    MessageStatus.READ: (
        "",
        MessageStatus.QUEUED,
        MessageStatus.SENT,
        MessageStatus.FAILED,
        MessageStatus.DELIVERED,
    ),
    MessageStatus.PLAYED: (
        "",
        MessageStatus.QUEUED,
        MessageStatus.SENT,
        MessageStatus.FAILED,
        MessageStatus.DELIVERED,
        MessageStatus.READ,
    ),
}
# The time of each tick is kept on its own, so a late `delivered` still records when.
STATUS_TIME_FIELD = {
    MessageStatus.SENT: "sent_at",
    MessageStatus.DELIVERED: "delivered_at",
    MessageStatus.READ: "read_at",
    MessageStatus.PLAYED: "read_at",
}


class UnstorableMessage(ValueError):
    """A message we cannot file: no usable sender id, or no usable message id."""


# Column sizes, so that an oversized value is refused or cut here, not by the database.
MAX_WA_ID = Conversation._meta.get_field("wa_id").max_length
MAX_BSUID = Conversation._meta.get_field("bsuid").max_length
MAX_WAMID = Message._meta.get_field("wamid").max_length


def _clean_text(value: str | None, max_length: int | None = None) -> str:
    """Text fit for any database: no NUL characters (Postgres refuses them), within size."""
    text = (value or "").replace("\x00", "")
    return text[:max_length] if max_length else text


def _clean_json(value):
    """JSON fit for Postgres' jsonb, which refuses NUL characters in strings and keys."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_clean_json(item) for item in value]
    if isinstance(value, dict):
        return {_clean_json(key): _clean_json(item) for key, item in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class InboundResult:
    message: Message
    created: bool


def _digits(value: str | None) -> str | None:
    """A wa_id as digits only (legacy rows and hand edits carry +, spaces, dashes)."""
    digits = "".join(ch for ch in value or "" if ch in "0123456789")
    return digits if digits and len(digits) <= MAX_WA_ID else None


def _get_or_create_conversation(defaults=None, **lookup) -> Conversation:
    """Find or create, surviving a second worker creating the same user at the same moment."""
    try:
        with transaction.atomic():
            conversation, _ = Conversation.objects.get_or_create(defaults=defaults, **lookup)
    except IntegrityError:
        conversation = Conversation.objects.get(**lookup)
    return conversation


def merge_conversations(*, keep: Conversation, drop: Conversation) -> Conversation:
    """Fold `drop` into `keep`: one user reached us under two ids before Meta linked them."""
    with transaction.atomic():
        Message.objects.filter(conversation=drop).update(conversation=keep)
        keep_profile = ClientProfile.objects.filter(conversation=keep).first()
        drop_profile = ClientProfile.objects.filter(conversation=drop).first()
        if drop_profile is not None:
            if keep_profile is None:
                drop_profile.conversation = keep
                drop_profile.save()
            else:
                for field in ("name", "last_name", "company", "email", "notes"):
                    if not getattr(keep_profile, field) and getattr(drop_profile, field):
                        setattr(keep_profile, field, getattr(drop_profile, field))
                keep_profile.save()
        for field in ("display_name", "username", "openai_conversation_id"):
            if not getattr(keep, field) and getattr(drop, field):
                setattr(keep, field, getattr(drop, field))
        for field in ("last_inbound_at", "last_message_at"):
            values = [v for v in (getattr(keep, field), getattr(drop, field)) if v]
            setattr(keep, field, max(values) if values else None)
        ids = {"wa_id": keep.wa_id or drop.wa_id, "bsuid": keep.bsuid or drop.bsuid}
        drop.delete()
        keep.wa_id, keep.bsuid = ids["wa_id"], ids["bsuid"]
        keep.save()
    logger.info("Merged two conversations of one user", extra={"conversation_id": keep.pk})
    return keep


@transaction.atomic
def find_or_create_conversation(
    *,
    wa_id: str | None,
    bsuid: str | None,
    display_name: str | None = None,
    username: str | None = None,
) -> Conversation:
    """The one conversation of a user, keyed by phone, else BSUID; links the two when both come.

    A conversation first seen by BSUID only gets its phone number when a later payload
    carries both, instead of a second conversation being created (whatsapp.md §5).
    """
    wa_id = _digits(wa_id)
    bsuid = _clean_text(bsuid).strip() or None
    if bsuid is not None and len(bsuid) > MAX_BSUID:
        bsuid = None
    if wa_id is None and bsuid is None:
        raise UnstorableMessage("the sender has neither a usable wa_id nor a BSUID")
    by_phone = Conversation.objects.filter(wa_id=wa_id).first() if wa_id else None
    by_bsuid = Conversation.objects.filter(bsuid=bsuid).first() if bsuid else None
    if by_phone and by_bsuid and by_phone.pk != by_bsuid.pk:
        conversation = merge_conversations(keep=by_phone, drop=by_bsuid)
    else:
        conversation = by_phone or by_bsuid
    if conversation is None:
        lookup = {"wa_id": wa_id} if wa_id else {"bsuid": bsuid}
        # A contact erased while blocked is still blocked when they write again.
        blocked_at = blocked_since_erasure(wa_id, bsuid)
        conversation = _get_or_create_conversation(defaults={"blocked_at": blocked_at}, **lookup)

    changed = []
    if wa_id and not conversation.wa_id:
        conversation.wa_id = wa_id
        changed.append("wa_id")
    if bsuid and conversation.bsuid != bsuid and (not conversation.bsuid or wa_id):
        # A BSUID is regenerated when the user changes number; the phone decides who it is.
        conversation.bsuid = bsuid
        changed.append("bsuid")
    display_name = _clean_text(display_name, 255)
    username = _clean_text(username, 64)
    if display_name and conversation.display_name != display_name:
        conversation.display_name = display_name
        changed.append("display_name")
    if username and conversation.username != username:
        conversation.username = username
        changed.append("username")
    if changed:
        conversation.save(update_fields=[*changed, "updated_at"])
    ClientProfile.objects.get_or_create(conversation=conversation)
    return conversation


def _content_fields(message: InboundMessage) -> dict:
    content = dataclasses.asdict(message.content) if message.content is not None else {}
    content.pop("raw", None)
    for contact in content.get("contacts", ()):
        contact.pop("raw", None)
    if message.context is not None and message.context.forwarded_flag:
        content["forwarded"] = message.context.forwarded_flag
    if message.referral is not None:
        content["referral"] = dataclasses.asdict(message.referral)
    if message.errors:
        content["errors"] = [dataclasses.asdict(error) for error in message.errors]
    return content


def touch_conversation(conversation: Conversation, when: datetime, *, inbound: bool) -> None:
    """Move the activity clocks forward only: a late redelivery must not turn them back."""
    Conversation.objects.filter(pk=conversation.pk).filter(
        Q(last_message_at__isnull=True) | Q(last_message_at__lt=when)
    ).update(last_message_at=when)
    if inbound:
        Conversation.objects.filter(pk=conversation.pk).filter(
            Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lt=when)
        ).update(last_inbound_at=when)


def record_inbound_message(message: InboundMessage, contact: Contact | None) -> InboundResult:
    """Store one inbound message exactly once, whoever delivers it and however often.

    The unique wamid in the database is the judge: a redelivery, or a second worker with the
    same message at the same moment, finds the row already there and changes nothing.
    """
    if not message.id or len(message.id) > MAX_WAMID or "\x00" in message.id:
        raise UnstorableMessage("the message has no usable id to deduplicate it by")
    existing = Message.objects.filter(wamid=message.id).select_related("conversation").first()
    if existing is not None:
        return InboundResult(message=existing, created=False)

    conversation = find_or_create_conversation(
        wa_id=message.from_wa_id or (contact.wa_id if contact else None),
        bsuid=message.from_user_id or (contact.user_id if contact else None),
        display_name=contact.name if contact else None,
        username=contact.username if contact else None,
    )
    when = message.timestamp or timezone.now()
    is_system = message.type == MessageType.SYSTEM
    sender = Sender.SYSTEM if is_system else Sender.USER
    text = _clean_text(message.text)
    answer = needs_reply(sender=sender, type=message.type, text=text)
    try:
        with transaction.atomic():
            stored = Message.objects.create(
                conversation=conversation,
                direction=Direction.IN,
                sender=sender,
                type=message.type,
                text=text,
                reply_state=ReplyState.PENDING if answer else ReplyState.NONE,
                wamid=message.id,
                timestamp=when,
                content=_clean_json(_content_fields(message)),
                reply_to_wamid=_clean_text(
                    message.context.replied_to_id if message.context else "", MAX_WAMID
                ),
                raw=_clean_json(message.raw),
            )
            if answer:
                schedule_answer(conversation.pk)
            schedule_follow_up(conversation.pk, when)
            if isinstance(message.content, MediaContent):
                # Imported here: media sending imports outbound, which imports this module.
                from conversations.services.media import attach_inbound_media

                attach_inbound_media(stored, message.content)  # its row and download task
    except IntegrityError:
        # Another worker stored it between our look and our insert.
        existing = Message.objects.filter(wamid=message.id).first()
        if existing is None:
            raise
        return InboundResult(message=existing, created=False)

    if not is_system:
        touch_conversation(conversation, when, inbound=True)
    _apply_side_effects(message, conversation, when)
    if stored.type in CHANGE_TYPES:
        apply_message_change(stored)  # the edited or deleted message shows the change
    else:
        apply_early_changes(stored)  # an edit or deletion that arrived before it
        live.message_created(stored)
    return InboundResult(message=stored, created=True)


def _apply_side_effects(message: InboundMessage, conversation: Conversation, when: datetime):
    content = message.content
    if isinstance(content, ReactionContent) and content.message_id:
        # Newest reaction wins; an empty emoji clears it, as it does on the user's phone.
        Message.objects.filter(wamid=content.message_id, conversation=conversation).filter(
            Q(reaction_at__isnull=True) | Q(reaction_at__lte=when)
        ).update(reaction=_clean_text(content.emoji, 32), reaction_at=when)
    elif isinstance(content, SystemContent) and content.system_type == "user_changed_number":
        move_conversation_to_new_number(
            conversation, new_wa_id=content.new_wa_id, new_bsuid=content.new_user_id
        )


@transaction.atomic
def move_conversation_to_new_number(
    conversation: Conversation, *, new_wa_id: str | None, new_bsuid: str | None
) -> Conversation:
    """The user changed phone number: their history follows them to it."""
    new_wa_id = _digits(new_wa_id)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if new_wa_id and new_wa_id != conversation.wa_id:
        other = Conversation.objects.filter(wa_id=new_wa_id).exclude(pk=conversation.pk).first()
        if other is not None:
            # The new number already wrote to us: one user, one thread.
            conversation.wa_id = None
            conversation.bsuid = conversation.bsuid or None
            conversation = merge_conversations(keep=other, drop=conversation)
        else:
            conversation.wa_id = new_wa_id
    if new_bsuid and conversation.bsuid != new_bsuid:
        Conversation.objects.filter(bsuid=new_bsuid).exclude(pk=conversation.pk).update(bsuid=None)
        conversation.bsuid = new_bsuid
    conversation.save()
    logger.info(
        "Conversation moved to the user's new number", extra={"conversation_id": conversation.pk}
    )
    return conversation


def _record_tick_time(outbound, field: str, when: datetime) -> None:
    """The earliest report of a tick wins, so a late or implied one never moves it later."""
    outbound.filter(Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": when})).update(
        **{field: when}
    )


def apply_message_status(status: Status) -> bool:
    """Move an outbound message's ticks forward; False when we never sent that wamid.

    One conditional UPDATE per status: order of arrival and concurrent workers cannot
    move a message backwards (a late `delivered` never overwrites `read`).
    """
    if not status.id or status.status not in STATUS_MAY_REPLACE:
        return False
    from conversations.services.outbound import confirm_by_idempotency_key

    # A send that timed out has no wamid yet; Meta's echo of our key names the row.
    confirm_by_idempotency_key(status.biz_opaque_callback_data, status.id)
    outbound = Message.objects.filter(wamid=status.id, direction=Direction.OUT)
    when = status.timestamp or timezone.now()
    changes: dict = {"status": status.status}
    if status.status != MessageStatus.FAILED:
        # Proof it went out: a note like "waiting for confirmation" no longer applies.
        changes.update(error_code=None, error_title="")
    else:
        error = status.errors[0] if status.errors else None
        code = error.code if error else None
        changes["error_code"] = code if code is not None and -(2**31) <= code < 2**31 else None
        changes["error_title"] = _clean_text((error.title or error.message) if error else "", 255)
    movable = outbound.filter(status__in=STATUS_MAY_REPLACE[status.status])
    moved = list(movable.values_list("pk", flat=True))
    # The status condition stays on the UPDATE: a concurrent status decides, not our read.
    if moved and movable.filter(pk__in=moved).update(**changes):
        live.message_status_changed(moved)
    if time_field := STATUS_TIME_FIELD.get(status.status):
        _record_tick_time(outbound, time_field, when)
        if status.status == MessageStatus.READ:
            # Read implies delivered: Meta skips `delivered` when both happen together.
            _record_tick_time(outbound, "delivered_at", when)
    return outbound.exists()
