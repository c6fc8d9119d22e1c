"""The bot's reply is sent by its own turn, once committed; its send task is only a safety net.

The turn writes the reply `queued` with a send task due a minute later, sends it as soon as
its transaction commits and then withdraws that task. A worker that dies in between leaves
the task to send it; one that dies after sending leaves a task that finds nothing to do.
Sends go through the real `requests` transport to the local stand-in of Meta's API.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conversations import tasks
from conversations.models import MessageStatus
from conversations.services import outbound
from tests.conversations.conftest import replies_to
from tests.standins.graph_server import server_error

pytestmark = pytest.mark.django_db(transaction=True)

SEND_TASK = "conversations.tasks.send_message_task"


def send_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=SEND_TASK))


def make_send_tasks_due() -> None:
    """Fast-forward past the safety net's wait."""
    DBTaskResult.objects.filter(task_path=SEND_TASK, status="READY").update(
        run_after=timezone.now()
    )


def test_the_reply_is_sent_by_the_turn_and_no_send_task_is_left(
    user_writes, run_worker, graph_transport_settings
):
    user_writes("Hi, I'm Ana Lopez")
    run_worker()

    [reply] = replies_to()
    assert reply.status == MessageStatus.SENT
    assert len(graph_transport_settings.sent_texts) == 1
    assert send_tasks() == []


def test_a_worker_that_dies_before_sending_leaves_the_reply_to_its_safety_net(
    user_writes, run_worker, graph_transport_settings, monkeypatch
):
    # The turn commits, then the process is gone before its first send attempt.
    monkeypatch.setattr(outbound, "_send_at_once", lambda message, net: None)
    user_writes("Hi, I'm Ana Lopez")
    run_worker()

    [reply] = replies_to()
    assert reply.status == MessageStatus.QUEUED
    [net] = send_tasks()
    assert net.status == "READY"
    assert net.run_after > timezone.now() + timedelta(seconds=30)
    assert graph_transport_settings.sent_texts == []

    make_send_tasks_due()
    run_worker()

    reply.refresh_from_db()
    assert reply.status == MessageStatus.SENT
    assert len(graph_transport_settings.sent_texts) == 1


def test_a_worker_that_dies_after_sending_never_sends_a_second_copy(
    user_writes, run_worker, graph_transport_settings, monkeypatch
):
    # Sent, then the process is gone before it withdraws the safety net.
    monkeypatch.setattr(tasks, "withdraw", lambda result: False)
    user_writes("Hi, I'm Ana Lopez")
    run_worker()
    [reply] = replies_to()
    assert reply.status == MessageStatus.SENT

    make_send_tasks_due()
    run_worker()

    assert [task.status for task in send_tasks()] == ["SUCCESSFUL"]
    assert len(graph_transport_settings.sent_texts) == 1
    reply.refresh_from_db()
    assert reply.send_attempts == 1


def test_a_first_attempt_that_meta_refuses_for_now_is_retried_by_a_task(
    user_writes, run_worker, graph_transport_settings
):
    graph_transport_settings.queue(server_error(503))
    user_writes("Hi, I'm Ana Lopez")
    run_worker()

    [reply] = replies_to()
    assert reply.status == MessageStatus.SENT
    assert reply.send_attempts == 2
    assert len(graph_transport_settings.sent_texts) == 1
    # The retry ran as a task of its own; the safety net was withdrawn.
    assert [task.args_kwargs["args"] for task in send_tasks()] == [[reply.pk, 1]]
