"""What every benchmark here needs: a free port, a fresh database, a server that answers.

Benchmarks only ever talk to this machine (127.0.0.1) and stop what they start.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Databases a benchmark must never drop: the project's own and PostgreSQL's.
PROTECTED_DATABASES = {"botproject", "postgres"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def start_daphne(port: int, env: dict[str, str], output) -> subprocess.Popen:
    """The web server as production runs it (proxy headers on), on 127.0.0.1:`port`."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "--proxy-headers",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "botproject.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=output,
    )


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
