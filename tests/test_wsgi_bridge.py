"""HTTP from the event loop to Django's WSGI handler (botproject/wsgi_bridge.py).

Pages come through whole and alike, small ones in one message; a large upload reaches the app
whole, read in pieces or by lines; a large or streamed response goes out in chunks as it is
produced; the environ carries what Django needs (path, query, headers, client address).
"""

from __future__ import annotations

import hashlib
import json

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.test import Client

from botproject import wsgi_bridge
from botproject.asgi import django_application
from botproject.wsgi_bridge import WSGIBridge

MIB = 1024 * 1024


def exchange(app, *, method="GET", path="/", query=b"", headers=(), body_chunks=(b"",)):
    """Send one request to an ASGI app: (start message, body messages)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("203.0.113.7", 50123),
        "server": ("testserver", 80),
    }

    async def run():
        communicator = ApplicationCommunicator(app, scope)
        chunks = list(body_chunks)
        for index, chunk in enumerate(chunks):
            more = index < len(chunks) - 1
            await communicator.send_input(
                {"type": "http.request", "body": chunk, "more_body": more}
            )
        start = await communicator.receive_output(10)
        bodies = [await communicator.receive_output(10)]
        while bodies[-1].get("more_body"):
            bodies.append(await communicator.receive_output(10))
        await communicator.wait(10)
        return start, bodies

    return async_to_sync(run)()


@pytest.mark.django_db
def test_a_django_page_comes_through_as_the_test_client_sees_it():
    start, bodies = exchange(django_application, path="/admin/login/")
    expected = Client().get("/admin/login/")

    assert start["status"] == expected.status_code == 200
    assert len(bodies) == 1, "a small page goes out in one message"
    page = bodies[0]["body"].decode()
    assert "csrfmiddlewaretoken" in page and "<form" in page
    headers = dict(start["headers"])
    assert headers[b"content-type"] == expected["Content-Type"].encode()
    assert headers[b"x-frame-options"] == b"DENY"


def echo_app(environ, start_response):
    """Tells what it got: the environ's WSGI keys, and the body's size and digest."""
    stream = environ["wsgi.input"]
    if environ.get("HTTP_X_READ") == "lines":
        data = b"".join(iter(lambda: stream.readline(70_000), b""))
    else:
        data = b"".join(iter(lambda: stream.read(300_000), b""))
    seen = {key: value for key, value in environ.items() if isinstance(value, str)}
    seen.update(size=len(data), sha=hashlib.sha256(data).hexdigest())
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(seen).encode()]


@pytest.mark.parametrize("read", ["pieces", "lines"])
def test_a_large_upload_reaches_the_app_whole(read, monkeypatch):
    monkeypatch.setattr(wsgi_bridge, "BUFFERED_BYTES", 256 * 1024)
    line = b"x" * 99_999 + b"\n"
    chunks = [line * 3 for _ in range(5)]  # 1.5 MB in 5 messages, past the buffered start
    body = b"".join(chunks)

    _, bodies = exchange(
        WSGIBridge(echo_app, threads=2),
        method="POST",
        headers=[(b"x-read", read.encode())],
        body_chunks=chunks,
    )
    seen = json.loads(bodies[0]["body"])
    assert (seen["size"], seen["sha"]) == (len(body), hashlib.sha256(body).hexdigest())


def test_the_environ_carries_path_query_headers_and_client():
    _, bodies = exchange(
        WSGIBridge(echo_app, threads=1),
        method="POST",
        path="/caf\u00e9/",
        query=b"q=1&r=%C3%A9",
        headers=[
            (b"content-type", b"text/plain"),
            (b"content-length", b"5"),
            (b"accept", b"text/html"),
            (b"accept", b"application/json"),
        ],
        body_chunks=[b"hello"],
    )
    seen = json.loads(bodies[0]["body"])
    assert seen["PATH_INFO"] == "/caf\u00e9/".encode().decode("latin-1")  # PEP 3333 strings
    assert seen["QUERY_STRING"] == "q=1&r=%C3%A9"
    assert (seen["CONTENT_TYPE"], seen["CONTENT_LENGTH"]) == ("text/plain", "5")
    assert seen["HTTP_ACCEPT"] == "text/html,application/json"
    assert (seen["REMOTE_ADDR"], seen["SERVER_NAME"]) == ("203.0.113.7", "testserver")
    assert (seen["REQUEST_METHOD"], seen["size"]) == ("POST", 5)


def test_a_large_streamed_response_goes_out_in_chunks_as_produced(monkeypatch):
    monkeypatch.setattr(wsgi_bridge, "BUFFERED_BYTES", 256 * 1024)
    produced = []

    def streaming_app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/csv")])
        for index in range(6):
            produced.append(index)
            yield bytes([65 + index]) * 100_000

    start, bodies = exchange(WSGIBridge(streaming_app, threads=1))
    assert start["status"] == 200
    assert b"".join(message["body"] for message in bodies) == b"".join(
        bytes([65 + index]) * 100_000 for index in range(6)
    )
    assert len([message for message in bodies if message["body"]]) >= 2, "sent as it grew"
    assert bodies[-1]["more_body"] is False


def test_an_app_that_fails_before_answering_fails_the_request():
    """The exception reaches the server, which answers 500 and logs it; nothing is sent."""

    def broken_app(environ, start_response):
        raise RuntimeError("boom")

    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []}
    with pytest.raises(RuntimeError, match="boom"):
        async_to_sync(WSGIBridge(broken_app, threads=1))(scope, receive, send)
    assert sent == []
