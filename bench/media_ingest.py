"""Inbound image webhooks with media download on, against the same load with it off, in one run.

Starts the production web server (gunicorn + uvicorn workers) on PostgreSQL with production
settings (`bench.settings`, DEBUG off, the psycopg pool) on a database of its own, recreated
and migrated for each run, and a stand-in of Meta's Graph API in this process
(`tests/standins/graph_media.py`: `GET /{media-id}`, then the file at its short-lived URL with
the bearer token) that serves a 200 KB JPEG for every media id.

Each round POSTs N/rounds signed image webhooks (sample 09, each with its own wamid and media
id, from N/5 users) from a few keep-alive clients to the real endpoint, then one batch
`db_worker` drains the queue, with `WHATSAPP_MEDIA_DOWNLOAD=false` ("off": the message and its
media row are stored, nothing is fetched) or `true` ("on": each message also gets a download
task, which streams the file into local storage and checks its sha256). Rounds alternate (off,
on, then on, off, ...) so both see the same machine; `BOT_ENABLED=false` in both, so only
ingest and media are measured. A rate is messages / (first POST -> last task finished).

The worker's peak RSS is its own VmHWM from /proc, read while it runs; it is printed for the
"on" drains of N and of `--rss-factor` x N messages, since it must not grow with N (a file
is never held in memory whole: it is streamed in 64 KB chunks through a temporary file).

    .venv/bin/python bench/media_ingest.py [--messages 400] [--rounds 4] [--clients 4]
                                           [--rss-factor 4]

Goal (issue 13): the "on" rate >= 50 % of the "off" rate; worker peak RSS < 200 MB whatever N.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    add_database_option,
    build_request,
    drain,
    fire,
    free_port,
    production_env,
    recreate_database,
    require_local,
    start_production,
    stop_server,
    wait_for,
    worker_env,
)
from tests.samples import media_webhook  # noqa: E402
from tests.standins.graph_media import b64_sha256  # noqa: E402
from tests.standins.graph_server import GraphStandIn  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/botproject_media_bench"
PHONE_NUMBER_ID = "106540352242922"
# A token made up per run: the stand-in checks it as Meta would, nothing real is behind it.
ACCESS_TOKEN = "bench-" + secrets.token_hex(8)
WORKER_TIMEOUT = 600.0
# A JPEG's magic bytes, then noise: 200 KB, as the issue asks.
IMAGE = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(200 * 1024 - 11)


def base_env(database_url: str, graph_url: str, media_root: str) -> dict[str, str]:
    return production_env(
        database_url,
        drop=("BOT_",),
        WHATSAPP_TRANSPORT="graph",
        WHATSAPP_GRAPH_URL=graph_url,
        WHATSAPP_ACCESS_TOKEN=ACCESS_TOKEN,
        WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        MEDIA_ROOT=media_root,
        BOT_ENABLED="false",
        LOG_LEVEL="WARNING",
    )


def build_load(stand_in: GraphStandIn, tag: str, prefix: str, count: int) -> list[bytes]:
    """`count` signed image webhooks, each with a media id the stand-in serves the image for."""
    sha256 = b64_sha256(IMAGE)
    users = max(1, count // 5)
    requests = []
    for index in range(count):
        media_id = f"{prefix}{index:06d}"
        stand_in.media[media_id] = (IMAGE, "image/jpeg")
        body, _ = media_webhook(
            "image",
            media_id=media_id,
            sha256=sha256,
            mime_type="image/jpeg",
            wa_id=f"{prefix}{index % users:05d}",
            wamid=f"wamid.bench.{tag}.{index}",
        )
        requests.append(build_request(body))
    return requests


@dataclass
class Phase:
    name: str
    messages: int = 0
    elapsed: float = 0.0
    statuses: dict = field(default_factory=dict)
    peak_rss: int = 0
    tags: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.messages / self.elapsed


def last_task_finished(database_url: str, started: float) -> float:
    import psycopg

    with psycopg.connect(database_url) as conn:
        (last,) = conn.execute(
            "SELECT max(finished_at) FROM django_tasks_database_dbtaskresult "
            "WHERE enqueued_at >= to_timestamp(%s)",
            (started,),
        ).fetchone()
    return last.timestamp()


def run_round(phase: Phase, requests: list[bytes], tag: str, *, port, clients, env, log, db):
    phase.messages += len(requests)
    phase.tags.append(tag)
    started = time.time()
    _, statuses = asyncio.run(fire(port, requests, clients))
    for status, n in statuses.items():
        phase.statuses[status] = phase.statuses.get(status, 0) + n
    drained = drain(env, log, timeout=WORKER_TIMEOUT, track_rss=True)
    phase.peak_rss = max(phase.peak_rss, drained.peak_rss)
    phase.elapsed += last_task_finished(db, started) - started


def media_counts(database_url: str, tags: list[str]) -> dict[str, int]:
    import psycopg

    patterns = [f"wamid.bench.{tag}.%" for tag in tags]
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT coalesce(md.state, 'no media row'), count(*) FROM conversations_message m "
            "LEFT JOIN conversations_messagemedia md ON md.message_id = m.id "
            "WHERE m.wamid LIKE ANY(%s) GROUP BY 1",
            (patterns,),
        ).fetchall()
    return dict(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400, help="image webhooks per phase")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per phase")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive POSTers")
    parser.add_argument("--rss-factor", type=int, default=4, help="second N for the RSS check")
    add_database_option(parser, DEFAULT_DATABASE)
    args = parser.parse_args()
    require_local(args.database_url)

    stand_in = GraphStandIn(access_token=ACCESS_TOKEN).start()
    workdir = tempfile.mkdtemp(prefix="media_ingest_bench_")
    env = base_env(args.database_url, f"{stand_in.url}/v25.0", str(Path(workdir) / "media"))
    off_env = worker_env(env, WHATSAPP_MEDIA_DOWNLOAD="false")
    on_env = worker_env(env, WHATSAPP_MEDIA_DOWNLOAD="true")
    recreate_database(args.database_url, env)
    log = open(Path(workdir) / "servers.log", "w")  # noqa: SIM115 - open for the whole run
    port = free_port()
    server = start_production(port, env, log)
    common = {"port": port, "clients": args.clients, "log": log, "db": args.database_url}
    load_before = os.getloadavg()[0]
    try:
        wait_for(port)
        for tag, worker in (("warm-off", off_env), ("warm-on", on_env)):
            asyncio.run(fire(port, build_load(stand_in, tag, f"9{len(tag)}", 40), args.clients))
            drain(worker, log, timeout=WORKER_TIMEOUT, track_rss=True)
        off, on = Phase("download off"), Phase("download on")
        per_round = max(1, args.messages // args.rounds)
        for round_ in range(args.rounds):
            order = [(off, "1561", off_env), (on, "1562", on_env)]
            for phase, prefix, worker in order if round_ % 2 == 0 else order[::-1]:
                tag = f"{phase.name.split()[1]}{round_}"
                requests = build_load(stand_in, tag, f"{prefix}{round_:02d}", per_round)
                run_round(phase, requests, tag, env=worker, **common)
        big = Phase(f"download on, {args.rss_factor} x N")
        requests = build_load(stand_in, "big", "156300", args.messages * args.rss_factor)
        run_round(big, requests, "big", env=on_env, **common)
        counts = {p.name: media_counts(args.database_url, p.tags) for p in (off, on, big)}
    finally:
        stop_server(server)
        stand_in.stop()
        log.close()
    load_after = os.getloadavg()[0]
    if report(args, off, on, big, counts, stand_in, load_before, load_after, log.name):
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        sys.exit(1)


def report(args, off, on, big, counts, stand_in, load_before, load_after, log_name) -> bool:
    mb = 1024 * 1024
    print(
        f"PostgreSQL, gunicorn + uvicorn workers + one batch db_worker, production settings, "
        f"BOT_ENABLED=false; "
        f"{off.messages} image webhooks per phase in {args.rounds} alternating rounds, POSTed "
        f"by {args.clients} keep-alive clients; each image {len(IMAGE) // 1024} KB served by "
        f"the Graph stand-in; {os.cpu_count()} CPUs, load average {load_before:.1f} before, "
        f"{load_after:.1f} after"
    )
    print(f"{'phase':<24}{'msg/s':>8}{'total s':>9}{'peak RSS':>11}  media rows")
    for phase in (off, on, big):
        rows = ", ".join(f"{state} {n}" for state, n in sorted(counts[phase.name].items()))
        print(
            f"{phase.name:<24}{phase.rate:>8.1f}{phase.elapsed:>9.1f}"
            f"{phase.peak_rss / mb:>8.0f} MB  {rows}"
        )
    ratio = on.rate / off.rate
    print(f"ratio (download on / off): {ratio:.2f} (goal >= 0.50)")
    print(
        f"worker peak RSS with downloads: {on.peak_rss / mb:.0f} MB for N={on.messages}, "
        f"{big.peak_rss / mb:.0f} MB for N={big.messages} (goal < 200 MB, flat)"
    )
    print(f"files served by the stand-in: {len(stand_in.media_downloads)}")
    stored = counts[on.name].get("stored", 0) + counts[big.name].get("stored", 0)
    expected = on.messages + big.messages
    problems = []
    if counts[off.name] != {"disabled": off.messages}:
        problems.append(f"download off: media rows {counts[off.name]}")
    if stored != expected:
        problems.append(f"download on: {stored}/{expected} files stored")
    for phase in (off, on, big):
        if phase.statuses != {200: phase.messages}:
            problems.append(f"{phase.name}: HTTP statuses {phase.statuses}")
    for problem in problems:
        print("PROBLEM:", problem)
    if problems:
        print(f"FAILED: see {log_name}")
        return False
    return True


if __name__ == "__main__":
    main()
