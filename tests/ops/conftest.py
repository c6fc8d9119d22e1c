"""Seeds a queue state whose figures the Operations page and its JSON must show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from botproject.models import WorkerHeartbeat
from conversations.models import Direction, MessageStatus
from tests.factories import make_conversation, make_message
from tests.standins.sentry_server import sentry_standin  # noqa: F401 - a fixture
from webhooks.models import EventOutcome, WebhookEvent

ANSWER = "conversations.tasks.answer_conversation_task"
SEND = "conversations.tasks.send_message_task"
MEDIA = "conversations.tasks.download_media_task"


def make_task(task_path: str, status: str = "READY", *, enqueued_at: datetime, **fields):
    task = DBTaskResult.objects.create(
        task_path=task_path,
        status=status,
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        **fields,
    )
    # enqueued_at is auto_now_add: set the past afterwards.
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=enqueued_at)
    return task


def make_event(outcome: str, received_at: datetime) -> WebhookEvent:
    event = WebhookEvent.objects.create(body=b'{"entry": []}', outcome=outcome)
    WebhookEvent.objects.filter(pk=event.pk).update(received_at=received_at)
    return event


def make_heartbeat(worker_id: str, last_seen: datetime, stopped_at=None) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname="worker-host",
        pid=4242,
        started_at=last_seen - timedelta(hours=1),
        last_seen=last_seen,
        stopped_at=stopped_at,
    )


@dataclass(frozen=True)
class Seeded:
    now: datetime
    alive_worker: str = "worker-alive"
    dead_worker: str = "worker-dead"


def seed_state(now: datetime, copies: int = 1, *, heartbeats: bool = True) -> Seeded:
    """`copies` > 1 multiplies the queue rows (for query counts); the figures scale with it."""

    def ago(**delta) -> datetime:
        return now - timedelta(**delta)

    for _ in range(copies):
        # Due now: two answers (never deferred) and a send whose retry time has passed.
        make_task(ANSWER, enqueued_at=ago(minutes=5))
        make_task(ANSWER, enqueued_at=ago(minutes=1))
        make_task(SEND, enqueued_at=ago(minutes=30), run_after=ago(minutes=2))
        # Deferred: a retry in ten minutes.
        make_task(SEND, enqueued_at=ago(minutes=1), run_after=now + timedelta(minutes=10))
        # Running: one on a worker that reports, one on a worker that died.
        make_task(
            MEDIA,
            "RUNNING",
            enqueued_at=ago(minutes=4),
            started_at=ago(minutes=3),
            worker_ids=["worker-alive"],
        )
        make_task(
            ANSWER,
            "RUNNING",
            enqueued_at=ago(minutes=40),
            started_at=ago(minutes=30),
            worker_ids=["worker-old", "worker-dead"],
        )
        # Failed: 10 minutes ago, 5 hours ago, and 2 days ago (outside every window).
        for finished in (ago(minutes=10), ago(hours=5), ago(days=2)):
            make_task(SEND, "FAILED", enqueued_at=finished, finished_at=finished)
        make_task(ANSWER, "SUCCESSFUL", enqueued_at=ago(minutes=1), finished_at=ago(seconds=30))

        make_event(EventOutcome.PENDING, ago(minutes=4))
        make_event(EventOutcome.PENDING, ago(minutes=1))
        make_event(EventOutcome.FAILED, ago(minutes=20))
        make_event(EventOutcome.FAILED, ago(days=3))
        make_event(EventOutcome.REJECTED, ago(minutes=7))
        make_event(EventOutcome.REJECTED, ago(days=2))
        make_event(EventOutcome.PROCESSED, ago(minutes=1))

        lead = make_conversation()
        out = {"direction": Direction.OUT}
        # Failed within the hour: after retries, and refused before any attempt.
        make_message(
            lead, **out, status=MessageStatus.FAILED, timestamp=ago(minutes=12),
            last_send_attempt_at=ago(minutes=11),
        )  # fmt: skip
        make_message(lead, **out, status=MessageStatus.FAILED, timestamp=ago(minutes=3))
        # Not counted: failed three hours ago, and a message that went out.
        make_message(
            lead, **out, status=MessageStatus.FAILED, timestamp=ago(hours=3),
            last_send_attempt_at=ago(hours=3),
        )  # fmt: skip
        make_message(lead, **out, status=MessageStatus.SENT, timestamp=ago(minutes=2))
    if heartbeats:
        make_heartbeat("worker-alive", ago(seconds=5))
        make_heartbeat("worker-dead", ago(minutes=10))
        make_heartbeat("worker-old", ago(days=1), stopped_at=ago(days=1))
    return Seeded(now=now)


@pytest.fixture
def seeded(db):
    return seed_state(timezone.now())
