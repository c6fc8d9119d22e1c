"""Changes other than `messages` that the inbox acts on (whatsapp.md §4).

Template lifecycle (`message_template_status_update`, `message_template_quality_update`,
`template_category_update`), messages typed in the WhatsApp Business app on the business's
phone (`smb_message_echoes`, coexistence) and marketing opt-outs (`user_preferences`).
Each parser is total, like the rest of the package: missing keys read as None.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._coerce import as_str, as_timestamp, dict_items
from .messages import InboundMessage, parse_message

TEMPLATE_STATUS_FIELD = "message_template_status_update"
TEMPLATE_QUALITY_FIELD = "message_template_quality_update"
TEMPLATE_CATEGORY_FIELD = "template_category_update"
ECHOES_FIELD = "smb_message_echoes"
USER_PREFERENCES_FIELD = "user_preferences"


@dataclass(frozen=True, slots=True)
class TemplateUpdate:
    """One template's new status, quality or category; the fields that did not change are None.

    Templates are named by Meta's id when it sends one, else by name and language.
    """

    field: str
    template_id: str | None
    name: str | None
    language: str | None
    event: str | None  # status: APPROVED, REJECTED, PAUSED, DISABLED, ...
    reason: str | None
    new_quality: str | None
    previous_quality: str | None
    new_category: str | None
    previous_category: str | None
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class MessageEcho:
    """A message the business sent from the WhatsApp Business app to user `to_wa_id`.

    `message` is parsed like an inbound one; its `from_wa_id` is the business's own number.
    """

    to_wa_id: str | None
    to_user_id: str | None
    message: InboundMessage


@dataclass(frozen=True, slots=True)
class UserPreference:
    """A user stopped (`value` "stop") or resumed ("resume") a category of messages."""

    wa_id: str | None
    user_id: str | None
    category: str | None  # "marketing_messages"
    value: str | None
    detail: str | None
    timestamp: datetime | None


def parse_template_update(change_field: str, data: dict[str, Any]) -> TemplateUpdate:
    return TemplateUpdate(
        field=change_field,
        template_id=as_str(data.get("message_template_id")),
        name=as_str(data.get("message_template_name")),
        language=as_str(data.get("message_template_language")),
        event=as_str(data.get("event")),
        reason=as_str(data.get("reason")),
        new_quality=as_str(data.get("new_quality_score")),
        previous_quality=as_str(data.get("previous_quality_score")),
        # The status webhook carries the category too; the category webhook its new one.
        new_category=as_str(data.get("new_category"))
        or as_str(data.get("message_template_category")),
        previous_category=as_str(data.get("previous_category")),
        raw=data,
    )


def parse_echoes(data: dict[str, Any]) -> tuple[MessageEcho, ...]:
    return tuple(
        MessageEcho(
            to_wa_id=as_str(item.get("to")),
            to_user_id=as_str(item.get("to_user_id")),
            message=parse_message(item),
        )
        for item in dict_items(data.get("message_echoes"))
    )


def parse_user_preferences(data: dict[str, Any]) -> tuple[UserPreference, ...]:
    return tuple(
        UserPreference(
            wa_id=as_str(item.get("wa_id")),
            user_id=as_str(item.get("user_id")),
            category=as_str(item.get("category")),
            value=as_str(item.get("value")),
            detail=as_str(item.get("detail")),
            timestamp=as_timestamp(item.get("timestamp")),
        )
        for item in dict_items(data.get("user_preferences"))
    )


TEMPLATE_FIELDS = frozenset(
    {TEMPLATE_STATUS_FIELD, TEMPLATE_QUALITY_FIELD, TEMPLATE_CATEGORY_FIELD}
)
ACCOUNT_FIELDS = TEMPLATE_FIELDS | {ECHOES_FIELD, USER_PREFERENCES_FIELD}
