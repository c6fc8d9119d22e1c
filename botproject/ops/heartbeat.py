"""Writes of a task worker's heartbeat (WorkerHeartbeat rows), and the sweep for lost tasks.

The beat runs in a daemon thread beside the worker loop, so that a task running for minutes
still shows its worker alive; the thread uses its own database connection (Django's are per
thread) and closes it when it stops. After each beat it sweeps for tasks that a dead worker
or a passing fault left behind (botproject/ops/recovery.py).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.db import DatabaseError, connection
from django.utils import timezone

from botproject.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Rows of workers that stopped (or died) are kept this long (the page shows the last one
# seen), then removed at the next worker start.
KEEP_GONE = timedelta(days=7)


def record_worker_start(worker_id: str) -> WorkerHeartbeat:
    """The first beat, written before the worker claims anything; prunes long-gone workers."""
    now = timezone.now()
    WorkerHeartbeat.objects.filter(last_seen__lt=now - KEEP_GONE).delete()
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": now,
            "last_seen": now,
            "stopped_at": None,
        },
    )
    return heartbeat


def record_worker_beat(heartbeat: WorkerHeartbeat) -> None:
    """One UPDATE; recreates the row if someone deleted it meanwhile."""
    now = timezone.now()
    if not WorkerHeartbeat.objects.filter(worker_id=heartbeat.worker_id).update(last_seen=now):
        heartbeat.last_seen = now
        heartbeat.stopped_at = None
        WorkerHeartbeat.objects.update_or_create(
            worker_id=heartbeat.worker_id,
            defaults={
                "hostname": heartbeat.hostname,
                "pid": heartbeat.pid,
                "started_at": heartbeat.started_at,
                "last_seen": now,
                "stopped_at": None,
            },
        )


def sweep_for_lost_tasks(heartbeat: WorkerHeartbeat) -> None:
    """Every beat: tasks of dead workers run again, passing failures are retried."""
    from botproject.ops.recovery import sweep

    try:
        sweep()
    except DatabaseError:
        raise  # the beat's own handling: logged, the connection reset
    except Exception:
        # A fault in the sweep must never stop the beat, or this worker would look dead.
        logger.exception("Sweep for lost tasks failed")


def record_worker_stop(heartbeat: WorkerHeartbeat) -> None:
    """Marked rather than deleted, so "no worker seen for N min" still knows the last one."""
    now = timezone.now()
    WorkerHeartbeat.objects.filter(worker_id=heartbeat.worker_id).update(
        last_seen=now, stopped_at=now
    )


class HeartbeatThread(threading.Thread):
    """Beats every `interval` seconds until `stop()`, then marks the worker stopped."""

    def __init__(self, heartbeat: WorkerHeartbeat, interval: float):
        super().__init__(name=f"heartbeat-{heartbeat.worker_id}", daemon=True)
        self.heartbeat = heartbeat
        self.interval = interval
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.wait(self.interval):
                self._safely(record_worker_beat, "beat")
                self._safely(sweep_for_lost_tasks, "sweep")
            self._safely(record_worker_stop, "stop")
        finally:
            connection.close()

    def _safely(self, write, what: str) -> None:
        # A database hiccup must cost one beat, never the worker: log it and go on.
        try:
            write(self.heartbeat)
        except DatabaseError as exc:
            logger.warning(
                "Worker heartbeat failed",
                extra={"worker_id": self.heartbeat.worker_id, "step": what, "error": str(exc)},
            )
            connection.close()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self.join(timeout)
