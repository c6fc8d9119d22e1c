"""Start-up from scratch in production mode, exactly as `render.yaml` says (issue #8).

The web service's build command and the worker's build command run as written (`bash -c`,
the venv's `pip` and `python` first on PATH) against a brand-new PostgreSQL database and the
local Redis, with the environment the Blueprint gives (its group and service values, the
secrets the Dashboard would hold, and what Render itself sets: RENDER, PORT,
RENDER_EXTERNAL_HOSTNAME). Then both start commands run as subprocesses (the web one: a
gunicorn master and its uvicorn workers), and the test talks to the web service as Render's
edge does (Host = the service's onrender.com name, X-Forwarded-Proto, X-Forwarded-For),
checking:

* `/healthz` answers 200 over plain HTTP (Render's health check), everything else is
  redirected to HTTPS;
* the admin login page and the hashed, compressed static files it links (WhiteNoise, inside
  Django's ASGI handler under uvicorn);
* a staff user made with `createstaff` logs in through the real form (CSRF, Secure cookies);
* a signed webhook is taken, the worker stores the message, and the offline bot's reply goes
  out through the Graph transport (to a local stand-in, never Meta);
* the dashboard websocket accepts the staff session and refuses an anonymous one, and a
  second webhook's event reaches two dashboards held by two different web worker processes
  through Redis (worker publishes, every web process pushes; the table poll that would
  cover a failed push is off, so only Redis can bring it);
* an inbound photo is downloaded by the worker into the S3 bucket (a local S3-compatible
  server, MEDIA_STORAGE=s3) and served from there by the web service to the staff session.

Processes are stopped and the database dropped however the test ends.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import json
import os
import re
import secrets
import socket
import struct
import time
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import psycopg
import pytest

from tests.blueprint import (
    Launcher,
    blueprint_values,
    children,
    free_port,
    gunicorn_master,
    machine_env,
    new_database,
    run_command,
    service,
    serving_pid,
    wait_for_workers,
)
from tests.samples import media_webhook, text_webhook
from tests.standins.graph_media import b64_sha256
from webhooks.signature import compute_signature

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

# The name Render gives the web service; its edge sends it as Host.
HOST = "botproject-web.onrender.com"
EDGE_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
# A Redis database of its own, so the channel layer and the cache meet no other test's keys.
REDIS_URL = os.environ.get("RENDER_SMOKE_REDIS_URL", "redis://127.0.0.1:6379/13")
APP_SECRET = "render_smoke_app_secret_" + secrets.token_hex(8)
PHONE_NUMBER_ID = "106540352242922"
WAIT = 20.0
# Longer than channels_redis' 5 s blocking read of a waiting dashboard.
IDLE = 7.0
# Connections the kernel hands to either worker: tries before two land in different ones.
SPREAD_TRIES = 40


def wait_until(check: Callable[[], object], what: str, timeout: float = WAIT, logs=None):
    deadline = time.monotonic() + timeout
    while True:
        if result := check():
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}" + (f"\n{logs()}" if logs else ""))
        time.sleep(0.1)


class Response:
    def __init__(self, raw: http.client.HTTPResponse):
        self.status = raw.status
        self.headers = raw.headers
        self.body = raw.read()

    @property
    def text(self) -> str:
        return self.body.decode()

    def cookies(self) -> dict[str, dict]:
        """Set-Cookie by name: the value and whether it is marked Secure."""
        found = {}
        for header in self.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                found[name] = {"value": morsel.value, "secure": bool(morsel["secure"])}
        return found


def fetch(port: int, method: str, path: str, *, https: bool = True, body=None, headers=None):
    """One request to the web service as Render's edge makes it (TLS already terminated)."""
    sent = {"Host": HOST, **(EDGE_HEADERS if https else {}), **(headers or {})}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=sent)
        return Response(connection.getresponse())
    finally:
        connection.close()


class WebSocket:
    """Just enough of RFC 6455 for one client: the upgrade handshake and reading frames."""

    def __init__(self, port: int, path: str, headers: dict[str, str]):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {HOST}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *fields = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1]) if status_line else 0
        self.headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (field.partition(":") for field in fields)
        }
        expected = base64.b64encode(
            hashlib.sha1(
                (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode(), usedforsecurity=False
            ).digest()
        ).decode()
        self.accepted = self.status == 101 and self.headers.get("sec-websocket-accept") == expected

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the websocket")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = secrets.token_bytes(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        assert len(payload) < 126
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def receive_text(self, timeout: float) -> str:
        """The next text message (pings answered on the way); raises on close or timeout."""
        self.sock.settimeout(timeout)
        message = b""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._read(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._read(8))
            payload = self._read(length)
            opcode = first & 0x0F
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise ConnectionError(f"the server closed the websocket with code {code}")
            if opcode == 0x9:
                self._send(0xA, payload)
                continue
            if opcode in (0x0, 0x1):
                message += payload
                if first & 0x80:
                    return message.decode()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._send(0x8, struct.pack("!H", 1000))
        self.sock.close()


@pytest.fixture
def fresh_database() -> Iterator[str]:
    with new_database("botproject_render_smoke") as url:
        yield url


@pytest.fixture
def launch(tmp_path) -> Iterator[Launcher]:
    """Start a shell command in its own process group; all are stopped at teardown."""
    launcher = Launcher(tmp_path)
    try:
        yield launcher
    finally:
        launcher.stop_all()


def web_workers(server) -> list[int]:
    """The uvicorn worker processes of the gunicorn master that `server` (bash) started."""
    return children(gunicorn_master(server))


def dashboard_in_another_worker(
    port: int, first: WebSocket, headers: dict[str, str], server
) -> WebSocket:
    """A dashboard socket served by another worker process than `first`'s.

    The kernel gives each new connection to whichever worker accepts it first: connect
    until one lands elsewhere."""
    workers = web_workers(server)
    assert len(workers) >= 2, f"the web service runs {len(workers)} worker process(es)"
    taken = serving_pid(first.sock, port, workers)
    assert taken in workers, "the first dashboard's worker process is not found"
    for _ in range(SPREAD_TRIES):
        candidate = WebSocket(port, "/ws/dashboard/", headers)
        if serving_pid(candidate.sock, port, workers) not in (taken, None):
            return candidate
        candidate.close()
    pytest.fail(f"{SPREAD_TRIES} connections all went to worker {taken}")


def next_message_event(dashboard: WebSocket, text: str, logs: Callable[[], str]) -> dict:
    """The dashboard's event for the inbound message `text` (other events are skipped)."""
    deadline = time.monotonic() + WAIT
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"no websocket event for {text!r}\n{logs()}")
        try:
            event = json.loads(dashboard.receive_text(timeout=remaining))
        except TimeoutError:
            pytest.fail(f"no websocket event for {text!r}\n{logs()}")
        except ConnectionError as exc:
            pytest.fail(f"the dashboard dropped while waiting for {text!r}: {exc}\n{logs()}")
        if event.get("kind") == "message" and event["message"]["text"] == text:
            return event


def signed_post(port: int, body: bytes) -> Response:
    return fetch(
        port,
        "POST",
        "/webhooks/whatsapp/",
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "facebookexternalua",
            "X-Hub-Signature-256": compute_signature(body, APP_SECRET),
        },
    )


def test_the_blueprint_builds_and_starts_in_production_mode(
    fresh_database, launch, graph_standin, s3_bucket
):
    web, worker = service("web"), service("worker")
    dashboard = {
        "SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "DATABASE_URL": fresh_database,
        "REDIS_URL": REDIS_URL,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": "render-smoke-" + secrets.token_hex(8),
        "WHATSAPP_ACCESS_TOKEN": graph_standin.access_token,
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_BUSINESS_ACCOUNT_ID": "102290129340398",
        # The bucket on a local S3-compatible server instead of Supabase Storage.
        **s3_bucket.environment(),
        "OPENAI_API_KEY": "",  # the offline brain: no call leaves the machine
    }
    # Not in the Blueprint: Graph calls go to the local stand-in instead of Meta.
    outside = {"WHATSAPP_GRAPH_URL": f"{graph_standin.url}/v25.0"}
    # Nor this: with Redis the dashboard also polls the event table now and then, to recover
    # a failed push; off here, so an event can only reach a dashboard through Redis.
    web_outside = {**outside, "LIVE_EVENTS_POLL_SECONDS": "0"}
    web_env = {
        **machine_env(),
        **blueprint_values(web, dashboard),
        **web_outside,
        "RENDER_EXTERNAL_HOSTNAME": HOST,
    }
    worker_env = {**machine_env(), **blueprint_values(worker, dashboard), **outside}
    assert web_env["DEBUG"] == worker_env["DEBUG"] == "false"
    assert web_env["WHATSAPP_TRANSPORT"] == "graph"
    assert web_env["MEDIA_STORAGE"] == worker_env["MEDIA_STORAGE"] == "s3"

    # Build, as Render does on every deploy: web (deps, static files, migrations), worker.
    run_command(web["buildCommand"], web_env)
    run_command(worker["buildCommand"], worker_env)
    created = run_command("python manage.py createstaff smoke --role agent --no-input", web_env)
    password = re.search(r"^Password: (\S+)$", created, re.MULTILINE)[1]

    port = free_port()
    server, web_logs = launch("web", web["startCommand"], {**web_env, "PORT": str(port)})
    db_worker, worker_logs = launch("worker", worker["startCommand"], worker_env)

    def logs() -> str:
        return web_logs() + "\n" + worker_logs()

    def healthy():
        assert server.poll() is None, f"the web service exited with {server.returncode}\n{logs()}"
        with contextlib.suppress(OSError):
            return fetch(port, "GET", "/healthz", https=False)

    # Render's health check: plain HTTP from inside its network, exempt from the redirect.
    health = wait_until(healthy, "the web service to answer /healthz", logs=logs)
    assert health.status == 200, health.text + logs()
    assert json.loads(health.body) == {"status": "ok", "database": "ok"}
    assert db_worker.poll() is None, f"db_worker exited with {db_worker.returncode}\n{logs()}"
    # As many web workers as the Blueprint asks for, each one answering.
    workers = wait_for_workers(port, gunicorn_master(server), timeout=WAIT)
    assert len(workers) == int(web_env["WEB_CONCURRENCY"]) >= 2, logs()

    # Anything else over plain HTTP goes to HTTPS.
    insecure = fetch(port, "GET", "/admin/login/", https=False)
    assert insecure.status == 301
    assert insecure.headers["Location"] == f"https://{HOST}/admin/login/"

    # The admin login page, behind Render's TLS, with HSTS and a Secure CSRF cookie.
    login_page = fetch(port, "GET", "/admin/login/?next=/admin/")
    assert login_page.status == 200, login_page.text[-2000:] + logs()
    assert 'name="username"' in login_page.text and 'name="password"' in login_page.text
    assert "max-age=31536000" in login_page.headers["Strict-Transport-Security"]
    csrf_cookie = login_page.cookies()["csrftoken"]
    assert csrf_cookie["secure"]
    # The stylesheet it links is collectstatic's hashed copy, served compressed by WhiteNoise.
    stylesheet = re.search(r'href="(/static/admin/css/[\w/]+\.[0-9a-f]{12}\.css)"', login_page.text)
    assert stylesheet, "the login page links no hashed admin stylesheet"
    css = fetch(port, "GET", stylesheet[1], headers={"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.headers["Content-Encoding"] == "gzip"
    assert "immutable" in css.headers["Cache-Control"]

    # A signed inbound text: taken at once, stored by the worker, answered by the bot
    # through the Graph transport.
    wa_id = "1555" + "".join(secrets.choice("0123456789") for _ in range(7))
    body, wamid = text_webhook("Hello, I would like a quote", wa_id=wa_id)
    answer = signed_post(port, body)
    assert answer.status == 200, answer.text + logs()

    # Meanwhile (the bot waits out its burst window), log in as the staff user...
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)[1]
    form = urlencode(
        {"csrfmiddlewaretoken": token, "username": "smoke", "password": password, "next": "/admin/"}
    )
    login = fetch(
        port,
        "POST",
        "/admin/login/?next=/admin/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie['value']}",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}/admin/login/?next=/admin/",
        },
    )
    assert login.status == 302, login.text[-2000:] + logs()
    assert login.headers["Location"] == "/admin/"
    session = login.cookies()["sessionid"]
    assert session["secure"]

    # ... and open the dashboard's websocket as the browser would (anonymous is refused).
    ws_headers = {**EDGE_HEADERS, "Origin": f"https://{HOST}"}
    anonymous = WebSocket(port, "/ws/dashboard/", ws_headers)
    anonymous.close()
    assert anonymous.status == 403
    ws = WebSocket(
        port, "/ws/dashboard/", {**ws_headers, "Cookie": f"sessionid={session['value']}"}
    )
    opened = [ws]
    try:
        assert ws.accepted, f"handshake answered {ws.status} {ws.headers}\n{logs()}"

        with psycopg.connect(fresh_database, autocommit=True) as conn:

            def stored(sql: str, *params):
                return conn.execute(sql, params).fetchone()

            inbound = wait_until(
                lambda: stored(
                    "SELECT direction, sender, text FROM conversations_message WHERE wamid = %s",
                    wamid,
                ),
                "the worker to store the inbound message",
                logs=logs,
            )
            assert inbound == ("in", "user", "Hello, I would like a quote")
            wait_until(lambda: graph_standin.accepted, "the bot's reply to reach Graph", logs=logs)
            reply_wamid, reply = graph_standin.accepted[0]
            assert reply["to"] == f"+{wa_id}" and reply["text"]["body"]
            assert graph_standin.requests[0].path == f"/v25.0/{PHONE_NUMBER_ID}/messages"
            outbound = wait_until(
                lambda: stored(
                    "SELECT direction, sender, text FROM conversations_message WHERE wamid = %s",
                    reply_wamid,
                ),
                "the sent reply to be recorded with Meta's wamid",
                logs=logs,
            )
            assert outbound == ("out", "bot", reply["text"]["body"])

        # A second dashboard, held by the other web worker process than the first.
        other = dashboard_in_another_worker(
            port, ws, {**ws_headers, "Cookie": f"sessionid={session['value']}"}, server
        )
        opened.append(other)
        assert other.accepted, f"handshake answered {other.status} {other.headers}\n{logs()}"

        # Both stay quiet for longer than the channel layer's blocking Redis read (5 s): an
        # idle dashboard must keep its connection, not drop it at the first timeout.
        time.sleep(IDLE)
        # A second webhook: the worker's event crosses Redis to both web processes' sockets.
        text = f"Second message {secrets.token_hex(4)}"
        body, _ = text_webhook(text, wa_id=wa_id)
        assert signed_post(port, body).status == 200
        for dashboard in (ws, other):
            event = next_message_event(dashboard, text, logs)
            assert event["message"]["direction"] == "in"
    finally:
        for dashboard in opened:
            dashboard.close()

    # A photo: the worker (its own machine on Render) stores it in the bucket, and the web
    # service streams it from there to the logged-in agent.
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + secrets.token_bytes(64 * 1024)
    graph_standin.media["7200000000000001"] = (photo, "image/jpeg")
    body, photo_wamid = media_webhook(
        "image", media_id="7200000000000001", sha256=b64_sha256(photo), wa_id=wa_id
    )
    assert signed_post(port, body).status == 200
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        media_pk, file_name = wait_until(
            lambda: conn.execute(
                "SELECT media.id, media.file FROM conversations_messagemedia media"
                " JOIN conversations_message message ON message.id = media.message_id"
                " WHERE message.wamid = %s AND media.state = 'stored'",
                (photo_wamid,),
            ).fetchone(),
            "the worker to store the photo",
            logs=logs,
        )
    assert s3_bucket.read(file_name) == photo
    served = fetch(
        port,
        "GET",
        f"/admin/media/{media_pk}/",
        headers={"Cookie": f"sessionid={session['value']}"},
    )
    assert served.status == 200, served.text[-2000:] + logs()
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.body == photo

    assert server.poll() is None and db_worker.poll() is None, logs()
