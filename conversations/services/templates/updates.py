"""Meta's template webhooks: status, quality and category changes to a stored template.

Shapes (Meta's webhook reference): `message_template_status_update` carries `event`,
`reason` and `message_template_category`; `message_template_quality_update` the
previous and new quality score; `template_category_update` the new category (and, for a
change announced 24 hours ahead, `correct_category` — applied only when it happens).
Templates are named by `message_template_id`, else by name and language; the language
arrives as "en-US" where the list says "en_US", so both spellings are looked up.
"""

from __future__ import annotations

import logging

from conversations.models import MessageTemplate, TemplateQuality, TemplateStatus
from webhooks.payloads import TemplateUpdate

logger = logging.getLogger(__name__)

# Events that are not a status: the template keeps the status it has.
EVENTS_KEEPING_STATUS = frozenset({"FLAGGED", "LOCKED", "UNLOCKED"})
# Events that bring a template back into use.
EVENTS_MEANING_APPROVED = frozenset({"REINSTATED", "UNARCHIVED", "UNPAUSED"})
STATUS_MAX_LENGTH = MessageTemplate._meta.get_field("status").max_length
CATEGORY_MAX_LENGTH = MessageTemplate._meta.get_field("category").max_length


def find_template(
    template_id: str | None, name: str | None, language: str | None
) -> MessageTemplate | None:
    if template_id:
        found = MessageTemplate.objects.filter(meta_id=template_id).first()
        if found is not None:
            return found
    if name and language:
        spellings = {language, language.replace("-", "_"), language.replace("_", "-")}
        return MessageTemplate.objects.filter(name=name, language__in=spellings).first()
    return None


def _status_for(event: str | None) -> str | None:
    event = (event or "").strip().upper()
    if not event or event in EVENTS_KEEPING_STATUS:
        return None
    if event in EVENTS_MEANING_APPROVED:
        return TemplateStatus.APPROVED
    # Statuses Meta adds later are kept as given (shown as given in the admin).
    return event[:STATUS_MAX_LENGTH]


def _rejection_reason(update: TemplateUpdate) -> str:
    info = update.raw.get("rejection_info")
    detail = info.get("reason") if isinstance(info, dict) else None
    reason = update.reason if update.reason and update.reason.upper() != "NONE" else ""
    text = f"{reason}: {detail}" if reason and isinstance(detail, str) and detail else reason
    return text[:255]


def _changes(template: MessageTemplate, update: TemplateUpdate) -> dict[str, object]:
    changes: dict[str, object] = {}
    status = _status_for(update.event)
    if status is not None:
        changes["status"] = status
        if status == TemplateStatus.REJECTED:
            changes["rejected_reason"] = _rejection_reason(update)
        elif status == TemplateStatus.APPROVED:
            changes["rejected_reason"] = ""
    quality = (update.new_quality or "").strip().upper()
    if quality:
        changes["quality_score"] = (
            quality if quality in TemplateQuality.values else TemplateQuality.UNKNOWN
        )
    category = (update.new_category or "").strip().upper()
    if category:
        changes["category"] = category[:CATEGORY_MAX_LENGTH]
    return {key: value for key, value in changes.items() if getattr(template, key) != value}


def apply_template_update(update: TemplateUpdate) -> bool:
    """Apply one template webhook; True when the stored template changed.

    A template we do not have is reported (False, logged), not created: the webhook lacks
    its components, so a row made from it could be neither previewed nor sent correctly.
    The next sync (command or Admin button) brings it in whole.
    """
    template = find_template(update.template_id, update.name, update.language)
    if template is None:
        logger.warning(
            "Template webhook for a template not synced yet: run Sync templates",
            extra={"field": update.field, "template_id": update.template_id, "event": update.event},
        )
        return False
    changes = _changes(template, update)
    if not changes:
        return False
    for key, value in changes.items():
        setattr(template, key, value)
    template.save(update_fields=[*changes, "updated_at"])
    logger.info(
        "Template updated by Meta",
        extra={"template_id": template.pk, "field": update.field, "changes": sorted(changes)},
    )
    return True
