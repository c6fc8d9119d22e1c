"""Meta's webhook endpoint: verify, store, answer. Processing happens in a task worker."""

import hmac
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from webhooks.services import NotAJsonObject, receive_webhook
from webhooks.signature import signature_matches

logger = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request):
    if request.method == "GET":
        return _verify_subscription(request)
    return _receive_event(request)


def _verify_subscription(request):
    """Meta's handshake when the callback URL is saved: echo the challenge if the token fits."""
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    expected = settings.WHATSAPP_VERIFY_TOKEN
    if (
        mode == "subscribe"
        and expected
        and hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8"))
    ):
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    logger.warning("Webhook verification refused", extra={"mode": mode[:32]})
    return HttpResponse("Verification failed.", status=403, content_type="text/plain")


def _receive_event(request):
    limit = settings.WHATSAPP_WEBHOOK_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return _refuse(413, "Body too large.", declared_bytes=declared)
    try:
        body = request.body
    except RequestDataTooBig:
        return _refuse(413, "Body too large.", declared_bytes=declared)
    if len(body) > limit:
        return _refuse(413, "Body too large.", received_bytes=len(body))

    secret = settings.WHATSAPP_APP_SECRET
    if not secret:
        # Without the secret nothing can be verified; 503 makes Meta retry once it is set.
        logger.error("WHATSAPP_APP_SECRET is not set: webhook refused")
        return JsonResponse({"error": "Webhook signing secret not configured."}, status=503)
    header = request.headers.get("X-Hub-Signature-256")
    if header is None:
        return _refuse(401, "Missing X-Hub-Signature-256 header.")
    if not signature_matches(body, header, secret):
        return _refuse(403, "Signature does not match.")

    try:
        event_id = receive_webhook(body)
    except NotAJsonObject as exc:
        return _refuse(400, f"Body must be a JSON object as Meta sends it: {exc}.")
    except (DatabaseError, TimeoutError) as exc:
        # Not stored, so not answered 200: Meta retries a 5xx, with backoff, for days.
        logger.error("Webhook not stored: %s", type(exc).__name__, extra={"error": str(exc)})
        return JsonResponse({"error": "Could not store the event; retry later."}, status=503)
    return JsonResponse({"status": "received", "event": event_id})


def _refuse(status: int, reason: str, **extra) -> JsonResponse:
    logger.warning("Webhook refused: %s", reason, extra={"status": status, **extra})
    return JsonResponse({"error": reason}, status=status)
