"""Meta's POST served in the event loop (webhooks/asgi.py) answers every body as Django would.

Driven through botproject.asgi.application, the app production serves, with channels'
HttpCommunicator: the same bodies get the same status, the same JSON and the same stored rows
as through the Django view; what the endpoint does not serve itself (the GET handshake, a
Host Django refuses, plain http under SECURE_SSL_REDIRECT) reaches Django and gets its answer.
"""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.core.signals import request_started
from django.db import OperationalError
from django.test import Client

from botproject.asgi import application
from tests.samples import TEST_APP_SECRET, sample_bytes, signed_headers, text_webhook
from tests.webhooks.conftest import VERIFY_TOKEN, WEBHOOK_URL
from webhooks import asgi as webhook_asgi
from webhooks import group_commit
from webhooks.models import WebhookEvent
from webhooks.signature import compute_signature

pytestmark = pytest.mark.django_db(transaction=True)


def post_asgi(body: bytes, *, headers: dict[str, str] | None = None, path: str = WEBHOOK_URL):
    """(status, JSON or text, response headers) of one request through the production app."""
    sent = {
        "host": "testserver",
        "content-type": "application/json",
        "content-length": str(len(body)),
        **(headers or {}),
    }
    raw = [(name.encode(), value.encode()) for name, value in sent.items()]

    async def ask():
        return await HttpCommunicator(
            application, "POST", path, body=body, headers=raw
        ).get_response()

    response = async_to_sync(ask)()
    content = response["body"]
    try:
        content = json.loads(content)
    except ValueError:
        content = content.decode()
    return response["status"], content, dict(response["headers"])


def signed(body: bytes) -> dict[str, str]:
    return {"x-hub-signature-256": compute_signature(body, TEST_APP_SECRET)}


def post_django(body: bytes, **extra):
    response = Client().post(WEBHOOK_URL, data=body, content_type="application/json", **extra)
    return response.status_code, response.json()


def served_by_django(post) -> bool:
    """Whether `post()` reached Django (its request_started signal) rather than the loop."""
    seen = []

    def started(sender, **kwargs):
        seen.append(sender)

    request_started.connect(started, weak=False)
    try:
        post()
    finally:
        request_started.disconnect(started)
    return bool(seen)


def test_a_signed_post_is_stored_and_answered_without_django():
    body = sample_bytes("01_text.json")
    answered = []
    assert not served_by_django(lambda: answered.append(post_asgi(body, headers=signed(body))))

    status, answer, headers = answered[0]
    assert status == 200
    assert answer == {"status": "received", "event": WebhookEvent.objects.get().pk}
    assert headers[b"content-type"] == b"application/json"
    assert bytes(WebhookEvent.objects.get().body) == body


CASES = {
    "unsigned": (b'{"object": "whatsapp_business_account"}', None),
    "wrong signature": (b'{"object": "whatsapp_business_account"}', "sha256=" + "0" * 64),
    "not an object": (b"[1, 2, 3]", "sign"),
    "not JSON": (b"{not json", "sign"),
    "too deep": (b'{"a":' * 80 + b"1" + b"}" * 80, "sign"),
}


@pytest.mark.parametrize("case", CASES)
def test_both_entry_points_answer_a_bad_body_alike(case):
    body, signature = CASES[case]
    if signature == "sign":
        signature = compute_signature(body, TEST_APP_SECRET)
    asgi_headers = {"x-hub-signature-256": signature} if signature else {}
    django_headers = {"HTTP_X_HUB_SIGNATURE_256": signature} if signature else {}

    asgi_status, asgi_answer, _ = post_asgi(body, headers=asgi_headers)
    asgi_rows = list(WebhookEvent.objects.values_list("outcome", "error"))
    WebhookEvent.objects.all().delete()
    django_status, django_answer = post_django(body, **django_headers)
    django_rows = list(WebhookEvent.objects.values_list("outcome", "error"))

    assert asgi_status in (400, 401, 403)
    assert (asgi_status, asgi_answer) == (django_status, django_answer)
    assert asgi_rows == django_rows, "a signed bad body is kept as rejected by both"


def test_an_announced_body_over_the_limit_is_refused_before_reading(settings):
    settings.WHATSAPP_WEBHOOK_MAX_BYTES = 1000
    body = text_webhook("x" * 2000)[0]
    status, answer, _ = post_asgi(body, headers={**signed(body), "content-length": str(len(body))})
    assert (status, answer) == (413, {"error": "Body too large."})
    assert not WebhookEvent.objects.exists()


def test_no_secret_configured_answers_503_as_django_does(settings):
    settings.WHATSAPP_APP_SECRET = ""
    body = sample_bytes("01_text.json")
    assert post_asgi(body, headers=signed(body))[:2] == post_django(body, **signed_headers(body))
    assert post_asgi(body, headers=signed(body))[0] == 503


def test_a_large_body_is_checked_off_the_loop_and_stored():
    body = text_webhook("long " * 60_000)[0]
    assert len(body) > webhook_asgi.INLINE_CHECK_BYTES
    status, answer, _ = post_asgi(body, headers=signed(body))
    assert status == 200
    assert bytes(WebhookEvent.objects.get(pk=answer["event"]).body) == body


def test_a_database_failure_answers_503(monkeypatch, caplog):
    def database_gone(events):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(group_commit, "insert_events", database_gone)
    body = sample_bytes("01_text.json")
    status, answer, _ = post_asgi(body, headers=signed(body))
    assert (status, answer) == (503, {"error": "Could not store the event; retry later."})
    assert "Webhook not stored: OperationalError" in caplog.text


def test_the_subscription_handshake_reaches_django():
    query = f"hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=4242"

    async def ask():
        path = f"{WEBHOOK_URL}?{query}"
        communicator = HttpCommunicator(
            application, "GET", path, headers=[(b"host", b"testserver")]
        )
        return await communicator.get_response()

    response = async_to_sync(ask)()
    assert (response["status"], response["body"]) == (200, b"4242")


def test_a_host_django_refuses_is_refused_by_django():
    body = sample_bytes("01_text.json")
    status, _, _ = post_asgi(body, headers={**signed(body), "host": "evil.example"})
    assert status == 400  # DisallowedHost, answered and logged by Django
    assert not WebhookEvent.objects.exists()


def test_plain_http_is_left_to_django_when_https_is_required(settings):
    """Django's SecurityMiddleware redirects it (301); over Render's https it is served here."""
    settings.SECURE_SSL_REDIRECT = True
    body = sample_bytes("01_text.json")
    assert served_by_django(lambda: post_asgi(body, headers=signed(body)))

    https = {**signed(body), "x-forwarded-proto": "https"}
    assert not served_by_django(lambda: post_asgi(body, headers=https))


def test_two_signature_headers_are_refused_as_django_would():
    body = sample_bytes("01_text.json")
    good = compute_signature(body, TEST_APP_SECRET)
    sent = [
        (b"host", b"testserver"),
        (b"content-length", str(len(body)).encode()),
        (b"x-hub-signature-256", b"sha256=" + b"0" * 64),
        (b"x-hub-signature-256", good.encode()),
    ]

    async def ask():
        return await HttpCommunicator(
            application, "POST", WEBHOOK_URL, body=body, headers=sent
        ).get_response()

    assert async_to_sync(ask)()["status"] == 403
    assert not WebhookEvent.objects.exists()
