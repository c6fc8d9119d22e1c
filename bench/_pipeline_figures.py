"""What the database says after a round of `bench/reply_pipeline.py`: its figures and checks.

Read straight from the tables with psycopg (the bench runs outside Django): the task rows and
the webhook events, which the worker takes from their own table (how long each kind ran, how
many are left RUNNING or FAILED, how many answer tasks each conversation got) and every
inbound message of the phase with the reply that answered it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


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
    # How many conversations got how many answer tasks: {1: 80} is 80 conversations, one each.
    answer_tasks_per_conversation: Counter = field(default_factory=Counter)

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

    def left(self, status: str) -> int:
        """Tasks of the phase in `status` at the end (RUNNING or FAILED: must be none)."""
        return sum(n for (_, state), n in self.tasks.items() if state == status)

    def answer_tasks_summary(self) -> str:
        spread = self.answer_tasks_per_conversation
        conversations = sum(spread.values())
        tasks = sum(count * n for count, n in spread.items())
        shares = ", ".join(f"{n} with {count}" for count, n in sorted(spread.items()))
        return (
            f"{tasks} answer tasks for {conversations} conversations "
            f"({tasks / max(1, conversations):.2f} each; {shares or 'none'})"
        )


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


ANSWER_TASKS_PER_CONVERSATION = """
SELECT tasks, count(*) FROM (
    SELECT args_kwargs -> 'args' ->> 0 AS conversation, count(*) AS tasks
    FROM django_tasks_database_dbtaskresult
    WHERE enqueued_at >= to_timestamp(%s) AND task_path LIKE '%%answer_conversation_task'
    GROUP BY 1
) per_conversation GROUP BY tasks
"""


# The webhook events received since then, as the worker's other kind of work (webhooks/queue.py):
# a processed event counts as a successful run, one in a lease as running, one waiting as ready.
EVENTS = """
SELECT 'webhooks.queue.webhook_event',
       CASE outcome WHEN 'processed' THEN 'SUCCESSFUL' WHEN 'failed' THEN 'FAILED'
            ELSE CASE WHEN claimed_until > now() THEN 'RUNNING' ELSE 'READY' END END,
       count(*), min(claimed_at), max(processed_at)
FROM webhooks_webhookevent WHERE received_at >= to_timestamp(%s) GROUP BY 1, 2
"""

# Events are leased in batches: a batch ran from its claim to its last event processed.
EVENT_RUNS = """
SELECT coalesce(sum(n), 0), coalesce(sum(extract(epoch FROM last - claimed_at)), 0) FROM (
    SELECT claimed_at, max(processed_at) AS last, count(*) AS n FROM webhooks_webhookevent
    WHERE received_at >= to_timestamp(%s) AND processed_at IS NOT NULL GROUP BY claimed_at
) claims
"""


def read_tasks(database_url: str, phase: Phase, started: float) -> list[tuple]:
    """Count the phase's tasks and webhook events since `started` (epoch seconds) by kind and
    status, and its answer tasks per conversation; returns the rows, with each group's first
    start and last finish."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT task_path, status, count(*), min(started_at), max(finished_at) "
            "FROM django_tasks_database_dbtaskresult WHERE enqueued_at >= to_timestamp(%s) "
            "GROUP BY task_path, status",
            (started,),
        ).fetchall()
        rows += conn.execute(EVENTS, (started,)).fetchall()
        spread = conn.execute(ANSWER_TASKS_PER_CONVERSATION, (started,)).fetchall()
    for path, status, n, _, _ in rows:
        phase.tasks[path.rsplit(".", 1)[1], status] += n
    phase.answer_tasks_per_conversation.update(dict(spread))
    return rows


def read_round(database_url: str, phase: Phase, started: float) -> None:
    """Add the tasks of the round that began at `started` (epoch seconds) to the phase."""
    import psycopg

    rows = read_tasks(database_url, phase, started)
    with psycopg.connect(database_url) as conn:
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
        events, seconds = conn.execute(EVENT_RUNS, (started,)).fetchone()
        if events:
            phase.task_runs["webhook_event"] += int(events)
            phase.task_seconds["webhook_event"] += float(seconds)
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
