"""Meta's webhook endpoint in Django: the subscription handshake, and the POST (verify, store,
answer) wherever the event-loop endpoint (webhooks/asgi.py) does not serve it. Processing
happens in a task worker."""

import hmac
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from webhooks import intake
from webhooks.services import new_event, store_event

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
    """The POST as webhooks/intake.py decides it; webhooks/asgi.py serves it in production."""
    declared = intake.declared_length(request.META.get("CONTENT_LENGTH"))
    answer = intake.refusal_before_body(declared)
    if answer is None:
        try:
            body = request.body
        except RequestDataTooBig:
            answer = intake.too_large(declared_bytes=declared)
        else:
            signature = request.headers.get(intake.SIGNATURE_HEADER)
            answer = intake.refusal_of(body, signature) or _store(body)
    return JsonResponse(answer.payload, status=answer.status)


def _store(body: bytes) -> intake.Answer:
    event = new_event(body)
    try:
        event_id = store_event(event)
    except (DatabaseError, TimeoutError) as exc:
        return intake.not_stored(exc)
    return intake.stored(event, event_id)
