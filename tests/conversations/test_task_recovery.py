"""A worker fault never leaves a lead unanswered (botproject/ops/recovery.py).

Tasks of a worker that is gone run again; tasks failed for a passing cause (the database,
Redis, the network) are retried with backoff; what fails for good is shown to staff as
"Bot failed: retry (reason)", "Not sent" or "Media unavailable", where an agent can retry it.
The kill test runs a real `db_worker` process on PostgreSQL and kills it mid-task.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from botproject.ops.recovery import sweep
from conversations.models import Message, MessageStatus, ReplyState, Sender
from conversations.services import bot
from conversations.services.bot import retry_bot_reply
from conversations.services.outbound import queue_text
from tests.browser.asgi_server import ROOT, database_url, server_env
from tests.conversations.conftest import replies_to
from tests.factories import make_conversation, make_message
from tests.ops.conftest import ANSWER, SEND, make_heartbeat, make_task
from tests.standins.openai_server import slow
from webhooks.models import ProcessedMessage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def recovery_settings(settings):
    settings.TASK_ORPHANED_AFTER_SECONDS = 300
    settings.TASK_RETRY_MAX_ATTEMPTS = 3
    settings.TASK_RETRY_BASE_SECONDS = 0
    return settings


def task_statuses(task_path: str) -> list[str]:
    return list(DBTaskResult.objects.filter(task_path=task_path).values_list("status", flat=True))


def make_retries_due() -> None:
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


# Tasks of a worker that is gone


def test_a_task_of_a_silent_worker_runs_again_and_a_live_workers_task_is_left_alone():
    now = timezone.now()
    make_heartbeat("gone", last_seen=now - timedelta(minutes=6))
    make_heartbeat("alive", last_seen=now - timedelta(seconds=5))
    make_heartbeat("stopped", last_seen=now - timedelta(seconds=5), stopped_at=now)
    started = {"started_at": now - timedelta(minutes=20)}
    orphan = make_task(ANSWER, "RUNNING", enqueued_at=now, worker_ids=["gone"], **started)
    busy = make_task(ANSWER, "RUNNING", enqueued_at=now, worker_ids=["alive"], **started)
    left = make_task(SEND, "RUNNING", enqueued_at=now, worker_ids=["stopped"], **started)
    # Workers that never report (heartbeat off) are given the same bound from the start.
    old = make_task(SEND, "RUNNING", enqueued_at=now, worker_ids=["quiet"], **started)
    young = make_task(
        SEND,
        "RUNNING",
        enqueued_at=now,
        worker_ids=["quiet"],
        started_at=now - timedelta(minutes=1),
    )

    assert sweep(now).released == 3

    status = dict(DBTaskResult.objects.values_list("id", "status"))
    assert [status[t.id] for t in (orphan, busy, left, old, young)] == [
        "READY",
        "RUNNING",
        "READY",
        "READY",
        "RUNNING",
    ]
    assert sweep(now).released == 0


def test_a_task_whose_workers_keep_dying_is_given_up_and_its_messages_shown_failed():
    conversation = make_conversation()
    message = make_message(conversation, text="Hi, I'm Ana Lopez", reply_state=ReplyState.PENDING)
    now = timezone.now()
    make_heartbeat("gone", last_seen=now - timedelta(minutes=10))
    task = make_task(
        ANSWER,
        "RUNNING",
        enqueued_at=now,
        worker_ids=["a", "b", "gone"],
        started_at=now - timedelta(minutes=9),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(
        args_kwargs={"args": [conversation.pk], "kwargs": {}}
    )

    swept = sweep(now)

    assert (swept.released, swept.given_up) == (1, 1)
    task.refresh_from_db()
    assert (task.status, task.exception_class_path) == (
        "FAILED",
        "botproject.ops.recovery.WorkerLost",
    )
    message.refresh_from_db()
    assert message.reply_state == ReplyState.FAILED
    assert message.reply_error == "the task worker stopped in the middle of it"
    assert sweep(now).given_up == 0  # once


# Failures that pass


def test_a_database_error_in_a_reply_task_is_retried_and_the_lead_answered_once(
    user_writes, run_worker, monkeypatch
):
    real = bot.answer_pending_messages
    calls = []

    def database_goes_away_once(conversation_id):
        calls.append(conversation_id)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(conversation_id)

    monkeypatch.setattr(bot, "answer_pending_messages", database_goes_away_once)
    user_writes("Hi, I'm Ana Lopez")
    run_worker()
    assert task_statuses(ANSWER) == ["FAILED"]
    assert replies_to() == []

    assert sweep().retried == 1
    make_retries_due()
    run_worker()

    assert task_statuses(ANSWER) == ["SUCCESSFUL"]
    assert [reply.status for reply in replies_to()] == [MessageStatus.SENT]
    assert Message.objects.get(sender=Sender.USER).reply_state == ReplyState.ANSWERED


def test_a_reply_that_keeps_failing_shows_bot_failed_with_the_reason_and_an_agent_retries_it(
    user_writes, run_worker, monkeypatch, staff_user
):
    real = bot.answer_pending_messages

    def database_down(conversation_id):
        raise OperationalError("connection refused")

    monkeypatch.setattr(bot, "answer_pending_messages", database_down)
    user_writes("Hi, I'm Ana Lopez")
    for _ in range(3):  # TASK_RETRY_MAX_ATTEMPTS
        run_worker()
        sweep()
        make_retries_due()

    [message] = Message.objects.filter(sender=Sender.USER)
    assert message.reply_state == ReplyState.FAILED
    assert message.reply_error == "the database was unavailable (OperationalError)"
    assert len(DBTaskResult.objects.get(task_path=ANSWER).worker_ids) == 3

    monkeypatch.setattr(bot, "answer_pending_messages", real)
    assert retry_bot_reply(message, actor=staff_user("agent"))
    run_worker()
    assert [reply.status for reply in replies_to()] == [MessageStatus.SENT]


def test_an_unexpected_error_is_not_retried_but_shown_at_once(user_writes, run_worker, monkeypatch):
    def bug(conversation_id):
        raise KeyError("profile")

    monkeypatch.setattr(bot, "answer_pending_messages", bug)
    user_writes("Hi, I'm Ana Lopez")
    run_worker()

    assert sweep() == type(sweep())(released=0, retried=0, given_up=1)
    message = Message.objects.get(sender=Sender.USER)
    assert message.reply_state == ReplyState.FAILED
    assert message.reply_error == "an unexpected error (KeyError)"


def test_a_send_lost_for_good_shows_as_not_sent_and_can_be_retried(run_worker):
    lead = make_conversation(last_inbound_at=timezone.now())
    message = queue_text(lead, text="Hello", sender=Sender.BOT)
    DBTaskResult.objects.filter(task_path=SEND).update(
        status="FAILED",
        finished_at=timezone.now(),
        worker_ids=["a", "b", "c"],
        exception_class_path="django.db.utils.InterfaceError",
    )

    assert sweep().given_up == 1

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.error_title == "Not sent: the database was unavailable (InterfaceError)"


# A worker killed mid-task


@pytest.mark.postgres
def test_a_worker_killed_while_answering_leaves_the_turn_to_another_worker(
    user_writes, run_worker, openai_brain_settings, settings, tmp_path
):
    """The brain is slow to answer; the worker is killed -9 while it waits; the task is
    released once the worker is silent, and a second worker answers the lead once."""
    openai_brain_settings.queue(slow(delay=60))
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-reload"],
        cwd=ROOT,
        env=server_env(
            DATABASE_URL=database_url(connection.settings_dict),
            WORKER_HEARTBEAT_SECONDS="0.2",
            OPENAI_API_KEY="sk-test",
            OPENAI_BASE_URL=settings.OPENAI_BASE_URL,
            OPENAI_TIMEOUT="120",
            BOT_BURST_SECONDS="0",
        ),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        user_writes("Hi, I'm Ana Lopez")
        deadline = time.monotonic() + 30
        while task_statuses(ANSWER) != ["RUNNING"] or not openai_brain_settings.requests:
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.05)
    finally:
        worker.kill()
        worker.wait(10)

    settings.TASK_ORPHANED_AFTER_SECONDS = 0.5
    time.sleep(1)
    assert sweep().released == 1

    run_worker()  # another worker, with the stand-in answering at once now

    assert task_statuses(ANSWER) == ["SUCCESSFUL"]
    assert [reply.status for reply in replies_to()] == [MessageStatus.SENT]
    assert ProcessedMessage.objects.count() == 1
