"""Reads for the Operations page and its JSON: one cheap query per figure.

Each figure reads an index: READY tasks the backend's own partial index, RUNNING and FAILED
tasks the partial ones of botproject's 0002 migration, webhook events (outcome, received_at),
failed sends message_timestamp_idx, heartbeats their last_seen index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, F, Min, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from botproject.models import WorkerHeartbeat
from conversations.models import Direction, Message, MessageStatus
from webhooks.models import EventOutcome, WebhookEvent

RUNNING_SHOWN = 50
WORKERS_SHOWN = 20
# A send is tried for about a minute (retries, then waiting for Meta's confirmation): a message
# queued longer ago than this cannot have failed within the last hour on our side.
SEND_FAILURE_LOOKBACK = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class TaskBacklog:
    task_name: str
    due: int
    deferred: int
    oldest_due_since: datetime | None


@dataclass(frozen=True, slots=True)
class RunningTask:
    task_name: str
    task_id: str
    started_at: datetime | None
    worker_id: str
    worker_alive: bool


@dataclass(frozen=True, slots=True)
class FailedTasks:
    task_name: str
    last_hour: int
    last_day: int


@dataclass(frozen=True, slots=True)
class WorkerSeen:
    worker_id: str
    hostname: str
    pid: int
    started_at: datetime
    last_seen: datetime
    stopped_at: datetime | None
    alive: bool


@dataclass(frozen=True, slots=True)
class OperationsStatus:
    now: datetime
    backlog: list[TaskBacklog]
    running: list[RunningTask]
    running_total: int
    failed_tasks: list[FailedTasks]
    events_waiting: int
    oldest_event_waiting_since: datetime | None
    events_failed: int
    events_failed_last_day: int
    events_rejected_last_day: int
    sends_failed_last_hour: int
    workers: list[WorkerSeen]
    stale_after_seconds: float
    warnings: list[str] = field(default_factory=list)

    @property
    def tasks_due(self) -> int:
        return sum(row.due for row in self.backlog)

    @property
    def tasks_deferred(self) -> int:
        return sum(row.deferred for row in self.backlog)

    @property
    def oldest_due_since(self) -> datetime | None:
        return min((r.oldest_due_since for r in self.backlog if r.oldest_due_since), default=None)

    @property
    def oldest_due_age_seconds(self) -> float | None:
        return _age(self.now, self.oldest_due_since)

    @property
    def oldest_event_waiting_age_seconds(self) -> float | None:
        return _age(self.now, self.oldest_event_waiting_since)

    @property
    def tasks_failed_last_hour(self) -> int:
        return sum(row.last_hour for row in self.failed_tasks)

    @property
    def tasks_failed_last_day(self) -> int:
        return sum(row.last_day for row in self.failed_tasks)

    @property
    def workers_alive(self) -> int:
        return sum(worker.alive for worker in self.workers)

    @property
    def last_worker_seen(self) -> datetime | None:
        return max((worker.last_seen for worker in self.workers), default=None)

    @property
    def no_worker_for_seconds(self) -> float | None:
        """How long no worker has reported; None while one is alive (or none ever ran)."""
        if self.workers_alive or self.last_worker_seen is None:
            return None
        return _age(self.now, self.last_worker_seen)


def _age(now: datetime, since: datetime | None) -> float | None:
    return None if since is None else max(0.0, (now - since).total_seconds())


def _task_name(task_path: str) -> str:
    # "conversations.tasks.answer_task" -> "conversations.answer_task": app and function.
    module, _, name = task_path.rpartition(".")
    return f"{module.split('.')[0]}.{name}" if module else task_path


def task_backlog(now: datetime) -> list[TaskBacklog]:
    """READY tasks per name: due now (no run_after, or passed) and deferred to later."""
    never = get_date_max()  # the backend's "no run_after"
    due = Q(run_after=never) | Q(run_after__lte=now)
    rows = (
        DBTaskResult.objects.filter(status="READY")
        .values("task_path")
        .annotate(
            due=Count("id", filter=due),
            deferred=Count("id", filter=~due),
            # Waiting since it was enqueued, or since its run_after passed.
            oldest_due=Min(
                Case(When(run_after=never, then=F("enqueued_at")), default=F("run_after")),
                filter=due,
            ),
        )
        .order_by("task_path")
    )
    return [
        TaskBacklog(_task_name(r["task_path"]), r["due"], r["deferred"], r["oldest_due"])
        for r in rows
    ]


def running_tasks() -> tuple[list[dict], int]:
    """The longest-running RUNNING tasks (the worker's last claim on each), and how many."""
    running = DBTaskResult.objects.filter(status="RUNNING")
    rows = list(
        running.order_by(F("started_at").asc(nulls_first=True)).values(
            "id", "task_path", "started_at", "worker_ids"
        )[:RUNNING_SHOWN]
    )
    total = len(rows) if len(rows) < RUNNING_SHOWN else running.count()
    return rows, total


def failed_tasks(now: datetime) -> list[FailedTasks]:
    rows = (
        DBTaskResult.objects.filter(status="FAILED", finished_at__gte=now - timedelta(days=1))
        .values("task_path")
        .annotate(
            last_hour=Count("id", filter=Q(finished_at__gte=now - timedelta(hours=1))),
            last_day=Count("id"),
        )
        .order_by("task_path")
    )
    return [FailedTasks(_task_name(r["task_path"]), r["last_hour"], r["last_day"]) for r in rows]


def webhook_event_counts(now: datetime) -> dict:
    day_ago = now - timedelta(days=1)
    return WebhookEvent.objects.filter(
        Q(outcome__in=[EventOutcome.PENDING, EventOutcome.FAILED])
        | Q(outcome=EventOutcome.REJECTED, received_at__gte=day_ago)
    ).aggregate(
        waiting=Count("id", filter=Q(outcome=EventOutcome.PENDING)),
        oldest_waiting=Min("received_at", filter=Q(outcome=EventOutcome.PENDING)),
        failed=Count("id", filter=Q(outcome=EventOutcome.FAILED)),
        failed_last_day=Count(
            "id", filter=Q(outcome=EventOutcome.FAILED, received_at__gte=day_ago)
        ),
        rejected_last_day=Count("id", filter=Q(outcome=EventOutcome.REJECTED)),
    )


def sends_failed_since(since: datetime) -> int:
    """Outbound messages that failed and whose last send attempt was after `since`."""
    return (
        Message.objects.filter(
            direction=Direction.OUT,
            status=MessageStatus.FAILED,
            timestamp__gte=since - SEND_FAILURE_LOOKBACK,
        )
        .alias(failed_around=Coalesce("last_send_attempt_at", "timestamp"))
        .filter(failed_around__gte=since)
        .count()
    )


def recent_workers(now: datetime) -> list[WorkerSeen]:
    stale_before = now - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    return [
        WorkerSeen(
            worker_id=w.worker_id,
            hostname=w.hostname,
            pid=w.pid,
            started_at=w.started_at,
            last_seen=w.last_seen,
            stopped_at=w.stopped_at,
            alive=w.stopped_at is None and w.last_seen >= stale_before,
        )
        for w in WorkerHeartbeat.objects.order_by("-last_seen")[:WORKERS_SHOWN]
    ]


def worker_is_running(now: datetime | None = None) -> bool:
    """Has a task worker that is still running reported within WORKER_STALE_SECONDS? One
    query on the last_seen index: the back office asks on every page."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(last_seen__gte=cutoff, stopped_at__isnull=True).exists()


def operations_status() -> OperationsStatus:
    """Everything the Operations page and /ops/status.json show, read at one instant."""
    now = timezone.now()
    workers = recent_workers(now)
    alive_ids = {w.worker_id for w in workers if w.alive}
    rows, running_total = running_tasks()
    running = [
        RunningTask(
            task_name=_task_name(r["task_path"]),
            task_id=str(r["id"]),
            started_at=r["started_at"],
            worker_id=(r["worker_ids"] or [""])[-1],
            worker_alive=(r["worker_ids"] or [""])[-1] in alive_ids,
        )
        for r in rows
    ]
    events = webhook_event_counts(now)
    status = OperationsStatus(
        now=now,
        backlog=task_backlog(now),
        running=running,
        running_total=running_total,
        failed_tasks=failed_tasks(now),
        events_waiting=events["waiting"],
        oldest_event_waiting_since=events["oldest_waiting"],
        events_failed=events["failed"],
        events_failed_last_day=events["failed_last_day"],
        events_rejected_last_day=events["rejected_last_day"],
        sends_failed_last_hour=sends_failed_since(now - timedelta(hours=1)),
        workers=workers,
        stale_after_seconds=settings.WORKER_STALE_SECONDS,
    )
    status.warnings.extend(_warnings(status))
    return status


def _warnings(status: OperationsStatus) -> list[str]:
    warnings = []
    if not status.workers:
        warnings.append("No task worker has ever reported: is `manage.py db_worker` running?")
    elif (silent := status.no_worker_for_seconds) is not None:
        warnings.append(
            f"No worker seen for {silent / 60:.0f} min: tasks are not running "
            f"({status.tasks_due} due)."
        )
    if stuck := [t for t in status.running if not t.worker_alive]:
        warnings.append(f"{len(stuck)} task(s) RUNNING on a worker that no longer reports.")
    return warnings
