"""Erasing a contact (a data-subject request): their words and identity go, the skeleton stays.

What is scrubbed: every message's text, raw payload, content and media (files deleted from
storage), earlier texts of edited messages, draft texts, the profile's fields, notes and
provenance quotes, the conversation's name, username and phone, live events, the contact's
parts of stored webhook bodies, the admin's change-history labels, and API idempotency keys.

What is kept, and why: the rows themselves with their ids, times, directions and delivery
states (counts and the conversation log stay true), and every wamid. A wamid is Meta's id,
not personal data, and it is the tombstone: a redelivered or replayed webhook finds its
message already stored and changes nothing, so an erased contact cannot be resurrected.

The phone number is kept only as a keyed hash (HMAC with SECRET_KEY, so nobody can recover
the number by hashing every possible phone): the conversation needs an identity by its
constraint, and a blocked contact who writes again stays blocked (see `blocked_since_erasure`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import record
from accounts.models import AuditAction
from conversations.models import (
    ApiIdempotencyKey,
    Conversation,
    DraftReview,
    LiveEvent,
    LogAction,
    Message,
    MessageEdit,
    MessageMedia,
)
from conversations.services.log import log_action
from profiles.models import ClientProfile, ProfileFieldSource
from webhooks.models import WebhookEvent

logger = logging.getLogger(__name__)

ERASED = "[erased]"
ERASED_PREFIX = "erased."


@dataclass(frozen=True, slots=True)
class ErasureReport:
    messages: int
    media_files: int
    webhook_events: int

    def __str__(self) -> str:
        return (
            f"{self.messages} message(s) scrubbed, {self.media_files} file(s) deleted, "
            f"{self.webhook_events} webhook event(s) redacted"
        )


def erased_identity(identity: str) -> str:
    """The tombstone's stand-in for a phone or BSUID: keyed, so it cannot be reversed."""
    digest = hmac.new(settings.SECRET_KEY.encode(), identity.encode(), hashlib.sha256)
    return ERASED_PREFIX + digest.hexdigest()[:48]


def blocked_since_erasure(*identities: str | None):
    """When an erased contact with one of these ids had been blocked, else None.

    Asked only when a conversation is about to be created for an unknown sender.
    """
    markers = [erased_identity(i) for i in identities if i]
    if not markers:
        return None
    return (
        Conversation.objects.filter(bsuid__in=markers, blocked_at__isnull=False)
        .values_list("blocked_at", flat=True)
        .first()
    )


def _personal_terms(conversation: Conversation, profile: ClientProfile | None) -> list[str]:
    """What identifies the contact in free text: phone, BSUID, names, company, email."""
    values = [conversation.wa_id, conversation.bsuid, conversation.display_name]
    values.append(conversation.username)
    if profile is not None:
        values += [profile.name, profile.last_name, profile.company, profile.email]
    # Longest first, so "Dana Whitfield" is replaced before "Dana"; very short ones (an
    # initial) would scrub unrelated words and identify nobody.
    return sorted({v for v in values if v and len(v.strip()) >= 3}, key=len, reverse=True)


def _scrub_text(value: str, terms: list[str]) -> str:
    for term in terms:
        value = value.replace(term, ERASED)
    return value


def _scrub_json(value, terms: list[str]):
    if isinstance(value, str):
        return _scrub_text(value, terms)
    if isinstance(value, list):
        return [_scrub_json(item, terms) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_json(item, terms) for key, item in value.items()}
    return value


# In each webhook `value`, the lists that describe one contact and the keys naming them.
_CONTACT_KEYS = {
    "contacts": ("wa_id", "user_id"),
    "messages": ("from", "from_user_id"),
    "message_echoes": ("to", "to_user_id"),
    "statuses": ("recipient_id", "recipient_user_id"),
    "user_preferences": ("wa_id", "user_id"),
}


def _redact_body(body: bytes, ids: set[str], terms: list[str]) -> bytes:
    """The body without the contact's items, and their names and words in what is left.

    Other contacts' messages in the same batch stay, so a replay still processes them.
    """
    try:
        payload = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", errors="replace")
        return _scrub_text(text, terms).encode()
    entries = payload.get("entry") if isinstance(payload, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            for field, keys in _CONTACT_KEYS.items():
                items = value.get(field)
                if isinstance(items, list):
                    value[field] = [
                        item
                        for item in items
                        if not (isinstance(item, dict) and {str(item.get(k)) for k in keys} & ids)
                    ]
    return json.dumps(_scrub_json(payload, terms), ensure_ascii=False).encode()


def _events_mentioning(needle: str):
    """Stored webhook events whose body contains the bytes, found by the database."""
    if connection.vendor == "postgresql":
        where = "position(%s::bytea in body) > 0"
    else:
        where = "instr(body, %s) > 0"
    return WebhookEvent.objects.extra(where=[where], params=[needle.encode()])  # noqa: S610


def _redact_webhook_events(conversation: Conversation, terms: list[str]) -> int:
    ids = {i for i in (conversation.wa_id, conversation.bsuid) if i}
    redacted: set[int] = set()
    for identity in ids:
        events = _events_mentioning(identity).exclude(pk__in=redacted).only("pk", "body")
        for event in events.iterator(chunk_size=100):
            body = _redact_body(bytes(event.body), ids, terms)
            WebhookEvent.objects.filter(pk=event.pk).update(body=body)
            redacted.add(event.pk)
    return len(redacted)


def _scrub_messages(conversation: Conversation) -> tuple[int, int]:
    messages = Message.objects.filter(conversation=conversation)
    media = MessageMedia.objects.filter(message__conversation=conversation)
    files = [(m.file.storage, m.file.name) for m in media if m.file]
    media.delete()
    MessageEdit.objects.filter(message__conversation=conversation).delete()
    ApiIdempotencyKey.objects.filter(message__conversation=conversation).delete()
    retried = {
        pk: {"previous_wamids": content["previous_wamids"]}
        for pk, content in messages.filter(content__has_key="previous_wamids").values_list(
            "pk", "content"
        )
    }
    count = messages.update(
        text="", raw={}, content={}, reaction="", error_title="", reply_error=""
    )
    for pk, content in retried.items():  # old wamids of resent messages are tombstones too
        Message.objects.filter(pk=pk).update(content=content)

    def delete_files():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete_files, robust=True)
    return count, len(files)


def _scrub_admin_history(conversation: Conversation, profile: ClientProfile | None) -> None:
    """The admin's own change history names objects by str(), i.e. by the lead's name."""
    targets = Q(
        content_type=ContentType.objects.get_for_model(Conversation),
        object_id=str(conversation.pk),
    )
    if profile is not None:
        targets |= Q(
            content_type=ContentType.objects.get_for_model(ClientProfile),
            object_id=str(profile.pk),
        )
    LogEntry.objects.filter(targets).update(object_repr=ERASED)


@transaction.atomic
def erase_contact(conversation: Conversation, *, actor) -> ErasureReport:
    """Scrub the contact's personal data everywhere it is stored; log and audit the erasure."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    profile = ClientProfile.objects.filter(conversation=conversation).first()
    terms = _personal_terms(conversation, profile)

    events = _redact_webhook_events(conversation, terms)
    messages, files = _scrub_messages(conversation)
    DraftReview.objects.filter(conversation=conversation).update(original_draft="", sent_text="")
    LiveEvent.objects.filter(conversation_id=conversation.pk).delete()
    _scrub_admin_history(conversation, profile)
    if profile is not None:
        ProfileFieldSource.objects.filter(profile=profile).delete()
        for field in ("name", "last_name", "company", "email", "notes", "ai_draft"):
            setattr(profile, field, "")
        profile.ai_draft_created_at = None
        profile.save()

    identity = conversation.wa_id or conversation.bsuid or str(conversation.pk)
    if not (conversation.bsuid or "").startswith(ERASED_PREFIX):
        conversation.bsuid = erased_identity(identity)
    conversation.wa_id = None
    conversation.display_name = conversation.username = conversation.openai_conversation_id = ""
    conversation.erased_at = timezone.now()
    conversation.save()

    report = ErasureReport(messages=messages, media_files=files, webhook_events=events)
    log_action(conversation.pk, LogAction.ERASED, actor=actor, detail=str(report))
    record(AuditAction.CONTACT_ERASED, actor=actor, target=conversation, detail=str(report))
    logger.info("Contact erased", extra={"conversation_id": conversation.pk})
    return report
