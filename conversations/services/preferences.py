"""A user's marketing-message preference, from WhatsApp's user_preferences webhook.

A user can stop (and later resume) a business's marketing messages from WhatsApp itself;
Meta tells us in a `user_preferences` webhook. A stop is kept on the conversation
(`marketing_opt_out_at`, shown on the profile page) so that marketing templates are refused
before calling Meta. Deliveries come in any order: the WhatsApp time of the last one applied
is kept, and an older one arriving late changes nothing.

A stop from a user we have no conversation with creates one: their wish must hold before the
business ever writes to them (an agent's first template, a follow-up). A resume from an unknown
user creates nothing: no record already means marketing messages are allowed.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conversations.models import Conversation, LogAction
from conversations.services.inbound import find_or_create_conversation
from conversations.services.log import log_action
from webhooks.payloads import Contact, UserPreference
from webhooks.payloads._coerce import clip

logger = logging.getLogger(__name__)

MARKETING = "marketing_messages"
STOP, RESUME = "stop", "resume"


def apply_user_preference(preference: UserPreference, contact: Contact | None) -> bool:
    """Store a stop or resume on the user's conversation; False when nothing changed."""
    value = (preference.value or "").strip().lower()
    if preference.category != MARKETING or value not in (STOP, RESUME):
        logger.info(
            "User preference ignored",
            extra={"category": clip(preference.category), "value": clip(preference.value)},
        )
        return False
    wa_id = preference.wa_id or (contact.wa_id if contact else None)
    bsuid = preference.user_id or (contact.user_id if contact else None)
    if value == STOP:
        conversation = find_or_create_conversation(
            wa_id=wa_id,
            bsuid=bsuid,
            display_name=contact.name if contact else None,
            username=contact.username if contact else None,
        )
    else:
        conversation = _known_conversation(wa_id, bsuid)
        if conversation is None:
            return False
    return _apply(conversation, stopped=value == STOP, preference=preference)


def _known_conversation(wa_id: str | None, bsuid: str | None) -> Conversation | None:
    digits = "".join(ch for ch in wa_id or "" if ch in "0123456789")
    lookup = Q(wa_id=digits) if digits else Q()
    if bsuid:
        lookup |= Q(bsuid=bsuid)
    return Conversation.objects.filter(lookup).first() if lookup else None


@transaction.atomic
def _apply(conversation: Conversation, *, stopped: bool, preference: UserPreference) -> bool:
    when = preference.timestamp or timezone.now()
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    last = conversation.marketing_preference_at
    if last is not None and when <= last:
        logger.info("Older user preference ignored", extra={"conversation_id": conversation.pk})
        return False
    conversation.marketing_preference_at = when
    changed = (conversation.marketing_opt_out_at is not None) != stopped
    if changed:
        conversation.marketing_opt_out_at = when if stopped else None
    conversation.save(
        update_fields=["marketing_preference_at", "marketing_opt_out_at", "updated_at"]
    )
    if not changed:
        return False
    log_action(
        conversation.pk,
        LogAction.MARKETING_STOPPED if stopped else LogAction.MARKETING_RESUMED,
        detail=(preference.detail or "")[:500],
    )
    logger.info(
        "Marketing messages stopped by the user" if stopped else "Marketing messages resumed",
        extra={"conversation_id": conversation.pk},
    )
    return True
