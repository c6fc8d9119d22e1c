"""README's first ten minutes, through the real `manage.py devserver` in a subprocess (issue 21).

Each test starts devserver as README's first command does (on a SQLite file of its own and
a free port), talks to it as a newcomer would, and reads what the terminal shows.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
README = (ROOT / "README.md").read_text()
APP_SECRET = "local-secret"  # README's value
KEPT_ENV = ("PATH", "HOME", "LANG", "TMPDIR", "TZ")
STARTED = "Listening on TCP address"
WAIT = 30.0
BASH = shutil.which("bash") or "/bin/bash"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Devserver:
    """`manage.py devserver` as typed in a terminal: its own process group, Ctrl-C armed."""

    def __init__(self, tmp_path: Path, migrated: Path, *args: str, **env: str):
        self.port = free_port()
        self.database = tmp_path / "db.sqlite3"
        shutil.copyfile(migrated, self.database)
        self.env = terminal_env(DATABASE_URL=f"sqlite:///{self.database}", **env)
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [str(PYTHON), "manage.py", "devserver", f"127.0.0.1:{self.port}", *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            process_group=0,
            # A shell's background job ignores SIGINT; a terminal's foreground job does not.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = WAIT) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output)
            if found:
                return found
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"devserver never printed {pattern!r}:\n{self.output}")

    def press_ctrl_c(self, timeout: float = WAIT) -> int:
        os.killpg(self.process.pid, signal.SIGINT)
        code = self.process.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return code

    def stop(self) -> None:
        """Kill what is left, children too: they run in process groups of their own, and a
        test that failed must not leave a server or a worker behind on the machine."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for pid in self.servers_left() + self.workers_left():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def workers_left(self) -> list[int]:
        """Pids of `db_worker` processes still running on this test's database."""
        left = []
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                cmdline = (entry / "cmdline").read_bytes()
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if b"db_worker" in cmdline and str(self.database).encode() in environ:
                left.append(int(entry.name))
        return left

    def servers_left(self) -> list[int]:
        """Pids of `runserver` processes still serving this test's port."""
        address = f"127.0.0.1:{self.port}".encode()
        left = []
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"runserver" in cmdline and address in cmdline:
                left.append(int(entry.name))
        return left


def terminal_env(**env: str) -> dict[str, str]:
    kept = {name: os.environ[name] for name in KEPT_ENV if name in os.environ}
    return kept | {"PYTHONUNBUFFERED": "1"} | env


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory) -> Path:
    """One migrated SQLite file, copied for each devserver: its own migrate is then a no-op."""
    database = tmp_path_factory.mktemp("devserver") / "migrated.sqlite3"
    subprocess.run(
        [str(PYTHON), "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=terminal_env(DATABASE_URL=f"sqlite:///{database}"),
        check=True,
        timeout=120,
    )
    return database


@pytest.fixture
def devserver(tmp_path, migrated_database):
    started: list[Devserver] = []

    def start(*args: str, **env: str) -> Devserver:
        server = Devserver(tmp_path, migrated_database, *args, **env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def readme_webhook_sample(port: int) -> str:
    """The second-shell part of README's "Try it locally" under "The WhatsApp webhook"."""
    section = README.split("## The WhatsApp webhook", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    second_shell = block.split("# in a second shell", 1)[1].split("\n", 1)[1]
    return second_shell.replace("127.0.0.1:8000", f"127.0.0.1:{port}")


def test_readmes_webhook_sample_gets_a_bot_reply_shown_once_in_the_devserver_terminal(devserver):
    server = devserver(WHATSAPP_APP_SECRET=APP_SECRET, BOT_BURST_SECONDS="0")
    server.wait_for(STARTED)

    posted = subprocess.run(
        [BASH, "-c", readme_webhook_sample(server.port)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )

    assert posted.returncode == 0, posted.stderr
    assert '"status": "received"' in posted.stdout
    reply = server.wait_for(r"Console transport: text to 15550001111: (.+)")
    # The offline brain asks Alice (who gave nothing yet) for her name.
    assert "name" in reply.group(1)
    assert "131047" not in server.output
    # The bot's turn sends its reply itself: the answer task ends after the send.
    server.wait_for(r"answer_conversation_task state=SUCCESSFUL")
    server.press_ctrl_c()

    assert "Traceback" not in server.output
    assert server.workers_left() == []
    assert server.servers_left() == []
    # The worker says what it made of the event, once.
    assert len(re.findall(r"Webhook event \d+ processed: messages stored 1", server.output)) == 1
    # Each task state (the bot's turn: RUNNING then SUCCESSFUL) on one line only.
    states = re.findall(r"Task id=(\S+) path=\S+ state=(\w+)", server.output)
    assert len(states) >= 2
    assert len(states) == len(set(states)), server.output


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param(None, id="while-django-loads"),
        pytest.param("Starting the task worker", id="while-the-worker-loads"),
    ],
)
def test_ctrl_c_in_the_first_second_exits_without_a_traceback(devserver, moment):
    server = devserver()
    if moment is None:
        time.sleep(0.5)  # manage.py is still importing Django and the apps
    else:
        server.wait_for(re.escape(moment))

    code = server.press_ctrl_c()

    assert "Traceback" not in server.output, server.output
    assert "KeyboardInterrupt" not in server.output
    assert code in (0, 130)
    assert server.workers_left() == []
    assert server.servers_left() == [], "runserver outlived the devserver"


def test_devserver_help_explains_addrport_and_every_option():
    shown = subprocess.run(
        [str(PYTHON), "manage.py", "devserver", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=True,
    ).stdout

    usage, rest = shown.split("\n\n", 1)
    options = set(re.findall(r"\[(--?[\w-]+)", usage)) | {"addrport"}
    for option in options:
        described = re.search(rf"^  {re.escape(option)}\b.*?(?=^  \S|\Z)", rest, re.M | re.S)
        assert described, f"{option} is not in the help:\n{shown}"
        words = re.sub(r"^  \S+( [A-Z{][^ ]*)?", "", described.group(0)).split()
        assert len(words) >= 3, f"{option} has no explanation:\n{shown}"
    assert "8001" in shown  # how to change the port


def log_in(server: Devserver) -> requests.Session:
    """The demo admin logs in through the admin's form, as in a browser."""
    session = requests.Session()
    base = f"http://127.0.0.1:{server.port}"
    session.get(f"{base}/admin/login/", timeout=WAIT)
    answer = session.post(
        f"{base}/admin/login/",
        data={
            "username": "admin",
            "password": "admin",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        timeout=WAIT,
    )
    assert answer.url == f"{base}/admin/", answer.text
    return session


def test_first_start_shows_demo_leads_and_the_simulator_works_without_a_secret(devserver):
    server = devserver(BOT_BURST_SECONDS="0")  # README's first command: no secret set
    server.wait_for(STARTED)
    assert "Demo data: 24 leads created" in server.output
    assert "random secret made for this run" in server.output
    base = f"http://127.0.0.1:{server.port}"
    session = log_in(server)
    # The admin is not an empty list: demo leads are there, the simulator is linked.
    assert "Dana Whitfield" in session.get(f"{base}/admin/profiles/clientprofile/").text
    assert "/simulator/" in session.get(f"{base}/admin/").text

    # What the simulator page does: get a signed body, post it to the webhook.
    signed = session.post(
        f"{base}/simulator/sign/",
        data={"phone": "15550001234", "name": "Ana", "kind": "text", "text": "Hi, I'm Ana Lima"},
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": f"{base}/simulator/"},
        timeout=WAIT,
    ).json()
    posted = requests.post(
        f"{base}/webhooks/whatsapp/",
        data=signed["body"].encode(),
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signed["signature"]},
        timeout=WAIT,
    )

    assert posted.status_code == 200, posted.text
    server.wait_for(r"Console transport: text to 15550001234: Thanks Ana")
    server.press_ctrl_c()
    assert "Traceback" not in server.output


def test_no_demo_keeps_an_empty_database_empty(devserver):
    server = devserver("--no-demo", WHATSAPP_APP_SECRET=APP_SECRET)
    server.wait_for(STARTED)
    server.press_ctrl_c()

    assert "demo" not in server.output.lower()
    assert "random secret" not in server.output  # a secret of one's own is kept
    with sqlite3.connect(server.database) as database:
        assert database.execute("SELECT COUNT(*) FROM conversations_conversation").fetchone() == (
            0,
        )


def test_a_worker_that_dies_is_restarted_and_the_terminal_says_so(devserver):
    server = devserver("--no-demo")
    server.wait_for(STARTED)
    deadline = time.monotonic() + WAIT
    while not (first := server.workers_left()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert first, server.output

    for pid in first:  # the worker crashes (an out-of-memory kill, say)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    server.wait_for(r"The task worker stopped \(exit code -9\); restarting it")
    deadline = time.monotonic() + WAIT
    while not (again := server.workers_left()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert again and not set(again) & set(first), server.output
    server.press_ctrl_c()
    assert "Traceback" not in server.output, server.output
    assert server.workers_left() == []
