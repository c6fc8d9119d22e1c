"""The whole reply pipeline (store → brain → send) against ingest alone, measured in one run.

Starts the web service as render.yaml runs it (gunicorn + uvicorn workers) on PostgreSQL
with production settings (DEBUG off, psycopg pool, `bench.settings`)
on a database of its own, recreated and migrated for each run, and runs two phases on it:

1. **ingest only**: N signed inbound text webhooks are POSTed from a few concurrent keep-alive
   clients, then one `manage.py db_worker --batch` (production runs one worker service) drains
   the stored webhook events with `BOT_ENABLED=false`: every message is stored, the bot does
   nothing.
2. **full pipeline**: N other messages (other wamids, other users) the same way, drained with
   `BOT_ENABLED=true`, the offline brain and the console transport: each message is stored
   `pending`, `answer_conversation_task` runs the brain, claims the messages in
   `ProcessedMessage`, applies the profile updates and queues the reply, then sends it once
   committed (its `send_message_task`, due a minute later, is withdrawn: it runs only for a
   worker that died in between). The phase ends when every event and task has finished.

The phases run in alternating rounds (`--rounds`, default 4: ingest then pipeline, then pipeline
then ingest, ...), each round with users of its own, so that both see the same busy machine. Each
rate is messages / (first POST → last task finished), summed over the rounds; the worker-only
rate (its first event or task started → its last finished) is printed too, since the POSTs and the
worker's start cost the same in both phases, and so is the worker's CPU time per message (less
what starting a worker costs), which other load on the machine disturbs less. The messages
are spread over N/5 users (`--per-user`) and sent round-robin, with texts from which the
offline brain extracts names, companies and emails; every body is built with the current time, so
the replies fall inside WhatsApp's 24-hour window.

`BOT_BURST_SECONDS=0`: the burst window defers each answer task by that many seconds, which adds
latency to every reply but hardly any work (the deferred task does what an immediate one does;
only a task that wakes up while its user is still typing defers itself once more), so with the
default 3 s a drain would mostly measure the wait, and a batch worker would exit before the
deferred tasks are due. The messages of a user still come
in bursts here: the worker takes tasks in FIFO order, so a user's five messages are all stored
before their one answer task runs (a conversation has at most one waiting), which answers
them together in one reply. The per-message latency (inbound `created_at` → reply
`sent_at`) is therefore measured under a full backlog and mostly shows the queue order; a short
paced phase at light load (`--probe-rate` messages/s for `--probe-seconds`, the worker running
and idle-polling every `--interval` of render.yaml's worker command) gives the latency of a
quiet day, from the message being stored.

Goals (issue 15), printed with this run's figure and never failing it: full pipeline at least
0.75 of ingest only (end to end), reply p95 under 500 ms at light load.

Checks: inbound stored, replies sent, messages answered twice (a reply that claimed no message,
or a send attempted twice: must be 0), messages left unanswered (must be 0), tasks left RUNNING
or FAILED (must be 0); and how many answer tasks each conversation got (one per burst).

Also printed, from the task rows: how long each kind of task ran on average, and the worker's
own cost per task (dequeue, claim, recording the result), so the extra cost of the bot can be
read per task rather than guessed.

The worker drains some 10-25 messages/s on a busy 2-CPU machine, so the default N is 400 per
phase (about 2-3 minutes in all); a larger N takes proportionally longer.

    .venv/bin/python bench/reply_pipeline.py [--messages 400] [--rounds 4] [--clients 4]
                                             [--per-user 5] [--probe-rate 2 --probe-seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    add_database_option,
    build_request,
    drain,
    fire,
    free_port,
    percentile,
    production_env,
    recreate_database,
    require_local,
    start_production,
    start_worker,
    stop,
    stop_server,
    wait_for,
    worker_env,
)
from bench._pipeline_figures import Phase, read_checks, read_round, read_tasks  # noqa: E402
from tests.samples import text_webhook  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/botproject_pipeline_bench"
WORKER_TIMEOUT = 240.0
# Issue 15's goals: the bot costs at most a quarter of ingest's rate, and a quiet day's reply
# leaves within half a second of the message being stored.
GOAL_RATIO = 0.75
GOAL_LIGHT_P95_MS = 500.0


def production_poll_interval() -> str:
    """How often render.yaml's worker polls an empty queue (django-tasks-db's default: 1 s)."""
    blueprint = (ROOT / "render.yaml").read_text()
    found = re.search(r"db_worker[^\n]*--interval[ =]([0-9.]+)", blueprint)
    return found.group(1) if found else "1"


FIRST = ["Ana", "Bruno", "Carla", "Diego", "Elena", "Farid", "Grace", "Hugo", "Inés", "Jonas"]
LAST = ["Lopez", "Silva", "Moreau", "Okafor", "Nakamura", "Pérez", "Schmidt", "Rossi", "Kim"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne"]
TEXTS = [
    "Hi, my name is {first} {last} and I work at {company}",
    "my email is {email}",
    "Hola, me llamo {first} {last}, trabajo en {company}",
    "What are your prices for the premium plan?",
    "I'm {first} {last}, writing from {company}. You can reach me at {email}",
    "Thanks! Is there a demo I could see this week?",
]


# --- environment --------------------------------------------------------------------------------


def base_env(database_url: str) -> dict[str, str]:
    """Production settings as the servers get them; the bench only adds what it must."""
    return production_env(
        database_url,
        drop=("BOT_",),
        WHATSAPP_TRANSPORT="console",  # and no OPENAI_API_KEY: the offline brain
        BOT_BURST_SECONDS="0",
        LOG_LEVEL="INFO",
    )


# --- load ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    tag: str
    requests: list[bytes]
    wamids: list[str]
    users: int


def build_load(tag: str, prefix: str, count: int, per_user: int) -> Load:
    """`count` inbound texts from count/per_user users, round-robin, dated now, signed."""
    users = max(1, -(-count // per_user))
    requests, wamids = [], []
    for index in range(count):
        round_, user = divmod(index, users)
        first, last = FIRST[user % len(FIRST)], LAST[user % len(LAST)]
        company = COMPANIES[user % len(COMPANIES)]
        email = f"{first.lower()}.{user}@{company.split()[0].lower()}.example"
        text = TEXTS[(user + round_) % len(TEXTS)].format(
            first=first, last=last, company=company, email=email
        )
        body, wamid = text_webhook(
            text,
            wa_id=f"{prefix}{user:07d}",
            name=f"{first} {last}",
            wamid=f"wamid.bench.{tag}.{index}",
        )
        requests.append(build_request(body))
        wamids.append(wamid)
    return Load(tag=tag, requests=requests, wamids=wamids, users=users)


# --- the phases ---------------------------------------------------------------------------------


def run_round(
    phase: Phase, load: Load, *, port, clients, env, log, database_url, startup_cpu
) -> None:
    """POST the round's messages, then drain them with one worker; add the figures up."""
    phase.messages += len(load.requests)
    phase.users += load.users
    phase.wamids += load.wamids
    started = time.time()
    posting = time.perf_counter()
    _, statuses = asyncio.run(fire(port, load.requests, clients))
    phase.statuses.update(statuses)
    phase.posted_in += time.perf_counter() - posting
    phase.worker_cpu += drain(env, log, timeout=WORKER_TIMEOUT).cpu_seconds - startup_cpu
    read_round(database_url, phase, started)


def run_probe(load: Load, rate: float, *, port, env, log, database_url) -> Phase:
    """Paced messages with the worker running as in production: the latency of a quiet day."""
    phase = Phase(name="light load", messages=len(load.requests), users=load.users)
    phase.wamids = load.wamids
    interval = production_poll_interval()
    worker = start_worker(env, log, "--interval", interval)
    started = time.time()
    try:
        time.sleep(3)  # let it start and go idle: it then polls every `interval`, as in production
        _, statuses = asyncio.run(fire(port, load.requests, 1, rate))
        phase.statuses.update(statuses)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.5)
            read_checks(database_url, phase)
            done = phase.stored == phase.messages and phase.unanswered == 0
            if done and phase.replies_sent == phase.replies:
                break
    finally:
        stop(worker)
    read_checks(database_url, phase)
    read_tasks(database_url, phase, started)
    return phase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400, help="inbound messages per phase")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive POSTers")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per phase")
    parser.add_argument("--per-user", type=int, default=5, help="messages per user (bursts)")
    parser.add_argument("--warmup", type=int, default=50, help="messages through both paths")
    parser.add_argument("--probe-rate", type=float, default=2.0, help="light load, messages/s")
    parser.add_argument("--probe-seconds", type=float, default=10.0, help="0: no light load")
    add_database_option(parser, DEFAULT_DATABASE)
    args = parser.parse_args()
    require_local(args.database_url)

    env = base_env(args.database_url)
    ingest_env, bot_env = worker_env(env, BOT_ENABLED="false"), worker_env(env, BOT_ENABLED="true")
    recreate_database(args.database_url, env)
    workdir = tempfile.mkdtemp(prefix="reply_pipeline_bench_")
    log = open(Path(workdir) / "servers.log", "w")  # noqa: SIM115 - open for the whole run
    port = free_port()
    # The web process never reads BOT_ENABLED: only the worker's tasks do.
    server = start_production(port, env, log)
    load_before = os.getloadavg()[0]
    common = {"port": port, "clients": args.clients, "log": log, "database_url": args.database_url}
    try:
        wait_for(port)
        # Warm the web server, its pools and Postgres' caches on both paths; not measured.
        for tag, prefix, worker in (
            ("warm-off", "155900", ingest_env),
            ("warm-on", "155901", bot_env),
        ):
            warm = build_load(tag, prefix, args.warmup, 5)
            asyncio.run(fire(port, warm.requests, args.clients))
            drain(worker, log, timeout=WORKER_TIMEOUT)
        # What starting a worker costs in CPU (Django, imports): a drain of an empty queue.
        common["startup_cpu"] = min(
            drain(bot_env, log, timeout=WORKER_TIMEOUT).cpu_seconds for _ in range(2)
        )
        # Alternating rounds (ingest, pipeline; then pipeline, ingest; ...) so that both phases
        # see the same machine, whose other load varies. Each round has users of its own, so
        # every round creates the same number of conversations and profiles; bodies are built
        # (and dated) just before their round.
        ingest, pipeline = Phase("ingest only"), Phase("full pipeline")
        per_round = max(1, args.messages // args.rounds)
        for round_ in range(args.rounds):
            order = [(ingest, "1551", ingest_env), (pipeline, "1552", bot_env)]
            for phase, prefix, worker in order if round_ % 2 == 0 else order[::-1]:
                tag = f"{phase.name.split()[0]}{round_}"
                load = build_load(tag, f"{prefix}{round_:02d}", per_round, args.per_user)
                run_round(phase, load, env=worker, **common)
        read_checks(args.database_url, ingest)
        read_checks(args.database_url, pipeline)
        probe = None
        if args.probe_seconds > 0:
            count = max(1, int(args.probe_rate * args.probe_seconds))
            probe = run_probe(
                build_load("probe", "155300", count, 1),
                args.probe_rate,
                port=port,
                env=bot_env,
                log=log,
                database_url=args.database_url,
            )
    finally:
        stop_server(server)
        log.close()
    load_after = os.getloadavg()[0]
    if report(args, ingest, pipeline, probe, load_before, load_after, log.name):
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        sys.exit(1)


def print_goals(ingest: Phase, pipeline: Phase, probe: Phase | None) -> None:
    """The issue's goals, each with the figure of this run; speed, so they never fail it."""
    ratio = pipeline.rate / ingest.rate
    print(
        f"goal full pipeline >= {GOAL_RATIO:.2f} x ingest only (end to end): {ratio:.2f} "
        f"{'met' if ratio >= GOAL_RATIO else 'NOT MET'}"
    )
    if probe is None or not probe.latencies:
        print(f"goal reply p95 < {GOAL_LIGHT_P95_MS:.0f} ms at light load: not measured")
        return
    p95 = percentile(probe.latencies, 0.95) * 1000
    print(
        f"goal reply p95 < {GOAL_LIGHT_P95_MS:.0f} ms at light load: {p95:.0f} ms "
        f"{'met' if p95 < GOAL_LIGHT_P95_MS else 'NOT MET'}"
    )


def report(args, ingest: Phase, pipeline: Phase, probe, load_before, load_after, log_name) -> bool:
    print(
        f"PostgreSQL, gunicorn + uvicorn workers + one db_worker, production settings, "
        f"offline brain, console transport, BOT_BURST_SECONDS=0; {ingest.messages} messages "
        f"per phase in "
        f"{args.rounds} alternating rounds, from {ingest.users} users ({args.per_user} each, "
        f"round-robin), POSTed by {args.clients} keep-alive clients, then drained by the "
        f"worker; {os.cpu_count()} CPUs, load average "
        f"{load_before:.1f} before, {load_after:.1f} after"
    )
    print(
        f"{'phase':<15}{'msg/s':>8}{'total s':>9}{'POST s':>8}{'worker s':>10}"
        f"{'worker msg/s':>14}  tasks run"
    )
    for phase in (ingest, pipeline):
        tasks = ", ".join(
            f"{task} {n}" + ("" if status == "SUCCESSFUL" else f" {status}")
            for (task, status), n in sorted(phase.tasks.items())
        )
        print(
            f"{phase.name:<15}{phase.rate:>8.1f}{phase.elapsed:>9.1f}{phase.posted_in:>8.1f}"
            f"{phase.worker_span:>10.1f}{phase.worker_rate:>14.1f}  {tasks}"
        )
    print(
        f"ratio (full pipeline / ingest only): {pipeline.rate / ingest.rate:.2f} "
        f"end to end, {pipeline.worker_rate / ingest.worker_rate:.2f} worker only"
    )
    ingest_cpu, pipeline_cpu = (p.worker_cpu / p.messages * 1000 for p in (ingest, pipeline))
    print(
        f"worker CPU per message (less its start-up): ingest only {ingest_cpu:.1f} ms, "
        f"full pipeline {pipeline_cpu:.1f} ms; ratio (ingest / pipeline) "
        f"{ingest_cpu / pipeline_cpu:.2f}"
    )
    for phase in (ingest, pipeline):
        print(f"{phase.name} worker time per task: {phase.time_per_task()}")
    answers = ", ".join(f"{n} {what!r}" for what, n in sorted(pipeline.answers.items()))
    print(
        f"full pipeline: {pipeline.replies} replies for {pipeline.stored} messages "
        f"({pipeline.stored / max(1, pipeline.replies):.1f} per reply); answer tasks: {answers}"
    )
    for phase in (pipeline, probe):
        if phase is not None:
            print(f"{phase.name}: {phase.answer_tasks_summary()}")
    lat = pipeline.latencies
    print(
        f"latency inbound created_at -> reply sent_at, full backlog: p50 "
        f"{percentile(lat, 0.5):.2f} s, p95 {percentile(lat, 0.95):.2f} s, max "
        f"{percentile(lat, 1.0):.2f} s ({len(lat)} messages; mostly queue order, see the docstring)"
    )
    if probe is not None:
        lat = probe.latencies
        print(
            f"latency at light load ({probe.messages} messages at {args.probe_rate:g}/s from "
            f"{probe.users} users, worker running): p50 {percentile(lat, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(lat, 0.95) * 1000:.0f} ms, max {percentile(lat, 1.0) * 1000:.0f} ms"
            f"; {probe.replies_sent} replies sent, {probe.unanswered} unanswered; worker polls "
            f"every {production_poll_interval()} s as in render.yaml"
        )
    print_goals(ingest, pipeline, probe)
    phases = [phase for phase in (ingest, pipeline, probe) if phase is not None]
    stuck = sum(phase.left("RUNNING") + phase.left("FAILED") for phase in phases)
    print(
        "tasks left RUNNING or FAILED (must be 0): "
        + ", ".join(f"{p.name} {p.left('RUNNING')} + {p.left('FAILED')}" for p in phases)
    )
    problems = [
        f"{phase.name}: HTTP statuses {dict(phase.statuses)}"
        for phase in (ingest, pipeline, probe)
        if phase is not None and phase.statuses != {200: phase.messages}
    ]
    print(
        f"ingest only: {ingest.stored}/{ingest.messages} stored, {ingest.replies} replies, "
        f"{ingest.unfinished} tasks not successful"
    )
    doubled = pipeline.orphan_replies + pipeline.resent
    print(
        f"full pipeline: {pipeline.stored}/{pipeline.messages} inbound stored, "
        f"{pipeline.replies_sent}/{pipeline.replies} replies sent, {doubled} answered twice "
        f"({pipeline.orphan_replies} replies that claimed no message, {pipeline.resent} sends "
        f"attempted twice), {pipeline.unanswered} left unanswered, {pipeline.unfinished} tasks "
        f"not successful"
    )
    bad = (
        ingest.stored != ingest.messages
        or ingest.replies
        or pipeline.stored != pipeline.messages
        or pipeline.replies_sent != pipeline.replies
        or doubled
        or pipeline.unanswered
        or ingest.unfinished
        or pipeline.unfinished
        or (probe is not None and (probe.unanswered or probe.replies_sent != probe.replies))
        or stuck
    )
    for problem in problems:
        print("PROBLEM:", problem)
    if bad or problems:
        print(f"FAILED: see {log_name}")
        return False
    return True


if __name__ == "__main__":
    main()
