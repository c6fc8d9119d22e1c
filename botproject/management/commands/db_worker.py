"""`manage.py db_worker`: django-tasks-db's worker, plus a heartbeat and the webhook events.

Same options and behaviour as the backend's command (render.yaml, devserver and tests start it
as `db_worker --interval 0.2 ...`), with two threads beside its task loop:

- a heartbeat for the Operations page (botproject/ops/heartbeat.py);
- the webhook event pump (webhooks/queue.py), which processes the events the webhook stored,
  polling every `--interval` when there are none. With `--batch` the pending events are
  processed first, in this thread, then the tasks, and the worker exits as before.

It wins over the backend's command of the same name because `botproject` is listed before
`django_tasks_db` in INSTALLED_APPS: Django's get_commands() gives a name to the first app that
has it.
"""

from __future__ import annotations

import contextlib
import logging
import os

from django.conf import settings
from django.db import connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as TasksDbWorkerCommand

from botproject.ops.heartbeat import HeartbeatThread, record_worker_start
from webhooks.queue import EventPump, drain_events

logger = logging.getLogger(__name__)

# The pump's idle poll when the worker is asked for none (`--interval 0`).
MIN_EVENT_POLL_SECONDS = 0.05


def second_thread_refused_because(*, reload: bool, batch: bool) -> str | None:
    """Why no thread beside the task loop may use the database, or None when one may."""
    if reload and not batch and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
        # The autoreloader's parent only watches files; its child runs tasks (and the threads).
        return "autoreloader parent"
    if connection.in_atomic_block:
        # Called inside someone's transaction (a test's call_command): a second connection
        # would neither see nor commit alongside it.
        return "inside a transaction"
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # A shared-cache in-memory database locks whole tables across connections.
        return "in-memory SQLite"
    return None


def heartbeat_skipped_because(*, reload: bool, batch: bool) -> str | None:
    """Why this process should not beat, or None when it should."""
    if settings.WORKER_HEARTBEAT_SECONDS <= 0:
        return "WORKER_HEARTBEAT_SECONDS is 0"
    return second_thread_refused_because(reload=reload, batch=batch)


class Command(TasksDbWorkerCommand):
    help = (
        TasksDbWorkerCommand.help
        + ", and the stored webhook events, writing a heartbeat for the Operations page"
    )

    def handle(self, *args, **options) -> None:
        reload, batch = options["reload"], options["batch"]
        with contextlib.ExitStack() as threads:
            reason = heartbeat_skipped_because(reload=reload, batch=batch)
            if reason is None:
                beat = HeartbeatThread(
                    record_worker_start(options["worker_id"]), settings.WORKER_HEARTBEAT_SECONDS
                )
                beat.start()
                # Runs on a clean exit too: SIGTERM/SIGINT end the worker with SystemExit.
                threads.callback(beat.stop)
            else:
                logger.debug("Worker heartbeat off", extra={"reason": reason})

            if batch:
                drain_events()
            elif second_thread_refused_because(reload=reload, batch=batch) is None:
                pump = EventPump(max(options["interval"], MIN_EVENT_POLL_SECONDS))
                pump.start()
                threads.callback(pump.stop)  # before the beat stops: callbacks run in reverse
            return super().handle(*args, **options)
