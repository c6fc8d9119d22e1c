"""The whole reply pipeline (store → brain → send) against ingest alone, measured in one run.

Starts daphne on PostgreSQL with production settings (DEBUG off, psycopg pool, `bench.settings`)
on a database of its own, recreated and migrated for each run, and runs two phases on it:

1. **ingest only**: N signed inbound text webhooks are POSTed from a few concurrent keep-alive
   clients, then one `manage.py db_worker` (production runs one worker service) drains the
   queue with `BOT_ENABLED=false`: every message is stored, the bot does nothing.
2. **full pipeline**: N other messages (other wamids, other users) the same way, drained with
   `BOT_ENABLED=true`, the offline brain and the console transport: each message is stored
   `pending`, `answer_conversation_task` runs the brain, claims the messages in
   `ProcessedMessage`, applies the profile updates and queues the reply, and `send_message_task`
   marks it sent. The phase ends when every task has finished.

The phases run in alternating rounds (`--rounds`, default 4: ingest then pipeline, then pipeline
then ingest, ...), each round with users of its own, so that both see the same busy machine. Each
rate is messages / (first POST → last task finished), summed over the rounds; the worker-only
rate (its first task started → its last finished) is printed too, since the POSTs and the
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
before the first of their answer tasks runs, which answers them together in one reply (the
four others find nothing pending). The per-message latency (inbound `created_at` → reply
`sent_at`) is therefore measured under a full backlog and mostly shows the queue order; a short
paced phase at light load (`--probe-rate` messages/s for `--probe-seconds`, the worker running
and idle-polling as in production) gives the latency of a quiet day, from the message being
stored (an idle worker first polls for it: every second by default).

Checks: inbound stored, replies sent, messages answered twice (a reply that claimed no message,
or a send attempted twice: must be 0), messages left unanswered (must be 0).

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
import shutil
import sys
import tempfile
import time
from collections import Counter
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
    percentile,
    production_env,
    recreate_database,
    require_local,
    start_daphne,
    start_worker,
    stop,
    wait_for,
    worker_env,
)
from tests.samples import text_webhook  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/botproject_pipeline_bench"
WORKER_TIMEOUT = 240.0

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


# --- what the database says ---------------------------------------------------------------------


@dataclass
class Phase:
    """One phase's figures, added up over its rounds, and its correctness counts."""

    name: str
    messages: int = 0
    users: int = 0
    wamids: list[str] = field(default_factory=list)
    elapsed: float = 0.0  # first POST -> last task finished, summed over the rounds
    posted_in: float = 0.0
    worker_span: float = 0.0  # the worker's first task started -> its last finished
    worker_cpu: float = 0.0  # the worker's CPU seconds, less what starting it costs
    statuses: Counter = field(default_factory=Counter)
    tasks: Counter = field(default_factory=Counter)  # (task, status) -> count
    answers: Counter = field(default_factory=Counter)  # answer task return value -> count
    task_runs: Counter = field(default_factory=Counter)  # task (outcome) -> count
    task_seconds: Counter = field(default_factory=Counter)  # task (outcome) -> seconds run
    stored: int = 0
    answered: int = 0
    unanswered: int = 0
    replies: int = 0
    replies_sent: int = 0
    orphan_replies: int = 0
    resent: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.messages / self.elapsed

    @property
    def worker_rate(self) -> float:
        return self.messages / self.worker_span

    def time_per_task(self) -> str:
        """Milliseconds each kind of task ran, and the worker's own cost per task besides."""
        runs = sum(self.task_runs.values())
        loop = (self.worker_span - sum(self.task_seconds.values())) / max(1, runs) * 1000
        kinds = ", ".join(
            f"{kind.replace('_task', '')} {self.task_seconds[kind] / n * 1000:.1f} ms x{n}"
            for kind, n in sorted(self.task_runs.items())
        )
        return f"{kinds}; worker loop (dequeue, claim, record) {loop:.1f} ms per task"

    @property
    def unfinished(self) -> int:
        return sum(n for (_, status), n in self.tasks.items() if status != "SUCCESSFUL")


INBOUND_WITH_REPLY = """
SELECT m.reply_state, r.id, r.status, extract(epoch FROM r.sent_at - m.created_at)
FROM conversations_message m
LEFT JOIN webhooks_processedmessage p ON p.wamid = m.wamid
LEFT JOIN LATERAL (
    -- The reply of the turn that claimed m: queued right after the claim, in the same
    -- transaction, under a lock on the conversation (conversations/services/bot.py).
    SELECT o.id, o.status, o.sent_at FROM conversations_message o
    WHERE o.conversation_id = m.conversation_id AND o.direction = 'out'
      AND o.created_at >= p.processed_at
    ORDER BY o.created_at, o.id LIMIT 1
) r ON true
WHERE m.direction = 'in' AND m.wamid = ANY(%s)
"""


def read_round(database_url: str, phase: Phase, started: float) -> None:
    """Add the tasks of the round that began at `started` (epoch seconds) to the phase."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT task_path, status, count(*), min(started_at), max(finished_at) "
            "FROM django_tasks_database_dbtaskresult WHERE enqueued_at >= to_timestamp(%s) "
            "GROUP BY task_path, status",
            (started,),
        ).fetchall()
        for path, status, n, _, _ in rows:
            phase.tasks[path.rsplit(".", 1)[1], status] += n
        first = min(row[3].timestamp() for row in rows if row[3])
        last = max(row[4].timestamp() for row in rows if row[4])
        phase.elapsed += last - started
        phase.worker_span += last - first
        phase.answers.update(
            dict(
                conn.execute(
                    "SELECT return_value #>> '{}', count(*) "
                    "FROM django_tasks_database_dbtaskresult "
                    "WHERE enqueued_at >= to_timestamp(%s) AND task_path LIKE %s "
                    "GROUP BY 1",
                    (started, "%answer_conversation_task"),
                ).fetchall()
            )
        )
        for kind, n, seconds in conn.execute(
            "SELECT regexp_replace(task_path, '.*[.]', '') || CASE WHEN task_path LIKE "
            "'%%answer_conversation_task' THEN ' (' || (return_value #>> '{}') || ')' ELSE '' "
            "END, count(*), sum(extract(epoch FROM finished_at - started_at)) "
            "FROM django_tasks_database_dbtaskresult WHERE enqueued_at >= to_timestamp(%s) "
            "AND finished_at IS NOT NULL GROUP BY 1",
            (started,),
        ):
            phase.task_runs[kind] += n
            phase.task_seconds[kind] += float(seconds)


def read_checks(database_url: str, phase: Phase) -> None:
    """Stored, answered, sent, doubled: every message of the phase; and their latencies."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        inbound = conn.execute(INBOUND_WITH_REPLY, (phase.wamids,)).fetchall()
        (phase.replies, phase.replies_sent, phase.resent) = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE o.status = 'sent' AND o.wamid IS NOT NULL),"
            " count(*) FILTER (WHERE o.send_attempts > 1) "
            "FROM conversations_message o WHERE o.direction = 'out' AND o.conversation_id IN "
            "(SELECT conversation_id FROM conversations_message WHERE wamid = ANY(%s))",
            (phase.wamids,),
        ).fetchone()
    phase.stored = len(inbound)
    phase.answered = sum(1 for state, *_ in inbound if state == "answered")
    phase.unanswered = phase.stored - phase.answered
    matched = {reply for _, reply, _, _ in inbound if reply is not None}
    phase.orphan_replies = phase.replies - len(matched)
    phase.latencies = sorted(float(late) for *_, late in inbound if late is not None)


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
    worker = start_worker(env, log)
    try:
        time.sleep(3)  # let it start and go idle: it then polls every second, as in production
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
    server = start_daphne(port, env, log)
    load_before = os.getloadavg()[0]
    common = {"port": port, "clients": args.clients, "log": log, "database_url": args.database_url}
    try:
        wait_for(port)
        # Warm daphne, its pool and Postgres' caches on both paths; not measured.
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
        stop(server)
        log.close()
    load_after = os.getloadavg()[0]
    if report(args, ingest, pipeline, probe, load_before, load_after, log.name):
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        sys.exit(1)


def report(args, ingest: Phase, pipeline: Phase, probe, load_before, load_after, log_name) -> bool:
    print(
        f"PostgreSQL, daphne + one db_worker, production settings, offline brain, console "
        f"transport, BOT_BURST_SECONDS=0; {ingest.messages} messages per phase in "
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
            f"; {probe.replies_sent} replies sent, {probe.unanswered} unanswered"
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
    )
    for problem in problems:
        print("PROBLEM:", problem)
    if bad or problems:
        print(f"FAILED: see {log_name}")
        return False
    return True


if __name__ == "__main__":
    main()
