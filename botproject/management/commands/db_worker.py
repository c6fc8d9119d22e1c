"""`manage.py db_worker`: django-tasks-db's worker, unchanged, plus a heartbeat.

Same options and behaviour as the backend's command (render.yaml, devserver and tests start it
as `db_worker --interval 0.2 ...`). It wins over the backend's command of the same name
because `botproject` is listed before `django_tasks_db` in INSTALLED_APPS: Django's
get_commands() gives a name to the first app that has it.
"""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.db import connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as TasksDbWorkerCommand

from botproject.ops.heartbeat import HeartbeatThread, record_worker_start

logger = logging.getLogger(__name__)


def heartbeat_skipped_because(*, reload: bool, batch: bool) -> str | None:
    """Why this process should not beat, or None when it should."""
    if settings.WORKER_HEARTBEAT_SECONDS <= 0:
        return "WORKER_HEARTBEAT_SECONDS is 0"
    if reload and not batch and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
        # The autoreloader's parent only watches files; its child runs tasks (and beats).
        return "autoreloader parent"
    if connection.in_atomic_block:
        # Called inside someone's transaction (a test's call_command): a second connection
        # would neither see nor commit alongside it.
        return "inside a transaction"
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # A shared-cache in-memory database locks whole tables across connections.
        return "in-memory SQLite"
    return None


class Command(TasksDbWorkerCommand):
    help = TasksDbWorkerCommand.help + ", writing a heartbeat for the Operations page"

    def handle(self, *args, **options) -> None:
        reason = heartbeat_skipped_because(reload=options["reload"], batch=options["batch"])
        if reason is not None:
            logger.debug("Worker heartbeat off", extra={"reason": reason})
            return super().handle(*args, **options)
        beat = HeartbeatThread(
            record_worker_start(options["worker_id"]), settings.WORKER_HEARTBEAT_SECONDS
        )
        beat.start()
        try:
            return super().handle(*args, **options)
        finally:
            # Runs on a clean exit too: SIGTERM/SIGINT end the worker with SystemExit.
            beat.stop()
