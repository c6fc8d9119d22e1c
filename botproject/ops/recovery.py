"""Tasks a fault left behind: claimed by a worker that is gone, or failed for a passing cause.

django-tasks-db runs a task once. A worker killed mid-task leaves it RUNNING for good, and a
task that met a database restart, a Redis blip or a network error stays FAILED, so the lead
it was answering never hears back. Every worker runs `sweep()` beside its heartbeat:

- **Orphans**: a RUNNING task whose worker has not reported for `TASK_ORPHANED_AFTER_SECONDS`
  (or stopped) is made READY again; a worker that never reported (heartbeat off) is given
  that long from the task's start. Our tasks are idempotent (the reply ledger, the send and
  download claims decide), so running one again never doubles what a user sees.
- **Transient failures** (the database, Redis, the network) are made READY again with
  backoff (`TASK_RETRY_BASE_SECONDS`, doubling) until the task has been tried
  `TASK_RETRY_MAX_ATTEMPTS` times.
- **Given up**: a task that failed for good (another cause, or out of attempts, or orphaned
  too often) hands its work to staff: `conversations.services.task_failures` marks the reply,
  send or download failed with the reason, where an agent can retry it. The give-up is
  claimed on the row (`return_value`, unused by a failed task) so that it happens once,
  whichever worker sweeps first.

Every change is a conditional UPDATE on the row as it was read, so workers sweeping at the
same moment never act on one task twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
import redis.exceptions
import requests.exceptions
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult
from psycopg_pool import PoolTimeout

from botproject.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Causes that pass by themselves: retrying the same task later can succeed.
TRANSIENT = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    PoolTimeout,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    ConnectionError,
    TimeoutError,
)
# Written as a task's exception when its worker died under it too often.
WORKER_LOST = "botproject.ops.recovery.WorkerLost"
# Failures older than this are history, not work: the sweep leaves them alone.
LOOK_BACK = timedelta(days=1)


class WorkerLost(Exception):
    """The task's worker stopped reporting while it ran, more often than a task is tried."""


@dataclass(frozen=True, slots=True)
class Swept:
    released: int = 0
    retried: int = 0
    given_up: int = 0


def is_transient(exception_class_path: str) -> bool:
    try:
        cause = import_string(exception_class_path)
    except ImportError:
        return False
    return isinstance(cause, type) and issubclass(cause, TRANSIENT)


def reason_for(exception_class_path: str) -> str:
    """A cause in words an agent can act on, for "Bot failed: retry (…)"."""
    name = exception_class_path.rsplit(".", 1)[-1] or "an error"
    if exception_class_path == WORKER_LOST:
        return "the task worker stopped in the middle of it"
    if not is_transient(exception_class_path):
        return f"an unexpected error ({name})"
    if exception_class_path.startswith(("django.db.", "psycopg")):
        return f"the database was unavailable ({name})"
    if exception_class_path.startswith("redis."):
        return f"Redis was unavailable ({name})"
    return f"a network error ({name})"


def sweep(now: datetime | None = None) -> Swept:
    now = now or timezone.now()
    released = release_orphans(now)
    retried, given_up = retry_or_give_up(now)
    return Swept(released=released, retried=retried, given_up=given_up)


def release_orphans(now: datetime) -> int:
    """RUNNING tasks of workers that are gone: READY again, or FAILED once tried enough."""
    gone_before = now - timedelta(seconds=settings.TASK_ORPHANED_AFTER_SECONDS)
    heartbeats = {
        beat.worker_id: beat
        for beat in WorkerHeartbeat.objects.only("worker_id", "last_seen", "stopped_at")
    }
    released = 0
    for task in DBTaskResult.objects.filter(status="RUNNING").only(
        "id", "worker_ids", "started_at"
    ):
        worker = task.worker_ids[-1] if task.worker_ids else ""
        beat = heartbeats.get(worker)
        if beat is None:
            orphaned = task.started_at is not None and task.started_at < gone_before
        else:
            orphaned = beat.stopped_at is not None or beat.last_seen < gone_before
        if not orphaned:
            continue
        same_claim = DBTaskResult.objects.filter(
            id=task.id, status="RUNNING", started_at=task.started_at
        )
        if len(task.worker_ids) >= settings.TASK_RETRY_MAX_ATTEMPTS:
            changed = same_claim.update(
                status="FAILED",
                finished_at=now,
                exception_class_path=WORKER_LOST,
                traceback=f"Worker {worker} stopped reporting while running this task.",
            )
        else:
            changed = same_claim.update(status="READY", run_after=now)
        if changed:
            released += 1
            logger.warning(
                "Released a task whose worker is gone",
                extra={"task_id": str(task.id), "worker_id": worker},
            )
    return released


def retry_or_give_up(now: datetime) -> tuple[int, int]:
    """Recent FAILED tasks: a transient cause is retried with backoff, the rest given up."""
    from conversations.services.task_failures import give_up

    retried = given_up = 0
    failed = DBTaskResult.objects.filter(
        status="FAILED", finished_at__gte=now - LOOK_BACK, return_value__isnull=True
    ).only("id", "task_path", "args_kwargs", "worker_ids", "exception_class_path", "finished_at")
    for task in failed:
        attempts = len(task.worker_ids)
        this_failure = DBTaskResult.objects.filter(
            id=task.id, status="FAILED", finished_at=task.finished_at, return_value__isnull=True
        )
        transient = is_transient(task.exception_class_path)
        if transient and attempts < settings.TASK_RETRY_MAX_ATTEMPTS:
            delay = settings.TASK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
            if this_failure.update(status="READY", run_after=now + timedelta(seconds=delay)):
                retried += 1
                logger.warning(
                    "Retrying a task that failed for a passing cause",
                    extra={"task_id": str(task.id), "attempt": attempts, "delay": delay},
                )
            continue
        reason = reason_for(task.exception_class_path)
        if this_failure.update(return_value={"given_up": reason}):
            given_up += 1
            give_up(
                task.task_path,
                task.args_kwargs.get("args", []),
                reason,
                failed_at=task.finished_at,
            )
            logger.error(
                "A task failed for good; its work is marked failed for staff",
                extra={"task_id": str(task.id), "task": task.task_path, "reason": reason},
            )
    return retried, given_up
