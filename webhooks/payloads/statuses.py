"""Delivery receipts for messages we sent (`value.statuses[]`, whatsapp.md §7)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._coerce import as_bool, as_str, as_timestamp, obj
from .errors import WebhookError, parse_errors


@dataclass(frozen=True, slots=True)
class Status:
    """One sent/delivered/read/played/failed event for our outbound wamid `id`.

    `status` is kept as Meta's string so a new value is stored, not dropped; `conversation_*` is
    only present before Graph v24.0 or inside free-entry-point windows.
    """

    id: str | None
    status: str | None
    timestamp: datetime | None
    recipient_id: str | None
    recipient_user_id: str | None
    errors: tuple[WebhookError, ...]
    pricing_category: str | None
    pricing_model: str | None
    billable: bool | None
    conversation_id: str | None
    conversation_origin: str | None
    biz_opaque_callback_data: str | None
    raw: dict[str, Any] = field(repr=False)


def parse_status(data: dict[str, Any]) -> Status:
    pricing = obj(data.get("pricing"))
    conversation = obj(data.get("conversation"))
    return Status(
        id=as_str(data.get("id")),
        status=as_str(data.get("status")),
        timestamp=as_timestamp(data.get("timestamp")),
        recipient_id=as_str(data.get("recipient_id")),
        recipient_user_id=as_str(data.get("recipient_user_id")),
        errors=parse_errors(data.get("errors")),
        pricing_category=as_str(pricing.get("category")),
        pricing_model=as_str(pricing.get("pricing_model")),
        billable=as_bool(pricing.get("billable")),
        conversation_id=as_str(conversation.get("id")),
        conversation_origin=as_str(obj(conversation.get("origin")).get("type")),
        biz_opaque_callback_data=as_str(data.get("biz_opaque_callback_data")),
        raw=data,
    )
