"""Meta's webhook POST served in the event loop, in front of the rest of the ASGI app.

Why: the webhook is most of the traffic (Meta sizes it at 3x outbound statuses + 1x inbound),
and its own work is small: check the signature, read the JSON, store one row. Through Django
each POST also crossed from uvicorn's event loop to a WSGI thread and back several times (the
request, its body, the response) and ran the whole middleware chain for a request that has
no session, user or page; that cost several times the webhook's own work
(bench/webhook_ingest.py, the `uvicorn-view` row). Here the POST is answered in the loop: the
body is read there, checked by the same code as the Django view (webhooks/intake.py), and its
event is handed to the process's writer thread (webhooks/group_commit.py), awaited, so the
loop serves other requests until the row has committed.

Only a plain case is served here: `POST` to the webhook path, with a Host Django accepts, over
https when SECURE_SSL_REDIRECT asks for it. Anything else (the GET handshake, a wrong Host, a
request to redirect) goes to Django, which answers it as it always has.
"""

from __future__ import annotations

import asyncio

from django.conf import settings
from django.db import DatabaseError
from django.http.request import split_domain_port, validate_host

from webhooks import intake
from webhooks.group_commit import writer
from webhooks.services import new_event

# Bodies above this are checked (HMAC, JSON) on a thread, so a large one does not hold up the
# loop's other requests and sockets; Meta's are a few KiB, at most ~1 MiB for 1,000 statuses.
INLINE_CHECK_BYTES = 256 * 1024


class WebhookEndpoint:
    """ASGI middleware: Meta's POSTs to `path` answered here, everything else by `app`."""

    def __init__(self, app, path: str):
        self.app = app
        self.path = path

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == self.path:
            headers = _headers(scope)
            if _plain_for_django(scope, headers):
                return await _serve(headers, receive, send)
        await self.app(scope, receive, send)


def _plain_for_django(scope, headers: dict[str, str]) -> bool:
    """Would Django pass this request straight to the view? (Host allowed, no https redirect.)"""
    if settings.USE_X_FORWARDED_HOST and "x-forwarded-host" in headers:
        host = headers["x-forwarded-host"].split(",")[-1].strip()
    else:
        host = headers.get("host", "")
    domain, _ = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]  # as Django's HttpRequest.get_host
    if not domain or not validate_host(domain, allowed):
        return False
    return not settings.SECURE_SSL_REDIRECT or _is_secure(scope, headers)


def _is_secure(scope, headers: dict[str, str]) -> bool:
    """As Django's HttpRequest.is_secure: SECURE_PROXY_SSL_HEADER first, then the scheme."""
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        name = meta_name.removeprefix("HTTP_").replace("_", "-").lower()
        if name in headers:
            return headers[name].split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") == "https"


def _headers(scope) -> dict[str, str]:
    """As the WSGI environ has them (and so Django): Latin-1, a repeated header's values
    joined with commas, so that two signatures are refused here as there."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


async def _serve(headers: dict[str, str], receive, send) -> None:
    declared = intake.declared_length(headers.get("content-length"))
    answer = intake.refusal_before_body(declared)
    if answer is None:
        body = await _read_body(receive, settings.WHATSAPP_WEBHOOK_MAX_BYTES)
        if body is None:
            return  # the client went away: nobody to answer
        signature = headers.get(intake.SIGNATURE_HEADER.lower())
        if len(body) > INLINE_CHECK_BYTES:
            answer = await asyncio.to_thread(_check, body, signature)
        else:
            answer = _check(body, signature)
        if not isinstance(answer, intake.Answer):
            answer = await _store(answer)
    content = answer.content()
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


async def _read_body(receive, limit: int) -> bytes | None:
    """The whole body, or None if the client disconnected. Reading stops once past `limit`:
    what was read (one chunk over, at most) is enough for intake to refuse it with 413."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit or not message.get("more_body", False):
            return b"".join(chunks)


def _check(body: bytes, signature: str | None):
    """The refusal, or the event the body makes (not saved yet)."""
    return intake.refusal_of(body, signature) or new_event(body)


async def _store(event) -> intake.Answer:
    try:
        event_id = await writer.insert_async(event)
    except (DatabaseError, TimeoutError) as exc:
        return intake.not_stored(exc)
    return intake.stored(event, event_id)
