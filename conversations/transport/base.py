"""What a WhatsApp transport is asked to send and how it reports the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Protocol


@dataclass(frozen=True, slots=True)
class OutgoingText:
    to_wa_id: str | None
    to_bsuid: str | None
    text: str
    idempotency_key: str
    reply_to_wamid: str | None = None


@dataclass(frozen=True, slots=True)
class OutgoingTemplate:
    """An approved template; `components` are Graph's send-side components with parameters."""

    to_wa_id: str | None
    to_bsuid: str | None
    name: str
    language: str
    components: tuple[dict, ...]
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class OutgoingMedia:
    """An image or document already uploaded to Meta (`media_id`), with an optional caption."""

    to_wa_id: str | None
    to_bsuid: str | None
    kind: str  # "image" | "document"
    media_id: str
    caption: str
    filename: str
    idempotency_key: str
    reply_to_wamid: str | None = None


Outgoing = OutgoingText | OutgoingTemplate | OutgoingMedia


@dataclass(frozen=True, slots=True)
class SendResult:
    wamid: str


class SendError(Exception):
    """Meta did not take the message.

    `retryable`: try again later (rate limits, 5xx, connection failures). `ambiguous`: the
    request may have been accepted (a timeout after sending), so a blind resend could
    deliver it twice.
    """

    def __init__(
        self,
        title: str,
        *,
        code: int | None = None,
        retryable: bool = False,
        ambiguous: bool = False,
    ):
        super().__init__(title)
        self.title = title
        self.code = code
        self.retryable = retryable
        self.ambiguous = ambiguous


class Transport(Protocol):
    def send_text(self, message: OutgoingText) -> SendResult: ...

    def send_template(self, message: OutgoingTemplate) -> SendResult: ...

    def send_media(self, message: OutgoingMedia) -> SendResult: ...

    def upload_media(self, file: BinaryIO, *, mime_type: str, filename: str) -> str:
        """Upload a file to Meta for sending; returns its media id, or raises SendError."""
        ...


def send(transport: Transport, message: Outgoing) -> SendResult:
    """Send any outgoing message through the transport method for its kind."""
    if isinstance(message, OutgoingTemplate):
        return transport.send_template(message)
    if isinstance(message, OutgoingMedia):
        return transport.send_media(message)
    return transport.send_text(message)
