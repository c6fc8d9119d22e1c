"""The product as production runs it, for browser tests that need websockets and the worker.

pytest-django's `live_server` is a WSGI thread inside the test process: no websockets, no
task worker. `ProductServer` starts `daphne botproject.asgi:application` and
`manage.py db_worker` as subprocesses on the test's own PostgreSQL database (the SQLite test
database lives in the test process's memory, so tests using this are `postgres`-only and
transactional: the subprocesses only see committed rows).

Static files: plain daphne does not run `runserver`'s static handler, but with DEBUG on,
WhiteNoise (in MIDDLEWARE) serves them through the staticfiles finders, without
`collectstatic`. The web process can be stopped and started again on the same port while
the worker keeps running, as when a web dyno restarts.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parents[2]
# Settings of the test process that must not leak into the servers' own.
_OWN_PREFIXES = (
    "DJANGO_",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DB_POOL_",
    "REDIS_URL",
    "LIVE_EVENTS_",
    "TASKS_BACKEND",
    "WHATSAPP_",
    "OPENAI_",
    "BOT_",
    "LOG_LEVEL",
    "RENDER",
)
ASGI_APPLICATION = "botproject.asgi:application"  # what production's start command serves
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database `settings_dict` (Django's connection settings) names."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def server_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
    env.update(DJANGO_SETTINGS_MODULE="botproject.settings", PYTHONPATH=str(ROOT), **overrides)
    return env


@contextlib.contextmanager
def running_product(settings_dict: dict, log_dir: Path, **env: str) -> Iterator[ProductServer]:
    """daphne + db_worker on the database `settings_dict` names (the test's), with `env`;
    stopped before the test's database is flushed, their logs printed (pytest shows them
    only when the test fails)."""
    server = ProductServer(
        server_env(
            # DEBUG: WhiteNoise serves the static files from the finders, no collectstatic.
            DEBUG="true",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=database_url(settings_dict),
            **env,
        ),
        log_dir,
    )
    with server.running():
        yield server


class ProductServer:
    """daphne (stoppable and restartable on one port) plus one `db_worker`, with logs."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self._starts = 0

    def _spawn(self, args: list[str], log_name: str) -> subprocess.Popen:
        with (self.log_dir / log_name).open("ab") as log:
            # Same session as pytest: Ctrl-C stops the servers too, even if teardown hangs.
            return subprocess.Popen(
                [sys.executable, *args],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def start_worker(self) -> None:
        self.worker = self._spawn(
            [
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
            ],
            "worker.log",
        )

    def start_web(self) -> None:
        """Start daphne and wait until /healthz answers 200 (the database is reachable)."""
        self._starts += 1
        self.web = self._spawn(
            ["-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), ASGI_APPLICATION],
            f"daphne-{self._starts}.log",
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.web.returncode}:\n{self.logs()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"daphne did not answer /healthz in {START_TIMEOUT} s:\n{self.logs()}")

    def stop_web(self) -> None:
        _stop(self.web)
        self.web = None

    def stop(self) -> None:
        """Stop everything; safe to call twice, and after a failed start."""
        try:
            self.stop_web()
        finally:
            _stop(self.worker)
            self.worker = None

    @contextlib.contextmanager
    def running(self) -> Iterator[ProductServer]:
        """Worker and web started, stopped on the way out, their logs printed (pytest shows
        them only when the test fails)."""
        try:
            self.start_worker()
            self.start_web()
            yield self
        finally:
            self.stop()
            print(self.logs())

    def check_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is not None:
            raise RuntimeError(f"db_worker exited with {self.worker.returncode}:\n{self.logs()}")

    def logs(self, tail: int = 4000) -> str:
        parts = []
        for path in sorted(self.log_dir.glob("*.log")):
            text = path.read_text(errors="replace")
            parts.append(f"--- {path.name} ---\n{text[-tail:]}")
        return "\n".join(parts)


def _stop(process: subprocess.Popen | None) -> None:
    """SIGTERM the process (daphne and `db_worker --no-reload` fork nothing), then SIGKILL."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)
