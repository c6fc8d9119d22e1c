"""Webhook ingest under load, against a bare Django view measured in the same run.

Starts daphne on PostgreSQL as production does (`daphne --proxy-headers`, DEBUG off, the
production settings and middleware, psycopg pool, durable commits) and fires N signed POSTs
built from the sample corpus (unique wamids, plus redeliveries interleaved as Meta retries
them) from 16 concurrent keep-alive clients at `/webhooks/whatsapp/`, and the same load at
`/bench/bare/`, a view on the same server that only answers 200. Requests carry the
`X-Forwarded-*` headers of Render's TLS proxy. Both endpoints get a warm-up, then the load goes
in alternating rounds (bare, ingest, bare, ingest, ...) so that both see the same machine.

The task worker (`manage.py db_worker`) does NOT run during the load: in production it is a
separate Render service on its own machine, and here it would take the web server's CPU. After
the load, with daphne stopped, a few workers process every stored event (the bot replies that
this schedules are deferred past the run: they are not ingest), then the script counts the
messages lost or doubled (both must be 0). The load generator is one asyncio process writing
pre-signed, pre-built requests on raw keep-alive sockets, so that it takes as little CPU as
possible from the server it measures (Meta computes the signatures on its side, not on ours).

Prints, for both endpoints, requests/s, p50/p99 latency and the CPU time per request of daphne,
of the Postgres backends and of the load generator (on a shared machine CPU per request moves
far less than latency does); then their throughput ratio, how long the workers took to process
the events, and the lost/doubled counts. With 16 clients each always waiting for an answer,
mean latency = 16 / throughput (Little's law): p99 < 100 ms needs well over 160 req/s of ingest
from the one daphne process.

    .venv/bin/python bench/webhook_ingest.py [--requests 3000] [--clients 16] [--rounds 3]

Goal (issue #4): ingest >= 50 % of the bare view's throughput, p99 < 100 ms, median < 250 ms.
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
import time
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
    start_daphne,
    start_worker,
    wait_for,
)
from tests.samples import sample_bytes, sample_names  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/botproject_bench"
BARE_PATH = "/bench/bare/"
EVENT_TASK = "webhooks.tasks.process_webhook_event_task"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def postgres_backends(database: str) -> dict[int, float]:
    """CPU seconds so far of each Postgres backend serving `database` (this machine only)."""
    marker = f" {database} ".encode()
    backends = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres: ") and marker in title:
                backends[int(entry.name)] = cpu_seconds(int(entry.name))
    return backends


class Endpoint:
    """Latencies, statuses, wall time and CPU time accumulated over the rounds."""

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.elapsed = 0.0
        self.cpu = {"daphne": 0.0, "postgres": 0.0, "client": 0.0}

    def run(self, port: int, server_pid: int, database: str, bodies: list[bytes], clients: int):
        requests = [build_request(body, self.path) for body in bodies]
        server_before, postgres_before = cpu_seconds(server_pid), postgres_backends(database)
        client_before, started = time.process_time(), time.perf_counter()
        latencies, statuses = asyncio.run(fire(port, requests, clients))
        self.elapsed += time.perf_counter() - started
        self.cpu["client"] += time.process_time() - client_before
        self.cpu["daphne"] += cpu_seconds(server_pid) - server_before
        self.cpu["postgres"] += sum(
            seconds - postgres_before.get(pid, 0.0)
            for pid, seconds in postgres_backends(database).items()
        )
        self.latencies.extend(latencies)
        for code, n in statuses.items():
            self.statuses[code] = self.statuses.get(code, 0) + n

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed

    def row(self) -> str:
        ordered = sorted(self.latencies)
        cpu = [self.cpu[key] / len(ordered) * 1000 for key in ("daphne", "postgres", "client")]
        return (
            f"{self.name:<16}{self.rps:>7.0f}{percentile(ordered, 0.5) * 1000:>8.1f}"
            f"{percentile(ordered, 0.99) * 1000:>8.1f}{cpu[0]:>9.2f}{cpu[1]:>9.2f}{cpu[2]:>9.2f}"
            f"  {self.statuses}"
        )


def process_events(env: dict[str, str], workers: int) -> float:
    """Run task workers until every webhook event is processed; seconds it took.

    The bot replies that processing schedules are left in the queue, deferred: they are not
    part of ingest, and the next run drops the database.
    """
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
                "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE task_path = %s AND status IN ('READY', 'RUNNING')",
                (EVENT_TASK,),
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


def count_messages(env: dict[str, str], wamids: set[str]) -> tuple[int, int, int, dict]:
    """(stored, lost, doubled) for the wamids the load sent, and the events by outcome."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT wamid, count(*) FROM conversations_message WHERE wamid = ANY(%s) "
            "GROUP BY wamid",
            (list(wamids),),
        ).fetchall()
        outcomes = dict(
            conn.execute(
                "SELECT outcome, count(*) FROM webhooks_webhookevent GROUP BY outcome"
            ).fetchall()
        )
    stored = {wamid for wamid, _ in rows}
    doubled = sum(n - 1 for _, n in rows)
    return len(stored), len(wamids - stored), doubled, outcomes


def chunks(items: list[bytes], count: int) -> list[list[bytes]]:
    size = -(-len(items) // count)
    return [items[i : i + size] for i in range(0, len(items), size)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="alternating bare/ingest rounds")
    parser.add_argument("--warmup", type=int, default=200, help="requests per endpoint")
    parser.add_argument(
        "--workers", type=int, default=4, help="task workers processing the events after the load"
    )
    parser.add_argument("--duplicates", type=float, default=0.25, help="share of redeliveries")
    add_database_option(parser, DEFAULT_DATABASE)
    args = parser.parse_args()

    # LOG_LEVEL and DB_POOL_* as production's defaults; BOT_* as the shell has them.
    env = production_env(args.database_url, drop=("LOG_LEVEL", "DB_POOL"))
    recreate_database(args.database_url, env)
    bodies, wamids = build_bodies(args.requests, args.duplicates, "bench")
    warm_bodies, warm_wamids = build_bodies(args.warmup, args.duplicates, "warm")
    port = free_port()
    server = start_daphne(port, env, subprocess.DEVNULL)
    database = args.database_url.rsplit("/", 1)[1].split("?", 1)[0]
    bare = Endpoint("bare 200 view", BARE_PATH)
    ingest = Endpoint("webhook ingest", WEBHOOK_PATH)
    load_before = os.getloadavg()[0]
    try:
        wait_for(port)
        # Warm both paths alike: imports, URL resolver, and the psycopg pool's connections.
        for path in (BARE_PATH, WEBHOOK_PATH):
            warm = [build_request(body, path) for body in warm_bodies]
            _, statuses = asyncio.run(fire(port, warm, args.clients))
            if set(statuses) != {200}:
                raise SystemExit(f"{path} answered {statuses} to the warm-up, not 200")
        for part in chunks(bodies, args.rounds):
            for endpoint in (bare, ingest):
                endpoint.run(port, server.pid, database, part, args.clients)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    load_after = os.getloadavg()[0]
    processed_in = process_events(env, args.workers)
    sent = wamids | warm_wamids
    stored, lost, doubled, outcomes = count_messages(env, sent)

    print(
        f"daphne on PostgreSQL with the production settings; {len(bodies)} signed POSTs per "
        f"endpoint ({len(bodies) - len(set(bodies))} redeliveries) from {args.clients} keep-alive "
        f"clients in {args.rounds} alternating rounds, after {args.warmup} warm-up requests each; "
        f"{os.cpu_count()} CPUs, load average {load_before:.1f} before, {load_after:.1f} after"
    )
    print(f"{'':<39}{'CPU ms per request':^27}")
    print(
        f"{'endpoint':<16}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'daphne':>9}{'postgres':>9}{'client':>9}  statuses"
    )
    print(bare.row())
    print(ingest.row())
    print(f"throughput ratio (ingest / bare): {ingest.rps / bare.rps:.2f}")
    events = len(bodies) + len(warm_bodies)
    print(
        "task worker: not running during the load (its own machine in production); afterwards "
        f"{args.workers} workers processed the {events} events in {processed_in:.0f} s "
        f"({events / processed_in:.0f}/s)"
    )
    print(
        f"messages: {len(sent)} unique sent, {stored} stored, {lost} lost, {doubled} doubled; "
        f"events by outcome: {outcomes}"
    )


if __name__ == "__main__":
    main()
