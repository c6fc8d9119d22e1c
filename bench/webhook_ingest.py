"""Webhook ingest under load, against a bare Django view measured in the same run.

Starts daphne on PostgreSQL as production would (DEBUG off, psycopg pool) with a db_worker
beside it, fires N signed POSTs built from the sample corpus (unique wamids, plus
redeliveries) from 16 concurrent keep-alive clients, then the same load at a view that only
answers 200. Prints requests/s and p50/p99 latency for both, their ratio, and after the
worker has drained the queue, how many messages were lost or doubled.

    .venv/bin/python bench/webhook_ingest.py [--requests 3000] [--clients 16]

Goal (issue #4): ingest >= 50 % of the bare view's throughput, p99 < 100 ms, median < 250 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.samples import sample_bytes, sample_names  # noqa: E402
from webhooks.signature import compute_signature  # noqa: E402

APP_SECRET = "bench_app_secret_" + secrets.token_hex(8)
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/botproject_bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG", "DATABASE"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        WHATSAPP_APP_SECRET=APP_SECRET,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def recreate_database(database_url: str, env: dict[str, str]) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1].split("?", 1)[0]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )


def build_bodies(count: int, duplicate_share: float) -> tuple[list[bytes], set[str]]:
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
                    message["id"] = f"{message['id']}.bench{index}"
                    wamids.add(message["id"])
        bodies.append(json.dumps(data, separators=(",", ":")).encode())
    redeliveries = [bodies[i % unique_count] for i in range(count - unique_count)]
    everything = bodies + redeliveries
    # Interleave redeliveries with first deliveries, as Meta's retries arrive.
    everything.sort(key=lambda body: hash(body) ^ len(body))
    return everything, wamids


def fire(port: int, path: str, bodies: list[bytes], clients: int) -> tuple[list[float], dict]:
    """POST every body once, from `clients` threads on keep-alive connections."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    cursor = iter(range(len(bodies)))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        codes: dict[int, int] = {}
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            body = bodies[index]
            headers = {
                "Content-Type": "application/json",
                "X-Hub-Signature-256": compute_signature(body, APP_SECRET),
            }
            started = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            codes[response.status] = codes.get(response.status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses


def measure(port: int, path: str, bodies: list[bytes], clients: int) -> dict:
    started = time.perf_counter()
    latencies, statuses = fire(port, path, bodies, clients)
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "statuses": statuses,
    }


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not come up")


def count_messages(env: dict[str, str], wamids: set[str]) -> tuple[int, int, int]:
    """(stored, lost, doubled) among the wamids the load sent."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT wamid, count(*) FROM conversations_message WHERE wamid = ANY(%s) "
            "GROUP BY wamid",
            (list(wamids),),
        ).fetchall()
    stored = {wamid for wamid, _ in rows}
    doubled = sum(n - 1 for _, n in rows)
    return len(stored), len(wamids - stored), doubled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duplicates", type=float, default=0.25, help="share of redeliveries")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    )
    args = parser.parse_args()

    env = server_env(args.database_url)
    recreate_database(args.database_url, env)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "botproject.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        bodies, wamids = build_bodies(args.requests, args.duplicates)
        warmup = bodies[:50]
        measure(port, "/bench/bare/", warmup, args.clients)
        bare = measure(port, "/bench/bare/", bodies, args.clients)
        ingest = measure(port, "/webhooks/whatsapp/", bodies, args.clients)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    # Let the worker finish, then drain whatever is left and stop it.
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=120)
    subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stored, lost, doubled = count_messages(env, wamids)

    print(
        f"requests: {len(bodies)} per endpoint, {args.clients} concurrent clients, "
        f"{len(bodies) - len(set(bodies))} redeliveries, daphne on PostgreSQL"
    )
    print(f"{'endpoint':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}  statuses")
    for name, result in (("bare 200 view", bare), ("webhook ingest", ingest)):
        print(
            f"{name:<22}{result['rps']:>10.0f}{result['p50_ms']:>10.1f}{result['p99_ms']:>10.1f}"
            f"  {result['statuses']}"
        )
    print(f"throughput ratio (ingest / bare): {ingest['rps'] / bare['rps']:.2f}")
    print(f"messages: {len(wamids)} unique sent, {stored} stored, {lost} lost, {doubled} doubled")


if __name__ == "__main__":
    main()
