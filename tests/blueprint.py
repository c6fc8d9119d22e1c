"""render.yaml as the production tests run it: its services' environment and commands, a
brand-new PostgreSQL database, the started processes, and which web worker holds a socket.

Shared by tests/test_render_startup.py (start-up from scratch) and
tests/test_graceful_shutdown.py (SIGTERM during load), so both run exactly what the
Blueprint says rather than a copy of its start command.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
BLUEPRINT = yaml.safe_load((ROOT / "render.yaml").read_text())
VENV_BIN = ROOT / ".venv" / "bin"
# Render runs build and start commands with bash.
BASH = shutil.which("bash") or "/bin/bash"
# Inherited from this machine (pip's own settings, locale, proxies); nothing of Django's.
PASSED_THROUGH = re.compile(
    r"^(HOME|USER|LOGNAME|TMPDIR|TZ|LANG|LC_\w+|PIP_\w+|SSL_CERT_\w+|REQUESTS_CA_BUNDLE"
    r"|(?i:https?_proxy|no_proxy))$"
)
BUILD_TIMEOUT = 120
STOP_TIMEOUT = 10


def service(kind: str) -> dict:
    [found] = [entry for entry in BLUEPRINT["services"] if entry["type"] == kind]
    return found


def blueprint_values(entry: dict, dashboard: dict[str, str]) -> dict[str, str]:
    """The variables Render gives one service: group and own values, secrets from the
    Dashboard (`dashboard`) for every key the Blueprint leaves to it."""
    variables: list[dict] = []
    for var in entry.get("envVars", []):
        if "fromGroup" in var:
            [group] = [g for g in BLUEPRINT["envVarGroups"] if g["name"] == var["fromGroup"]]
            variables += group["envVars"]
        else:
            variables.append(var)
    values = {}
    for var in variables:
        if "value" in var:
            values[var["key"]] = str(var["value"])
        else:  # generateValue, fromService or set in the Dashboard
            assert var["key"] in dashboard, f"the test has no value for {var['key']}"
            values[var["key"]] = dashboard[var["key"]]
    return values


def machine_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if PASSED_THROUGH.match(key)}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        VIRTUAL_ENV=str(VENV_BIN.parent),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PYTHONUNBUFFERED="1",
        RENDER="true",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_command(command: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [BASH, "-c", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"`{command}` failed:\n{output[-4000:]}"
    return output


@contextlib.contextmanager
def new_database(prefix: str) -> Iterator[str]:
    """A new, empty database on the test server; dropped (connections and all) afterwards."""
    db = settings.DATABASES["default"]
    server = psycopg.conninfo.make_conninfo(
        host=db["HOST"] or "127.0.0.1",
        port=str(db["PORT"] or 5432),
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        dbname="postgres",
    )
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] or "postgres"
    if db["PASSWORD"]:
        auth += f":{db['PASSWORD']}"
    try:
        yield f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Launcher:
    """Starts shell commands in their own process groups and stops every one at `stop_all`."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.started: list[subprocess.Popen] = []

    def __call__(
        self, name: str, command: str, env: dict[str, str]
    ) -> tuple[subprocess.Popen, Callable[[], str]]:
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [BASH, "-c", command],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process)

        def logs() -> str:
            return f"--- {name} log ---\n" + log_path.read_text(errors="replace")[-4000:]

        return process, logs

    def stop_all(self) -> None:
        for process in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=STOP_TIMEOUT)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (a gunicorn master's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name, which is in parentheses and may hold spaces.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def command_line(pid: int) -> list[str]:
    return (Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0") or b"").decode().split("\0")


def gunicorn_master(process: subprocess.Popen) -> int:
    """The gunicorn master a start command launched: bash itself when it exec'd the one
    command (bash does for `bash -c "gunicorn ..."`), else bash's gunicorn child."""
    for pid in [process.pid, *children(process.pid)]:
        if any("gunicorn" in part for part in command_line(pid)[:2]):
            return pid
    raise AssertionError(f"no gunicorn process under {process.pid}: {command_line(process.pid)}")


def serving_pid(sock: socket.socket, server_port: int, candidates: list[int]) -> int | None:
    """Which of `candidates` holds the server end of the TCP connection `sock` (IPv4 only)."""
    client_port = sock.getsockname()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)
        if local == server_port and remote == client_port:
            inode = fields[9]
            break
    if inode is None:
        return None
    for pid in candidates:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
    return None


def wait_for_workers(port: int, master: int, timeout: float) -> list[int]:
    """Until every worker of the gunicorn `master` has answered a /healthz on `port` (a
    worker still booting takes no connection yet); its worker pids."""
    workers = children(master)
    answered: set[int] = set()
    deadline = time.monotonic() + timeout
    while answered != set(workers):
        assert time.monotonic() < deadline, f"workers {set(workers) - answered} never answered"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 2) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            if sock.recv(64).startswith(b"HTTP/1.1 200") and (
                pid := serving_pid(sock, port, workers)
            ):
                answered.add(pid)
        time.sleep(0.02)
    return workers
