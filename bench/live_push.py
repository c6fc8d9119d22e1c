"""Live push latency: a signed webhook POST until its event reaches a dashboard websocket.

Starts, on PostgreSQL with the production settings (DEBUG off, psycopg pool, a database of its
own, recreated and migrated for each run), the web service as render.yaml runs it (gunicorn
with botproject/gunicorn_conf.py: WEB_CONCURRENCY uvicorn workers; every request carries the
proxy's `X-Forwarded-Proto: https`) and one `manage.py db_worker`, logs a staff user (Agent role) in
through the admin's login form, and connects a websocket client (standard library, below) to
`/ws/dashboard/` with that session cookie and an allowed Origin. It then POSTs N signed
inbound texts (each a new wamid, dated now) from one keep-alive connection and times each one
from just before its POST to the arrival of the websocket event of kind "message" carrying the
same text. Two configurations run one after the other, each with its own web server and worker:

1. **production**: `REDIS_URL` set: the worker's events are pushed through Redis to the web
   server after commit (a 10 s safety-net poll only recovers a failed push). The Redis is a
   redis-server the bench starts on a free port and stops (so its connection count is the
   bench's alone), or `--redis-url` / `BENCH_REDIS_URL` (e.g. the local one, db 14).
2. **local default**: no Redis: the in-memory layer cannot cross from the worker to the web
   server, so the connection polls the event table every `LIVE_EVENTS_POLL_SECONDS` (0.5 s by
   default).

The worker's poll interval bounds the latency: the webhook view only stores the body, and an
idle worker looks for pending events every `--interval` seconds (db_worker's default is 1 s;
the bench uses render.yaml's 0.2 s and prints it). The POSTs come
`--spacing` apart on average (0.25 s, jittered 0.5x-1.5x so they do not fall into step with
either poll): the latency of a message, not the length of a queue. At 50 ms apart the single
worker, which takes some 60-120 ms a message on a busy 2-CPU machine, cannot keep up and the
figure becomes the queue's length (the printed worker-busy share says how close it came). The
bot is off (`BOT_ENABLED=false`) unless `--bot` is given: its answer and send tasks run on the
same worker, in front of the next inbound message, which would mix the bot's work into the
push path (with `--bot` the events are still matched on the inbound text; the bot's own
events are counted, not timed).

Prints per configuration: p50/p95/max of the end-to-end latency, received/sent (missing must
be 0), and where the time goes, from the rows' timestamps (same machine, same clock): the
POST's round trip (the baseline: the ingest alone), the wait until a worker claims the event
(its poll), from the claim until the event row is written (including events claimed with it
and processed first), and the delivery of that row to the socket (commit, then the Redis push,
or the table poll); and, not part of the latency, the rest of the processing after the row
(commit, the push made from the worker, the outcome recorded), which a message arriving
meanwhile waits behind. Also: the worker's
busy share, other events the socket received (and how many of them predate its connection),
and the Redis connections the server accepted meanwhile (the worker pushes over one persistent
connection, `conversations/services/live_publisher.py`, so this stays near 0 however many events
go out; the bench's own reading of the count is taken off; on a shared Redis it also counts
other users'). Goals: p95 < 300 ms with Redis
(issue #15), p95 < 1 s for the polling local default (issue #7); every message received in
both. About 2-3 minutes.

    .venv/bin/python bench/live_push.py [--messages 200] [--spacing 0.25] [--interval 0.2]
                                        [--redis-url redis://127.0.0.1:6379/14] [--bot]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    free_port,
    percentile,
    recreate_database,
    start_production,
    stop,
    stop_server,
    wait_for,
)
from tests.samples import signed_headers, text_webhook  # noqa: E402

APP_SECRET = "bench_app_secret_" + secrets.token_hex(8)
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/botproject_live_bench"
# Without redis-server on PATH, a database of its own on the local Redis: the test suite
# uses 0, and the group name is the same.
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
WEBHOOK_PATH = "/webhooks/whatsapp/"
STAFF_USER = "bench_live"
MANAGE = [sys.executable, "manage.py"]
# What Render's proxy adds to every request (TLS ends there); the server trusts it.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
PROXY_LINES = "".join(f"{name}: {value}\r\n" for name, value in PROXY_HEADERS.items())
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


# --- environment, database, processes ---------------------------------------------------------


def base_env(database_url: str) -> dict[str, str]:
    """Production settings as the servers get them; the bench only adds what it must."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("DJANGO_", "DEBUG", "DATABASE", "BOT_", "OPENAI_", "WHATSAPP_", "REDIS", "LIVE_")
        )
    }
    env.update(
        DJANGO_SETTINGS_MODULE="botproject.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        WHATSAPP_APP_SECRET=APP_SECRET,
        WHATSAPP_TRANSPORT="console",  # and no OPENAI_API_KEY: the offline brain
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def create_staff(env: dict[str, str]) -> str:
    password = secrets.token_urlsafe(18)
    subprocess.run(
        [
            *MANAGE,
            "createstaff",
            STAFF_USER,
            "--role",
            "agent",
            "--password",
            password,
            "--no-input",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return password


def login(port: int, password: str) -> tuple[str, int]:
    """The admin's login form, CSRF included, as a browser behind Render's proxy fills it in.

    Every request says `X-Forwarded-Proto: https`, as the proxy does (with DEBUG off Django
    redirects plain HTTP and only sends secure cookies, which `requests` then keeps to itself
    over http://, so the cookies are carried by hand). With DEBUG off and no `collectstatic`
    (only the production build runs it) the form's page may not render (its stylesheets have
    no manifest entry); then the CSRF cookie is chosen here instead of read: Django's
    double-submit check only needs the form field to equal the cookie.
    Returns the session id and the login page's HTTP status.
    """
    import requests

    url = f"http://127.0.0.1:{port}/admin/login/"
    origin = f"https://127.0.0.1:{port}"
    headers = {**PROXY_HEADERS, "Origin": origin, "Referer": f"{origin}/admin/login/"}
    page = requests.get(url, headers=headers, allow_redirects=False, timeout=10)
    token = page.cookies.get("csrftoken")
    if page.status_code != 200 or not token:
        token = secrets.token_hex(16)  # 32 characters, as Django's own secrets
    answer = requests.post(
        url,
        headers={**headers, "Cookie": f"csrftoken={token}"},
        data={
            "csrfmiddlewaretoken": token,
            "username": STAFF_USER,
            "password": password,
            "next": "/admin/",
        },
        allow_redirects=False,
        timeout=10,
    )
    cookie = answer.cookies.get("sessionid")
    if answer.status_code != 302 or not cookie:
        raise SystemExit(f"admin login failed: GET {page.status_code}, POST {answer.status_code}")
    return cookie, page.status_code


# --- a websocket client, standard library only ------------------------------------------------


class DashboardSocket:
    """Just enough RFC 6455 for a client: the upgrade, text frames in, pongs and close out."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int, session_cookie: str) -> DashboardSocket:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.transport.get_extra_info("socket").setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
        )
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                "GET /ws/dashboard/ HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: https://127.0.0.1:{port}\r\n{PROXY_LINES}"
                f"Cookie: sessionid={session_cookie}\r\n\r\n"
            ).encode("ascii")
        )
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        expected = base64.b64encode(
            hashlib.sha1((key + WS_GUID).encode(), usedforsecurity=False).digest()
        ).decode()
        if not head.startswith("HTTP/1.1 101") or expected not in head:
            raise SystemExit(f"websocket refused: {head.splitlines()[0]!r}")
        return cls(reader, writer)

    async def receive(self) -> dict | None:
        """The next JSON message; None once the server closes."""
        message = b""
        while True:
            first, second = await self.reader.readexactly(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                length = int.from_bytes(await self.reader.readexactly(2))
            elif length == 127:
                length = int.from_bytes(await self.reader.readexactly(8))
            mask = await self.reader.readexactly(4) if second & 0x80 else b""
            payload = await self.reader.readexactly(length)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                return None
            if opcode == 0x9:
                self.send_frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            message += payload
            if first & 0x80:
                return json.loads(message)

    def send_frame(self, opcode: int, payload: bytes) -> None:
        """Client frames are masked (RFC 6455 5.3); payloads here are always short."""
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    async def close(self) -> None:
        self.send_frame(0x8, (1000).to_bytes(2))
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


# --- the load and its timing ------------------------------------------------------------------


@dataclass
class Sent:
    text: str
    wamid: str
    request: bytes
    posted: float = 0.0  # epoch seconds, just before the POST
    answered: float = 0.0  # the POST's response read
    status: int = 0
    event_id: int | None = None  # the stored webhook event, from the response
    arrived: float | None = None  # the websocket event seen


def build_load(tag: str, count: int) -> list[Sent]:
    load = []
    for index in range(count):
        text = f"live bench {tag} {index} {secrets.token_hex(4)}"
        body, wamid = text_webhook(
            text,
            wa_id=f"1557{index % 50:07d}",  # 50 users: new conversations, then existing ones
            name=f"Bench User {index % 50}",
            wamid=f"wamid.livebench.{tag}.{index}",
        )
        signature = signed_headers(body, APP_SECRET)["HTTP_X_HUB_SIGNATURE_256"]
        head = (
            f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: facebookexternalua\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Hub-Signature-256: {signature}\r\n{PROXY_LINES}\r\n"
        )
        load.append(Sent(text=text, wamid=wamid, request=head.encode("ascii") + body))
    return load


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    fields = head.lower()
    body = b""
    if b"\r\ncontent-length:" in fields:
        length = int(fields.split(b"\r\ncontent-length:", 1)[1].split(b"\r\n", 1)[0])
        body = await reader.readexactly(length)
    return int(head[9:12]), body


@dataclass
class Heard:
    """What the socket received besides the timed events."""

    others: dict[str, int] = field(default_factory=dict)  # "kind/direction" -> count
    stale: int = 0  # events that existed before the socket connected


async def measure(
    port: int, cookie: str, load: list[Sent], spacing: float, wait: float, before_id: int
) -> Heard:
    """POST the load, paced, while one dashboard socket listens."""
    by_text = {sent.text: sent for sent in load}
    heard = Heard()
    everything_arrived = asyncio.Event()
    ws = await DashboardSocket.connect(port, cookie)

    async def listen() -> None:
        missing = len(load)
        while (event := await ws.receive()) is not None:
            now = time.time()
            message = event.get("message") or {}
            sent = by_text.get(message.get("text")) if event.get("kind") == "message" else None
            if sent is not None and message.get("direction") == "in" and sent.arrived is None:
                sent.arrived = now
                missing -= 1
                if not missing:
                    everything_arrived.set()
                continue
            kind = f"{event.get('kind')}/{message.get('direction', '-')}"
            heard.others[kind] = heard.others.get(kind, 0) + 1
            heard.stale += int(event.get("id", 0) <= before_id)

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.5)  # let the consumer finish connecting (group, last id, poller)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pace = random.Random(7)
    next_post = time.time()
    for sent in load:
        # Each gap counts from the previous POST, jittered (0.5x to 1.5x) so that the POSTs
        # do not fall into step with the worker's or the table's poll; a slow POST delays the
        # next one rather than making a burst.
        await asyncio.sleep(max(0.0, next_post - time.time()))
        sent.posted = time.time()
        next_post = sent.posted + spacing * pace.uniform(0.5, 1.5)
        writer.write(sent.request)
        sent.status, body = await read_response(reader)
        sent.answered = time.time()
        if sent.status == 200:
            sent.event_id = json.loads(body).get("event")
    writer.close()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(everything_arrived.wait(), wait)
    if listener.done() and listener.exception():
        raise listener.exception()
    listener.cancel()
    await ws.close()
    return heard


# --- where the time went, from the rows ---------------------------------------------------------

# When a worker took each event from the queue, and when it had processed it.
EVENTS_SQL = """
SELECT id, extract(epoch FROM claimed_at), extract(epoch FROM processed_at)
FROM webhooks_webhookevent WHERE id = ANY(%s)
"""
EVENT_ROWS_SQL = """
SELECT m.wamid, extract(epoch FROM min(l.created_at))
FROM conversations_message m
JOIN conversations_liveevent l ON l.kind = 'message'
    AND (l.payload -> 'message' ->> 'message_id')::bigint = m.id
WHERE m.direction = 'in' AND m.wamid = ANY(%s)
GROUP BY m.wamid
"""


def latest_event_id(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM conversations_liveevent").fetchone()[
            0
        ]


@contextlib.contextmanager
def bench_redis(redis_url: str | None):
    """The given Redis, else a redis-server of the bench's own on a free port, stopped after."""
    binary = shutil.which("redis-server")
    if redis_url or binary is None:
        yield redis_url or DEFAULT_REDIS, (redis_url or DEFAULT_REDIS).rsplit("/", 1)[1]
        return
    import redis

    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with contextlib.closing(redis.Redis.from_url(url)) as client:
                    client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url, "own server"
    finally:
        stop(process)


def redis_connections(redis_url: str | None) -> int:
    """Connections the Redis server has accepted so far (server-wide), 0 without Redis."""
    if not redis_url:
        return 0
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.info("stats")["total_connections_received"])
    finally:
        client.close()


@dataclass
class Result:
    name: str
    poll: str
    load: list[Sent]
    heard: Heard
    redis_connections: int | None = None
    goal_seconds: float = 1.0  # p95 the configuration must stay under
    login_page: int = 0  # GET /admin/login/: 200, or 500 without collectstatic
    # wamid -> (event claimed, event processed, live event row written), epoch seconds
    stages: dict[str, tuple[float, float, float]] = field(default_factory=dict)

    def read_stages(self, database_url: str) -> None:
        import psycopg

        ids = [sent.event_id for sent in self.load if sent.event_id is not None]
        with psycopg.connect(database_url) as conn:
            tasks = {row[0]: row[1:] for row in conn.execute(EVENTS_SQL, (ids,))}
            wamids = [sent.wamid for sent in self.load]
            written = dict(conn.execute(EVENT_ROWS_SQL, (wamids,)).fetchall())
        for sent in self.load:
            started, finished = tasks.get(sent.event_id, (None, None))
            if started is not None and finished is not None and sent.wamid in written:
                self.stages[sent.wamid] = (float(started), float(finished), written[sent.wamid])

    @property
    def latencies(self) -> list[float]:
        return [s.arrived - s.posted for s in self.load if s.arrived is not None]

    @property
    def received(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return (len(self.load) - 1) / max(1e-9, self.load[-1].posted - self.load[0].posted)

    def worker_busy(self) -> tuple[float, float]:
        """(share of the sending window the worker spent on these events, median claim-to-done
        ms). Events claimed together overlap, so the busy time is the union of their spans."""
        spans = sorted((started, finished) for started, finished, _ in self.stages.values())
        busy, reach = 0.0, float("-inf")
        for started, finished in spans:
            busy += max(0.0, finished - max(started, reach))
            reach = max(reach, finished)
        window = self.load[-1].answered - self.load[0].posted
        runs = [finished - started for started, finished in spans]
        return busy / window, percentile(runs, 0.5) * 1000

    def stage_columns(self) -> dict[str, list[float]]:
        columns: dict[str, list[float]] = {
            "POST round trip": [],
            "wait for a claim": [],
            "claim to event row": [],
            "row to socket": [],
            "row to processed": [],
        }
        for sent in self.load:
            if sent.arrived is None or sent.wamid not in self.stages:
                continue
            started, finished, written = self.stages[sent.wamid]
            columns["POST round trip"].append(sent.answered - sent.posted)
            columns["wait for a claim"].append(started - sent.answered)
            columns["claim to event row"].append(float(written) - started)
            columns["row to socket"].append(sent.arrived - float(written))
            # Not part of this message's latency: the rest of its processing (commit, the push
            # made in the worker, recording the outcome), which the next event may wait behind.
            columns["row to processed"].append(finished - float(written))
        return columns


# --- one configuration --------------------------------------------------------------------------


def run_config(
    name: str, env: dict[str, str], args, password: str, log, poll: str, goal: float
) -> Result:
    port = free_port()
    server = worker = None
    redis_url = env.get("REDIS_URL")
    try:
        server = start_production(port, env, log)
        interval = ["--interval", str(args.interval)]
        worker_env = {**env, "DB_POOL_MAX_SIZE": "4"}  # production: web 8, worker 4
        worker = subprocess.Popen(
            [*MANAGE, "db_worker", "--no-reload", "--no-startup-delay", *interval],
            cwd=ROOT,
            env=worker_env,
            stdout=log,
            stderr=log,
        )
        wait_for(port)
        cookie, login_page = login(port, password)
        tag = name.split()[0]
        database_url = env["DATABASE_URL"]
        # Warm the web server, the worker, both pools and Postgres' caches; not measured.
        warm = build_load(f"warm-{tag}", 10)
        asyncio.run(measure(port, cookie, warm, 0.2, 10, latest_event_id(database_url)))
        load = build_load(tag, args.messages)
        before_id, connections = latest_event_id(database_url), redis_connections(redis_url)
        heard = asyncio.run(measure(port, cookie, load, args.spacing, args.wait, before_id))
        # Less the one this reading opens: what the servers opened while the load ran.
        connections = redis_connections(redis_url) - connections - 1 if redis_url else None
        if worker.poll() is not None:
            raise SystemExit(f"the worker stopped ({worker.returncode}); see {log.name}")
    finally:
        stop(worker)
        stop_server(server)
    result = Result(name, poll, load, heard, connections, goal, login_page)
    result.read_stages(env["DATABASE_URL"])
    return result


def report(results: list[Result], args, load_before: float, load_after: float) -> bool:
    print(
        f"PostgreSQL, gunicorn + uvicorn workers + one db_worker --interval {args.interval:g} s, "
        f"production settings, bot {'on (offline brain)' if args.bot else 'off'}; "
        f"{args.messages} signed inbound texts per configuration, one every "
        f"{args.spacing * 1000:.0f} ms on average (jittered 0.5x-1.5x), one dashboard websocket "
        f"listening; {os.cpu_count()} CPUs, load average {load_before:.1f} before, "
        f"{load_after:.1f} after"
    )
    print(f"{'configuration':<36}{'received':>10}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}  goal")
    ok = True
    for result in results:
        lat = result.latencies
        sent = len(result.load)
        p95 = percentile(lat, 0.95)
        met = result.received == sent and p95 < result.goal_seconds
        ok = ok and result.received == sent
        print(
            f"{result.name:<36}{f'{result.received}/{sent}':>10}"
            f"{percentile(lat, 0.5) * 1000:>8.0f}{p95 * 1000:>8.0f}"
            f"{max(lat, default=float('nan')) * 1000:>8.0f}"
            f"  p95 < {result.goal_seconds * 1000:.0f} ms {'met' if met else 'NOT met'}"
        )
    pages = sorted({result.login_page for result in results})
    print(
        f"staff session from the admin's login form (the form page answered HTTP {pages}; "
        "without 200 the CSRF cookie is the client's own, see login())"
    )
    print("where the time goes, p50 / p95 ms (rows' timestamps; the POST is the ingest baseline):")
    for result in results:
        parts = ", ".join(
            f"{stage} {percentile(values, 0.5) * 1000:.0f} / {percentile(values, 0.95) * 1000:.0f}"
            for stage, values in result.stage_columns().items()
        )
        print(f"  {result.name}: {parts}  [{result.poll}]")
    for result in results:
        statuses: dict[int, int] = {}
        for sent in result.load:
            statuses[sent.status] = statuses.get(sent.status, 0) + 1
        busy, event_ms = result.worker_busy()
        missing = len(result.load) - result.received
        heard = result.heard
        other = ", ".join(f"{kind} {n}" for kind, n in sorted(heard.others.items())) or "none"
        redis = (
            f"; Redis connections accepted meanwhile (server-wide): {result.redis_connections} "
            f"for {result.received} pushed events"
            if result.redis_connections is not None
            else ""
        )
        print(
            f"  {result.name}: {result.rate:.1f} POSTs/s, HTTP {statuses}, {missing} missing; "
            f"worker busy {busy:.0%} of the time (claim to processed p50 {event_ms:.0f} ms); "
            "other events "
            f"received: {other} ({heard.stale} from before the socket connected){redis}"
        )
        if statuses != {200: len(result.load)}:
            ok = False
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200, help="timed messages per config")
    parser.add_argument(
        "--spacing", type=float, default=0.25, help="mean seconds between POSTs (jittered)"
    )
    parser.add_argument(
        "--interval", type=float, default=0.2, help="db_worker's poll interval (render.yaml's)"
    )
    parser.add_argument("--wait", type=float, default=20.0, help="seconds to wait for stragglers")
    parser.add_argument("--bot", action="store_true", help="keep the bot on (default: off)")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL"),
        help="default: a redis-server of the bench's own",
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    )
    args = parser.parse_args()
    for url in (args.database_url, args.redis_url or DEFAULT_REDIS):
        if "127.0.0.1" not in url and "localhost" not in url:
            raise SystemExit("the bench only talks to local services (127.0.0.1)")

    env = base_env(args.database_url)
    env["BOT_ENABLED"] = "true" if args.bot else "false"
    recreate_database(args.database_url, env)
    password = create_staff(env)
    workdir = tempfile.mkdtemp(prefix="live_push_bench_")
    log = open(Path(workdir) / "servers.log", "w")  # noqa: SIM115 - open for the whole run
    load_before = os.getloadavg()[0]
    try:
        with bench_redis(args.redis_url) as (redis_url, redis_where):
            configurations = [
                (
                    f"production (Redis {redis_where})",
                    {"REDIS_URL": redis_url},
                    "pushed; 10 s safety-net poll",
                    0.3,  # issue #15
                ),
                (
                    "local default (no Redis, polling)",
                    {},
                    "LIVE_EVENTS_POLL_SECONDS default 0.5 s",
                    1.0,  # issue #7
                ),
            ]
            results = [
                run_config(name, {**env, **extra}, args, password, log, poll, goal)
                for name, extra, poll, goal in configurations
            ]
    finally:
        log.close()
    load_after = os.getloadavg()[0]
    if report(results, args, load_before, load_after):
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"FAILED: see {log.name}")
        sys.exit(1)


if __name__ == "__main__":
    main()
