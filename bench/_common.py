"""What every benchmark here needs: a free port, a fresh database, the production environment,
a server that answers, signed webhook POSTs fired at it, and a task worker that drains the queue.

Benchmarks only ever talk to this machine (127.0.0.1) and stop what they start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from webhooks.signature import compute_signature

ROOT = Path(__file__).resolve().parent.parent
# Databases a benchmark must never drop: the project's own and PostgreSQL's.
PROTECTED_DATABASES = {"botproject", "postgres"}
# Made up per run: the servers check Meta's signature with it, the bench signs with it.
APP_SECRET = "bench_app_secret_" + secrets.token_hex(8)
WEBHOOK_PATH = "/webhooks/whatsapp/"
# Settings the servers never inherit from the shell: the bench sets them as production does.
OWN_PREFIXES = ("DJANGO_", "DEBUG", "DATABASE", "WHATSAPP_", "OPENAI_")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_database_option(parser: argparse.ArgumentParser, default: str) -> None:
    """`--database-url`: BENCH_DATABASE_URL if set, else the bench's own database."""
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", default))


def require_local(database_url: str) -> None:
    if "127.0.0.1" not in database_url and "localhost" not in database_url:
        raise SystemExit("the bench only talks to a local database (127.0.0.1)")


def recreate_database(database_url: str, env: dict[str, str]) -> None:
    """Drop and create the benchmark's own database, then migrate it."""
    import psycopg

    name = database_url.rsplit("/", 1)[1].split("?", 1)[0]
    if name in PROTECTED_DATABASES or name.startswith("template"):
        raise SystemExit(f"refusing to drop database {name!r}: give the bench its own")
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if migrate.returncode:
        raise SystemExit(f"migrate failed:\n{migrate.stdout}{migrate.stderr}")


def production_env(
    database_url: str, *, drop: tuple[str, ...] = (), **settings: str
) -> dict[str, str]:
    """Production settings as the servers get them (`bench.settings`, DEBUG off), plus the
    bench's own `settings`; the shell's values for these, or under a `drop` prefix, are left out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES + drop)}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        WHATSAPP_APP_SECRET=APP_SECRET,
        PYTHONPATH=str(ROOT),
        **settings,
    )
    return env


def worker_env(env: dict[str, str], **settings: str) -> dict[str, str]:
    # The worker's pool in production is 4 (render.yaml: web 2 x 4, worker 4).
    return {**env, "DB_POOL_MAX_SIZE": "4", **settings}


def start_production(port: int, env: dict[str, str], output) -> subprocess.Popen:
    """The web service as render.yaml runs it: gunicorn_conf.py, WEB_CONCURRENCY uvicorn
    workers (default: one per core), on 127.0.0.1:`port`. Stop it with `stop_server`."""
    from bench._servers import default_workers

    return start_server("uvicorn", port, env, output, default_workers())


def start_server(
    kind: str, port: int, env: dict[str, str], output, workers: int
) -> subprocess.Popen:
    """Server `kind` (see bench/_servers.py) with `workers` processes, in its own process group
    so that `stop_server` can make sure none of its workers outlives the run."""
    from bench._servers import command

    return subprocess.Popen(
        command(kind, port, workers),
        cwd=ROOT,
        env={**env, "WEB_CONCURRENCY": str(workers)},
        stdout=output,
        stderr=output,
        start_new_session=True,
    )


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM to the server (a master stops its own workers), then what is left of its group."""
    stop(process)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def wait_for(port: int, timeout: float = 30) -> None:
    """Until the server on `port` answers its health check."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not come up")


def start_worker(env: dict[str, str], output, *options: str) -> subprocess.Popen:
    """`manage.py db_worker` as production runs it, with `options` (`--batch`, `--interval`)."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", *options],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=output,
    )


class PeakRss:
    """A process's VmHWM (its own peak resident set), polled from /proc while it runs."""

    def __init__(self, pid: int):
        self.pid, self.peak = pid, 0
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        status = Path(f"/proc/{self.pid}/status")
        while True:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak = max(self.peak, int(line.split()[1]) * 1024)
            except (OSError, ValueError):
                return
            time.sleep(0.05)

    def join(self) -> int:
        self._thread.join(timeout=2)
        return self.peak


@dataclass(frozen=True)
class Drained:
    cpu_seconds: float  # the worker's user + system time
    peak_rss: int  # bytes; 0 unless asked for, since polling /proc costs the bench some CPU


def drain(env: dict[str, str], log, *, timeout: float, track_rss: bool = False) -> Drained:
    """One worker in batch mode: it exits when no task is left to run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker = start_worker(env, log, "--batch")
    rss = PeakRss(worker.pid) if track_rss else None
    try:
        worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"the worker did not drain the queue in {timeout:.0f} s") from None
    finally:
        stop(worker)
    if worker.returncode:
        raise SystemExit(f"the worker failed ({worker.returncode}); see {log.name}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Drained(
        cpu_seconds=after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
        peak_rss=rss.join() if rss else 0,
    )


def build_request(body: bytes, path: str = WEBHOOK_PATH) -> bytes:
    """One complete keep-alive HTTP/1.1 POST, signed as Meta signs it."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: facebookexternalua\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        # What Render's TLS proxy adds: production settings redirect plain HTTP to HTTPS.
        "X-Forwarded-For: 173.252.127.1\r\nX-Forwarded-Proto: https\r\n"
        f"X-Hub-Signature-256: {compute_signature(body, APP_SECRET)}\r\n\r\n"
    )
    return head.encode("ascii") + body


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response off a keep-alive connection; return its status."""
    return (await read_response_head(reader))[0]


async def read_response_head(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; its status, and whether the server closes the connection
    after it (gunicorn's sync workers do after every request)."""
    head = await reader.readuntil(b"\r\n\r\n")
    fields = head.lower()
    closes = b"\r\nconnection: close" in fields
    if b"\r\ncontent-length:" in fields:
        length = int(fields.split(b"\r\ncontent-length:", 1)[1].split(b"\r\n", 1)[0])
        await reader.readexactly(length)
    elif b"\r\ntransfer-encoding: chunked" in fields:
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    return int(head[9:12]), closes


async def fire(
    port: int, requests: list[bytes], clients: int, rate: float = 0
) -> tuple[list[float], dict[int, int]]:
    """Send every request once from `clients` keep-alive connections, at most `rate`/s if set;
    each request's latency and the count of each status."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    pending = iter(enumerate(requests))
    clock = time.perf_counter
    began = time.monotonic()

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.transport.get_extra_info("socket").setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
        )
        return reader, writer

    async def client() -> None:
        reader, writer = await connect()
        for index, request in pending:
            if rate and (delay := began + index / rate - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            started = clock()
            if writer is None:  # the server closed the last one: a new connection, timed
                reader, writer = await connect()
            writer.write(request)
            status, closes = await read_response_head(reader)
            latencies.append(clock() - started)
            statuses[status] = statuses.get(status, 0) + 1
            if closes:
                writer.close()
                writer = None
        if writer is not None:
            writer.close()
            await writer.wait_closed()

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, statuses


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")
