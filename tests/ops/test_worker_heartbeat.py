"""`manage.py db_worker` reports itself: a real worker process on PostgreSQL beats, is seen
alive by the Operations JSON, marks itself stopped on SIGTERM and goes silent on kill -9."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.management import get_commands
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from botproject.models import WorkerHeartbeat
from botproject.ops.heartbeat import record_worker_start
from conversations.tasks import follow_up_task
from tests.browser.asgi_server import ROOT, database_url, server_env
from tests.ops.conftest import make_heartbeat

JSON = reverse("ops-status-json")
BEAT_SECONDS = 0.2


def wait_for(condition, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def worker_process(tmp_path):
    """Starts `manage.py db_worker` as production does, on this test's database."""
    processes = []

    def start() -> subprocess.Popen:
        log = (tmp_path / f"worker-{len(processes)}.log").open("wb")
        env = server_env(
            DATABASE_URL=database_url(connection.settings_dict),
            WORKER_HEARTBEAT_SECONDS=str(BEAT_SECONDS),
        )
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_the_projects_db_worker_command_is_the_one_manage_py_runs():
    assert get_commands()["db_worker"] == "botproject"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_running_worker_beats_and_stops_cleanly_on_sigterm(worker_process, client_as):
    worker = worker_process()
    heartbeat = wait_for(WorkerHeartbeat.objects.first, what="the first heartbeat")
    assert heartbeat.pid == worker.pid and heartbeat.stopped_at is None

    # The id it beats under is the one the backend records on the tasks it claims.
    result = follow_up_task.enqueue(0)
    claimed = wait_for(
        lambda: DBTaskResult.objects.filter(pk=result.id).exclude(worker_ids=[]).first(),
        what="the task to be claimed",
    )
    assert claimed.worker_ids == [heartbeat.worker_id]

    first_seen = heartbeat.last_seen
    wait_for(
        lambda: WorkerHeartbeat.objects.get(pk=heartbeat.pk).last_seen > first_seen,
        what="a second beat",
    )
    admin = client_as("admin")
    workers = admin.get(JSON).json()["workers"]
    assert workers["alive"] == 1
    assert workers["recent"][0]["worker_id"] == heartbeat.worker_id

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(15) == 0
    stopped = WorkerHeartbeat.objects.get(pk=heartbeat.pk)
    assert stopped.stopped_at is not None
    assert admin.get(JSON).json()["workers"]["alive"] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_stops_beating_and_the_page_warns(worker_process, client_as, settings):
    worker = worker_process()
    heartbeat = wait_for(WorkerHeartbeat.objects.first, what="the first heartbeat")

    worker.kill()
    worker.wait(10)
    last_seen = WorkerHeartbeat.objects.get(pk=heartbeat.pk).last_seen
    time.sleep(BEAT_SECONDS * 5)
    gone = WorkerHeartbeat.objects.get(pk=heartbeat.pk)
    assert gone.last_seen == last_seen and gone.stopped_at is None

    settings.WORKER_STALE_SECONDS = BEAT_SECONDS * 3
    body = client_as("admin").get(JSON).json()
    assert body["workers"]["alive"] == 0
    assert body["workers"]["no_worker_for_seconds"] >= BEAT_SECONDS * 5
    assert any(w.startswith("No worker seen for") for w in body["warnings"])


@pytest.mark.django_db
def test_a_starting_worker_forgets_workers_gone_for_a_week(client_as):
    now = timezone.now()
    make_heartbeat("stopped-long-ago", now - timedelta(days=8), stopped_at=now - timedelta(days=8))
    make_heartbeat("died-long-ago", now - timedelta(days=8))
    make_heartbeat("stopped-yesterday", now - timedelta(days=1), stopped_at=now - timedelta(days=1))

    record_worker_start("new-worker")

    recent = client_as("admin").get(JSON).json()["workers"]["recent"]
    assert [w["worker_id"] for w in recent] == ["new-worker", "stopped-yesterday"]
