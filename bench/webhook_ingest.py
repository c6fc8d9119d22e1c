"""Webhook ingest under each candidate production server, against a bare Django view, in one run.

Production serves with one daphne process today; this measures what each well-kept server would
give instead (issue 15), all on PostgreSQL with the production settings (DEBUG off, production
middleware, psycopg pool, durable commits), one after the other on the same database:

- `daphne`: `daphne --proxy-headers`, one process (production today);
- `uvicorn`: gunicorn with uvicorn workers (`uvicorn_worker.UvicornWorker`, uvloop + httptools),
  with `-c botproject/gunicorn_conf.py`, production's own config, once that file exists;
- `uvicorn-view`: the same, with the webhook POST through Django's view like every other
  request (botproject.asgi:django_application), as before webhooks/asgi.py;
- `gunicorn-asgi`: gunicorn's own asyncio ASGI worker (`-k asgi`);
- `sync`, `gthread`: gunicorn over WSGI (`botproject.wsgi:application`);
- `granian`, `granian-wsgi`: granian's ASGI (no lifespan) and WSGI interfaces;
- `hypercorn`: hypercorn with uvloop workers.

`uvicorn`, `gunicorn-asgi` and `hypercorn` serve botproject.asgi's application, whose webhook
POST is answered in the event loop (webhooks/asgi.py); every other row takes it through
Django's view. All store it by group commit (webhooks/group_commit.py).

Servers with no switch that puts X-Forwarded-For in REMOTE_ADDR (which the login throttle
counts) get the project's app wrapped in their own proxy fix (bench/apps.py); gunicorn's sync,
gthread and asgi workers take only the scheme from those headers, so they get one too.

Every multi-process server gets `--web-concurrency` processes (default: `WEB_CONCURRENCY`, as
Render sets it, else one per core) and trusts Render's X-Forwarded-* headers (bench/_servers.py
has the command lines); each is checked first through `/bench/client/` (the client address the
login throttle counts and the scheme Django sees). Then N signed POSTs built from the sample
corpus (unique wamids per server, plus redeliveries interleaved as Meta retries them; the same
bodies for every server) go from 16 concurrent keep-alive clients to `/webhooks/whatsapp/`, and
the same load to `/bench/bare/`, a view that only answers 200, in alternating rounds (bare,
webhook, bare, ...) after a warm-up of both. Requests carry Render's X-Forwarded-* headers; any
status but 200 is shown. A server that closes keep-alive connections (gunicorn's sync workers)
makes the client reconnect, and that connect counts in the next request's latency.

CPU per request is the server's whole process tree (master + workers), the Postgres backends of
the bench database, and the load generator (one asyncio process writing pre-signed requests on
raw sockets, to take as little CPU as it can from the server it measures). On a shared machine
CPU per request moves far less than latency does; the servers run one after the other, so compare
them on a quiet machine.

The task worker (`manage.py db_worker`) does NOT run during the load: in production it is a
separate Render service on its own machine. After the last server, a few workers process every
stored event (the bot replies this schedules are deferred past the run: they are not ingest),
then the script counts per server the messages lost or doubled (both must be 0).

With 16 clients each always waiting for an answer, mean latency = 16 / throughput (Little's
law): p99 < 100 ms needs well over 160 req/s of ingest.

    .venv/bin/pip install -r bench/requirements.txt    # granian and hypercorn
    .venv/bin/python bench/webhook_ingest.py [--servers daphne,uvicorn,...] [--requests 1500]
        [--rounds 3] [--clients 16] [--web-concurrency N]

All ten rows at the defaults take some 2 minutes of load on a quiet 2-CPU machine, then
the workers process the ~14,000 stored events (some 5 minutes at ~45/s); `--servers` and
`--requests` make it shorter.

The `uvicorn` row runs production's config as it is, access log on stdout included (here a file
under /tmp); daphne, as production ran it, logs no access lines.

Goals (issue 15, point 3), on the chosen server at 16 clients: webhook ingest >= 50 % of the
fastest bare view of the run, p99 < 100 ms, median < 25 ms, 0 lost, 0 doubled; the chosen
server's bare view >= 5x daphne's. The `goals` column names the ones a server misses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    WEBHOOK_PATH,
    add_database_option,
    build_request,
    fire,
    free_port,
    percentile,
    production_env,
    recreate_database,
    require_local,
    start_server,
    start_worker,
    stop_server,
    wait_for,
)
from bench._servers import (  # noqa: E402
    SERVERS,
    command,
    cpu_seconds,
    cpu_used,
    default_workers,
    tree_cpu,
)
from bench._table import print_report  # noqa: E402
from tests.samples import sample_bytes, sample_names  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/botproject_bench"
BARE_PATH = "/bench/bare/"
CLIENT_PATH = "/bench/client/"
# What the proxy check must see: the X-Forwarded-For and -Proto that build_request sends.
PROXIED_CLIENT = "173.252.127.1 https"


def build_bodies(count: int, duplicate_share: float, tag: str) -> tuple[list[bytes], set[str]]:
    """Sample bodies with every inbound wamid made unique; a share of them sent twice."""
    templates = [
        json.loads(sample_bytes(name))
        for name in sample_names()
        if b'"messages"' in sample_bytes(name)
    ]
    unique_count = max(1, int(count / (1 + duplicate_share)))
    bodies: list[bytes] = []
    wamids: set[str] = set()
    for index in range(unique_count):
        data = json.loads(json.dumps(templates[index % len(templates)]))
        for entry in data["entry"]:
            for change in entry["changes"]:
                for message in change["value"].get("messages", []):
                    message["id"] = f"{message['id']}.{tag}{index}"
                    wamids.add(message["id"])
        bodies.append(json.dumps(data, separators=(",", ":")).encode())
    redeliveries = [bodies[i % unique_count] for i in range(count - unique_count)]
    everything = bodies + redeliveries
    # Interleave redeliveries with first deliveries, as Meta's retries arrive.
    random.Random(4).shuffle(everything)
    return everything, wamids


def postgres_backends(database: str) -> dict[int, float]:
    """CPU seconds so far of each Postgres backend serving `database` (this machine only)."""
    marker = f" {database} ".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres: ") and marker in title:
                pids.append(int(entry.name))
    return {pid: cpu_seconds(pid) for pid in pids}


@dataclass
class Endpoint:
    """Latencies, statuses, wall time and CPU time of one endpoint, over the rounds."""

    path: str
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0
    cpu: dict[str, float] = field(
        default_factory=lambda: {"server": 0.0, "postgres": 0.0, "client": 0.0}
    )

    def run(self, port: int, server_pid: int, database: str, bodies: list[bytes], clients: int):
        requests = [build_request(body, self.path) for body in bodies]
        server_before, postgres_before = tree_cpu(server_pid), postgres_backends(database)
        client_before, started = time.process_time(), time.perf_counter()
        latencies, statuses = asyncio.run(fire(port, requests, clients))
        self.elapsed += time.perf_counter() - started
        self.cpu["client"] += time.process_time() - client_before
        self.cpu["server"] += cpu_used(server_before, tree_cpu(server_pid))
        self.cpu["postgres"] += cpu_used(postgres_before, postgres_backends(database))
        self.latencies.extend(latencies)
        for code, n in statuses.items():
            self.statuses[code] = self.statuses.get(code, 0) + n

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def ms(self, share: float) -> float:
        return percentile(self.latencies, share) * 1000

    def cpu_ms(self, part: str) -> float:
        return self.cpu[part] / len(self.latencies) * 1000 if self.latencies else float("nan")


@dataclass
class ServerRun:
    """One server's figures; `error` says why it has none."""

    name: str
    processes: int
    command: list[str]
    wamids: set[str] = field(default_factory=set)
    bare: Endpoint = field(default_factory=lambda: Endpoint(BARE_PATH))
    webhook: Endpoint = field(default_factory=lambda: Endpoint(WEBHOOK_PATH))
    client_seen: str = ""
    error: str = ""
    lost: int = 0
    doubled: int = 0


def client_seen(port: int) -> str:
    """What the server made of the proxy headers: `<REMOTE_ADDR> <scheme>` as Django sees them."""
    request = build_request(b"", CLIENT_PATH).replace(b"POST ", b"GET ", 1)

    async def ask() -> str:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        body = await reader.readexactly(length)
        writer.close()
        return f"{head[9:12].decode()}: {body.decode()}" if head[9:12] != b"200" else body.decode()

    return asyncio.run(ask())


def measure(run: ServerRun, args, env: dict[str, str], database: str, log) -> None:
    """Start the server, check what it makes of the proxy headers, load both endpoints."""
    bodies, run.wamids = build_bodies(args.requests, args.duplicates, f"{run.name}-")
    warm_bodies, warm_wamids = build_bodies(args.warmup, args.duplicates, f"{run.name}-warm-")
    run.wamids |= warm_wamids
    port = free_port()
    run.command = command(run.name, port, run.processes, args.threads)
    server = start_server(run.name, port, env, log, run.processes)
    try:
        wait_for(port, timeout=60)
        run.client_seen = client_seen(port)
        # Warm both paths alike: imports, URL resolver, every worker's psycopg pool.
        for path in (BARE_PATH, WEBHOOK_PATH):
            warm = [build_request(body, path) for body in warm_bodies]
            _, statuses = asyncio.run(fire(port, warm, args.clients))
            if set(statuses) != {200}:
                raise SystemExit(f"{path} answered {statuses} to the warm-up, not 200")
        size = -(-len(bodies) // args.rounds)
        for start in range(0, len(bodies), size):
            for endpoint in (run.bare, run.webhook):
                endpoint.run(port, server.pid, database, bodies[start : start + size], args.clients)
    finally:
        stop_server(server)


def process_events(env: dict[str, str], workers: int) -> float:
    """Run task workers until no webhook event is pending; seconds it took."""
    import psycopg

    started = time.perf_counter()
    # The bot's replies to the stored messages are not ingest: defer them past this run so
    # that the workers spend their time on the events (ordering puts due deferred tasks first).
    worker_env = {**env, "BOT_BURST_SECONDS": "86400"}
    processes = [
        start_worker(worker_env, subprocess.DEVNULL, "--interval", "0.2") for _ in range(workers)
    ]
    try:
        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            while conn.execute(
                "SELECT count(*) FROM webhooks_webhookevent WHERE outcome = 'pending'"
            ).fetchone()[0]:
                if any(process.poll() is not None for process in processes):
                    raise SystemExit("a task worker stopped while processing the events")
                time.sleep(0.5)
        return time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)


def count_messages(env: dict[str, str], wamids: set[str]) -> tuple[int, int]:
    """(lost, doubled) among the messages with these wamids."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT wamid, count(*) FROM conversations_message WHERE wamid = ANY(%s) "
            "GROUP BY wamid",
            (list(wamids),),
        ).fetchall()
    return len(wamids - {wamid for wamid, _ in rows}), sum(n - 1 for _, n in rows)


def event_outcomes(env: dict[str, str]) -> dict[str, int]:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        query = "SELECT outcome, count(*) FROM webhooks_webhookevent GROUP BY outcome"
        return dict(conn.execute(query).fetchall())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--servers", default=",".join(SERVERS), help=f"comma-separated, of: {', '.join(SERVERS)}"
    )
    parser.add_argument("--requests", type=int, default=1500, help="per endpoint and server")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="alternating bare/webhook rounds")
    parser.add_argument("--warmup", type=int, default=200, help="requests per endpoint")
    parser.add_argument(
        "--web-concurrency",
        type=int,
        default=default_workers(),
        help="processes of each multi-process server (default: WEB_CONCURRENCY, else the cores)",
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument(
        "--workers", type=int, default=4, help="task workers processing the events after the load"
    )
    parser.add_argument("--duplicates", type=float, default=0.25, help="share of redeliveries")
    add_database_option(parser, DEFAULT_DATABASE)
    args = parser.parse_args()
    args.servers = [name.strip() for name in args.servers.split(",") if name.strip()]
    if unknown := [name for name in args.servers if name not in SERVERS]:
        parser.error(f"unknown servers {unknown}; known: {', '.join(SERVERS)}")
    return args


def main() -> None:
    args = parse_args()
    require_local(args.database_url)
    # LOG_LEVEL and DB_POOL_* as production's defaults; BOT_* as the shell has them.
    env = production_env(args.database_url, drop=("LOG_LEVEL", "DB_POOL", "WEB_CONCURRENCY"))
    recreate_database(args.database_url, env)
    database = args.database_url.rsplit("/", 1)[1].split("?", 1)[0]
    logs = Path(tempfile.mkdtemp(prefix="webhook_ingest_bench_"))
    load_before = os.getloadavg()[0]
    runs = []
    for name in args.servers:
        processes = args.web_concurrency if SERVERS[name].multi_process else 1
        run = ServerRun(name, processes, [])
        print(f"{name}: {SERVERS[name].description}, {processes} process(es)", flush=True)
        with open(logs / f"{name}.log", "w") as log:
            try:
                measure(run, args, env, database, log)
            except (SystemExit, OSError, asyncio.IncompleteReadError) as failure:
                run.error = f"{failure or type(failure).__name__}; see {log.name}"
        runs.append(run)
    load_after = os.getloadavg()[0]
    processed_in = process_events(env, args.workers)
    for run in runs:
        if not run.error:
            run.lost, run.doubled = count_messages(env, run.wamids)

    print(
        f"\nPostgreSQL, production settings; {args.requests} signed POSTs per endpoint and server "
        f"(a share {args.duplicates:.2f} redeliveries) from {args.clients} keep-alive clients in "
        f"{args.rounds} alternating rounds, after {args.warmup} warm-up requests each; "
        f"{os.cpu_count()} CPUs, load average {load_before:.1f} before, {load_after:.1f} after; "
        f"server logs in {logs}"
    )
    print_report(runs, PROXIED_CLIENT)
    outcomes = event_outcomes(env)
    print(
        "task worker: not running during the load (its own machine in production); afterwards "
        f"{args.workers} workers processed the {sum(outcomes.values())} events in "
        f"{processed_in:.0f} s; events by outcome: {outcomes}"
    )


if __name__ == "__main__":
    main()
