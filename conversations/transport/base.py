"""What a WhatsApp transport is asked to send and how it reports the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutgoingText:
    to_wa_id: str | None
    to_bsuid: str | None
    text: str
    idempotency_key: str
    reply_to_wamid: str | None = None


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
