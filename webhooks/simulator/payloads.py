"""Meta-shaped webhook bodies for the simulator and the demo data, built from typed values.

The shapes follow the shared samples (`../shared/docs/whatsapp-payloads/`: 01 text, 09 image,
14 location, 16 interactive button reply, 20 reaction, 34 and 38 statuses), which the parsers
in `webhooks/payloads/` are tested against. Bodies are compact and ASCII-escaped, as Meta
sends them, so the bytes signed are the bytes a browser posts unchanged.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.utils import timezone

from webhooks.signature import compute_signature

# The business's number and ids as the samples carry them; nothing routes on them here.
BUSINESS_DISPLAY_NUMBER = "15550009999"
PHONE_NUMBER_ID = "110200300400500"
WABA_ID = "102938475610293"


class SampleKind(StrEnum):
    """What a simulated user can send from the simulator page."""

    TEXT = "text"
    IMAGE = "image"
    LOCATION = "location"
    BUTTON = "button"
    REACTION = "reaction"


class StatusKind(StrEnum):
    """The delivery reports Meta posts about an outbound message."""

    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SimulatedUser:
    """The WhatsApp user the simulator speaks as: phone (digits) and profile name."""

    wa_id: str
    name: str


@dataclass(frozen=True, slots=True)
class StatusError:
    """Meta's error object on a failed status (whatsapp.md §11)."""

    code: int
    title: str
    details: str = ""


# Meta's 131047, as sample 38 carries it: the 24-hour window had closed.
REENGAGEMENT_ERROR = StatusError(
    code=131047,
    title="Re-engagement message",
    details="Message failed to send because more than 24 hours have passed since the "
    "customer last replied to this number.",
)
# What a sample sends when nothing was typed: a photo needs no caption, a button has a title.
SAMPLE_IMAGE_ID = "5915090851286865"
SAMPLE_IMAGE_SHA256 = "WLn/696nqCXBAQl0OaoFsFsnWgMijhV2mMra5rQ5esk="
SAMPLE_BUTTON = ("talk_to_sales", "Talk to sales")
SAMPLE_LOCATION = {
    "latitude": 38.7071382,
    "longitude": -9.1355532,
    "name": "Praça do Comércio",
    "address": "Praça do Comércio, 1100-148 Lisboa, Portugal",
}
SAMPLE_REACTION = "👍"


@dataclass(frozen=True, slots=True)
class SignedBody:
    """A webhook body and its `X-Hub-Signature-256`, and the id of the message it carries."""

    body: bytes
    signature: str
    wamid: str


def new_wamid() -> str:
    """A message id never used before, so a send is never taken for a redelivery."""
    return f"wamid.simulated.{uuid.uuid4().hex}"


def _unix(at: datetime | None) -> str:
    return str(int((at or timezone.now()).timestamp()))


def _envelope(value: dict[str, Any]) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": BUSINESS_DISPLAY_NUMBER,
            "phone_number_id": PHONE_NUMBER_ID,
        },
        **value,
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(payload, separators=(",", ":")).encode("ascii")


def _content(kind: SampleKind, text: str, replied_to: str | None) -> dict[str, Any]:
    """The type-specific part of an inbound message; `replied_to`: a business message's wamid."""
    if kind == SampleKind.TEXT:
        return {"type": "text", "text": {"body": text}}
    if kind == SampleKind.IMAGE:
        image = {"mime_type": "image/jpeg", "sha256": SAMPLE_IMAGE_SHA256, "id": SAMPLE_IMAGE_ID}
        return {"type": "image", "image": {**({"caption": text} if text else {}), **image}}
    if kind == SampleKind.LOCATION:
        return {"type": "location", "location": SAMPLE_LOCATION}
    if kind == SampleKind.BUTTON:
        reply = {"id": SAMPLE_BUTTON[0], "title": text or SAMPLE_BUTTON[1]}
        fields: dict[str, Any] = {
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": reply},
        }
        if replied_to:
            fields["context"] = {"from": BUSINESS_DISPLAY_NUMBER, "id": replied_to}
        return fields
    if kind == SampleKind.REACTION:
        reaction = {"message_id": replied_to or "", "emoji": text or SAMPLE_REACTION}
        return {"type": "reaction", "reaction": reaction}
    raise ValueError(f"unknown sample kind {kind!r}")


def inbound_body(
    user: SimulatedUser,
    kind: SampleKind = SampleKind.TEXT,
    text: str = "",
    *,
    replied_to: str | None = None,
    wamid: str | None = None,
    at: datetime | None = None,
) -> tuple[bytes, str]:
    """The `messages` webhook for one message from `user`: (body, wamid).

    A reaction or button reply names the business message it answers (`replied_to`).
    """
    wamid = wamid or new_wamid()
    message = {
        "from": user.wa_id,
        "id": wamid,
        "timestamp": _unix(at),
        **_content(SampleKind(kind), text, replied_to),
    }
    contacts = [{"profile": {"name": user.name}, "wa_id": user.wa_id}]
    return _envelope({"contacts": contacts, "messages": [message]}), wamid


def status_body(
    wamid: str,
    status: StatusKind,
    *,
    recipient: str,
    error: StatusError | None = None,
    at: datetime | None = None,
) -> bytes:
    """A status webhook about our outbound `wamid` (samples 34 and 38; v24+ shape).

    A failed status carries no contacts block, as Meta documents; `error` defaults to 131047.
    """
    status = StatusKind(status)
    entry: dict[str, Any] = {
        "id": wamid,
        "status": status.value,
        "timestamp": _unix(at),
        "recipient_id": recipient,
    }
    value: dict[str, Any] = {"statuses": [entry]}
    if status == StatusKind.FAILED:
        error = error or REENGAGEMENT_ERROR
        entry["errors"] = [
            {
                "code": error.code,
                "title": error.title,
                "message": error.title,
                "error_data": {"details": error.details},
            }
        ]
    else:
        value = {"contacts": [{"wa_id": recipient}], **value}
    return _envelope(value)


def sign(body: bytes, wamid: str) -> SignedBody:
    """The body with the signature Meta would send, keyed by this install's app secret."""
    return SignedBody(
        body=body, signature=compute_signature(body, settings.WHATSAPP_APP_SECRET), wamid=wamid
    )
