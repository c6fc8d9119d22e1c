"""What Meta's webhook POST is answered, decided once for both of its entry points.

Production serves the POST in the event loop (webhooks/asgi.py); the Django view
(webhooks/views.py) serves it everywhere else: the test client, a WSGI server, and every
request the event-loop endpoint hands on to Django. Each reads the body and stores the event
its own way (a thread blocks, the event loop awaits), and asks this module everything else,
so that both answer every body alike, with the same log lines.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from webhooks.models import EventOutcome, WebhookEvent
from webhooks.signature import signature_matches

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    payload: dict[str, Any]

    def content(self) -> bytes:
        return json.dumps(self.payload).encode()


def declared_length(value: str | None) -> int:
    """Content-Length as a number; 0 when absent or garbled (the body's own size decides)."""
    try:
        return max(int(value or 0), 0)
    except ValueError:
        return 0


def refusal_before_body(declared: int) -> Answer | None:
    """413 for a body announced over WHATSAPP_WEBHOOK_MAX_BYTES, before reading any of it."""
    if declared > settings.WHATSAPP_WEBHOOK_MAX_BYTES:
        return too_large(declared_bytes=declared)
    return None


def too_large(**sizes: int) -> Answer:
    return _refuse(413, "Body too large.", **sizes)


def refusal_of(body: bytes, signature: str | None) -> Answer | None:
    """Why a body read whole is not stored (size, no secret, no or wrong signature), or None."""
    if len(body) > settings.WHATSAPP_WEBHOOK_MAX_BYTES:
        return too_large(received_bytes=len(body))
    secret = settings.WHATSAPP_APP_SECRET
    if not secret:
        # Without the secret nothing can be verified; 503 makes Meta retry once it is set.
        logger.error("WHATSAPP_APP_SECRET is not set: webhook refused")
        return Answer(503, {"error": "Webhook signing secret not configured."})
    if signature is None:
        return _refuse(401, f"Missing {SIGNATURE_HEADER} header.")
    if not signature_matches(body, signature, secret):
        return _refuse(403, "Signature does not match.")
    return None


def stored(event: WebhookEvent, event_id: int) -> Answer:
    """200 once the event has committed; 400 if it was kept only as rejected."""
    if event.outcome == EventOutcome.REJECTED:
        return _refuse(400, f"Body must be a JSON object as Meta sends it: {event.error}.")
    return Answer(200, {"status": "received", "event": event_id})


def not_stored(exc: BaseException) -> Answer:
    """Not committed, so not answered 200: Meta retries a 5xx, with backoff, for days."""
    logger.error("Webhook not stored: %s", type(exc).__name__, extra={"error": str(exc)})
    return Answer(503, {"error": "Could not store the event; retry later."})


def _refuse(status: int, reason: str, **extra: Any) -> Answer:
    logger.warning("Webhook refused: %s", reason, extra={"status": status, **extra})
    return Answer(status, {"error": reason})
