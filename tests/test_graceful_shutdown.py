"""SIGTERM during load loses no webhook that was answered 200 (issue #15).

Render stops the old instance of every deploy with SIGTERM while Meta keeps posting. The web
service's start command from `render.yaml` (a gunicorn master and 2 uvicorn workers) runs
on a brand-new PostgreSQL database; several keep-alive clients post signed webhooks as fast
as it answers, and the master gets SIGTERM mid-load. Then:

* every answer the clients got was a 200, and every 200 names a stored event with exactly
  the body that was posted, pending in the event queue for the worker;
* answers kept coming after the signal (requests the workers had taken were finished, not
  cut off), and nothing was stored that the clients were not told about; a request no
  worker had read yet gets no answer at all, and Meta sends it again;
* the server exited by itself (status 0) within gunicorn's graceful timeout.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from botproject import gunicorn_conf
from tests.blueprint import (
    Launcher,
    blueprint_values,
    free_port,
    gunicorn_master,
    machine_env,
    new_database,
    run_command,
    service,
    wait_for_workers,
)
from tests.samples import text_webhook
from webhooks.signature import compute_signature

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

HOST = "botproject-web.onrender.com"
APP_SECRET = "graceful_app_secret_" + secrets.token_hex(8)
# A Redis database of its own: the web service's cache and channel layer live there.
REDIS_URL = os.environ.get("GRACEFUL_REDIS_URL", "redis://127.0.0.1:6379/14")
CLIENTS = 6
# Answers before the signal, so the load is well under way when it comes.
WARM_UP = 40
START_TIMEOUT = 30.0


@dataclass
class Answer:
    status: int
    event_id: int | None
    body: bytes
    at: float  # time.monotonic() when the answer was read


class Client(threading.Thread):
    """Posts signed webhooks over one keep-alive connection (reconnecting when the server
    closes it) until the server refuses connections or `stop` is set."""

    def __init__(self, port: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.port = port
        self.stop = stop
        self.answers: list[Answer] = []
        self.unanswered = 0

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            while not self.stop.is_set():
                body, _ = text_webhook(f"Load {secrets.token_hex(6)}", wa_id=_wa_id())
                try:
                    connection.request("POST", "/webhooks/whatsapp/", body, _headers(body))
                    response = connection.getresponse()
                    data = response.read()
                except ConnectionRefusedError:
                    return  # the server is gone: nothing left to send to
                except (OSError, http.client.HTTPException):
                    # Closed before answering: as Meta sees it, not delivered.
                    self.unanswered += 1
                    connection.close()
                    continue
                event_id = json.loads(data).get("event") if response.status == 200 else None
                self.answers.append(Answer(response.status, event_id, body, time.monotonic()))
        finally:
            connection.close()


def _wa_id() -> str:
    return "1555" + "".join(secrets.choice("0123456789") for _ in range(7))


def _headers(body: bytes) -> dict[str, str]:
    """What Meta sends through Render's edge (TLS already terminated there)."""
    return {
        "Host": HOST,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "173.252.127.1",
        "Content-Type": "application/json",
        "User-Agent": "facebookexternalua",
        "X-Hub-Signature-256": compute_signature(body, APP_SECRET),
    }


def healthy(port: int) -> bool:
    with (
        contextlib.suppress(OSError),
        socket.create_connection(("127.0.0.1", port), timeout=2) as sock,
    ):
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        return sock.recv(64).startswith(b"HTTP/1.1 200")
    return False


@pytest.fixture
def fresh_database() -> Iterator[str]:
    with new_database("botproject_graceful") as url:
        yield url


@pytest.fixture
def launch(tmp_path) -> Iterator[Launcher]:
    launcher = Launcher(tmp_path)
    try:
        yield launcher
    finally:
        launcher.stop_all()


def test_sigterm_during_load_keeps_every_webhook_answered_200(fresh_database, launch):
    web = service("web")
    dashboard = {
        "SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "DATABASE_URL": fresh_database,
        "REDIS_URL": REDIS_URL,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": secrets.token_hex(8),
        "WHATSAPP_ACCESS_TOKEN": "unused",
        "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
        "WHATSAPP_BUSINESS_ACCOUNT_ID": "102290129340398",
        # Storing a webhook touches no bucket; the settings only want one named.
        "MEDIA_S3_BUCKET": "unused",
        "MEDIA_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "MEDIA_S3_REGION": "us-east-1",
        "MEDIA_S3_ACCESS_KEY_ID": "unused",
        "MEDIA_S3_SECRET_ACCESS_KEY": "unused",
        "OPENAI_API_KEY": "",
    }
    port = free_port()
    env = {
        **machine_env(),
        **blueprint_values(web, dashboard),
        "RENDER_EXTERNAL_HOSTNAME": HOST,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    run_command("python manage.py migrate --no-input", env)
    process, logs = launch("web", web["startCommand"], env)
    deadline = time.monotonic() + START_TIMEOUT
    while not healthy(port):
        assert process.poll() is None, f"the web service exited\n{logs()}"
        assert time.monotonic() < deadline, f"no /healthz answer\n{logs()}"
        time.sleep(0.1)
    master = gunicorn_master(process)
    workers = wait_for_workers(port, master, timeout=START_TIMEOUT)
    assert len(workers) == 2, f"{len(workers)} web workers\n{logs()}"

    stop = threading.Event()
    clients = [Client(port, stop) for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while sum(len(client.answers) for client in clients) < WARM_UP:
            assert time.monotonic() < deadline, f"the load never got going\n{logs()}"
            time.sleep(0.01)
        signalled = time.monotonic()
        os.kill(master, signal.SIGTERM)
        status = process.wait(timeout=gunicorn_conf.graceful_timeout + 10)
        stopped_after = time.monotonic() - signalled
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=30)

    answers = [answer for client in clients for answer in client.answers]
    assert status == 0, f"the web service exited with {status}\n{logs()}"
    assert stopped_after < gunicorn_conf.graceful_timeout, logs()
    assert {answer.status for answer in answers} == {200}, logs()
    assert any(answer.at > signalled for answer in answers), "the load had ended before SIGTERM"

    answered = {answer.event_id: answer.body for answer in answers}
    assert len(answered) == len(answers), "two answers named the same event"
    with psycopg.connect(fresh_database) as conn:
        stored = {
            event_id: bytes(body)
            for event_id, body in conn.execute("SELECT id, body FROM webhooks_webhookevent")
        }
        outcomes = {
            outcome
            for (outcome,) in conn.execute("SELECT DISTINCT outcome FROM webhooks_webhookevent")
        }
    assert stored == answered, (
        f"{len(set(answered) - set(stored))} answered 200 but not stored, "
        f"{len(set(stored) - set(answered))} stored without an answer"
    )
    assert outcomes == {"pending"}, "every stored event waits for the worker"
