"""The simulator page: staff play a WhatsApp user, and Meta's webhook path does the rest.

The page asks `sign` for a Meta-shaped body and its signature, then posts both to the real
`/webhooks/whatsapp/` itself: the webhook sees a genuine signed HTTP POST, and the app secret
never leaves the server. `sign` only signs bodies it built from a few typed fields, so it is
no signing service for arbitrary bodies. Who may use it, and when: `access`.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from conversations.services.live import latest_event_id
from webhooks.simulator.payloads import (
    SampleKind,
    SimulatedUser,
    StatusKind,
    inbound_body,
    sign,
    status_body,
)
from webhooks.simulator.selectors import last_outbound_wamid, recent_phones, simulated_thread

PHONE = re.compile(r"^[0-9]{6,15}$")
MAX_TEXT = 4096
MAX_NAME = 100
DEFAULT_USER = SimulatedUser(wa_id="15550001234", name="Ana Lima")


@require_GET
def simulator_page(request):
    config = {
        "signUrl": reverse("simulator-sign"),
        "threadUrl": reverse("simulator-thread"),
        "webhookUrl": reverse("webhooks:whatsapp"),
        "socketPath": "/ws/dashboard/",
        "lastEventId": latest_event_id(),
        "defaultPhone": DEFAULT_USER.wa_id,
        "defaultName": DEFAULT_USER.name,
    }
    context = {
        **admin.site.each_context(request),
        "title": "WhatsApp simulator",
        "config": config,
        "phones": recent_phones(),
        "samples": [(kind.value, kind.name.capitalize()) for kind in SampleKind],
        "secret_configured": bool(settings.WHATSAPP_APP_SECRET),
        "transport": settings.WHATSAPP_TRANSPORT,
    }
    return render(request, "admin/simulator/simulator.html", context)


def _refuse(reason: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": reason}, status=status)


@require_POST
def sign_webhook(request):
    """A body Meta could have posted for what the page asks, signed: inbound or a status."""
    if not settings.WHATSAPP_APP_SECRET:
        return _refuse("WHATSAPP_APP_SECRET is not set: the webhook refuses everything.", 409)
    wa_id = request.POST.get("phone", "").strip()
    if not PHONE.match(wa_id):
        return _refuse("The phone number takes 6 to 15 digits, e.g. 15550001234.")
    kind = request.POST.get("kind", "")
    if kind in StatusKind.__members__.values():
        wamid = last_outbound_wamid(wa_id)
        if wamid is None:
            return _refuse("The business has sent nothing to this phone yet.", 409)
        body = status_body(wamid, StatusKind(kind), recipient=wa_id)
        return _signed(body, wamid)
    if kind not in SampleKind.__members__.values():
        return _refuse(f"Unknown kind {kind!r}.")
    text = request.POST.get("text", "").strip()[:MAX_TEXT]
    if kind == SampleKind.TEXT and not text:
        return _refuse("Type a message first.")
    replied_to = None
    if kind in (SampleKind.REACTION, SampleKind.BUTTON):
        replied_to = last_outbound_wamid(wa_id)
        if kind == SampleKind.REACTION and replied_to is None:
            return _refuse("Nothing to react to: the business has sent nothing yet.", 409)
    name = request.POST.get("name", "").strip()[:MAX_NAME] or DEFAULT_USER.name
    body, wamid = inbound_body(
        SimulatedUser(wa_id=wa_id, name=name), SampleKind(kind), text, replied_to=replied_to
    )
    return _signed(body, wamid)


def _signed(body: bytes, wamid: str) -> JsonResponse:
    signed = sign(body, wamid)
    # ASCII bytes (payloads.py), so the string the page posts is byte for byte what was signed.
    return JsonResponse(
        {"body": signed.body.decode("ascii"), "signature": signed.signature, "wamid": wamid}
    )


@require_GET
def thread(request):
    return JsonResponse(simulated_thread(request.GET.get("phone", "").strip()))
