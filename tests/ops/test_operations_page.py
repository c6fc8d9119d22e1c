"""The Operations page and /ops/status.json: the right figures, for the right people only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from botproject.ops.selectors import (
    failed_tasks,
    recent_workers,
    running_tasks,
    sends_failed_since,
    task_backlog,
    webhook_event_counts,
)
from tests.ops.conftest import make_heartbeat, seed_state

pytestmark = pytest.mark.django_db

PAGE = reverse("operations")
JSON = reverse("ops-status-json")
TOKEN = "monitor-token-1234567890"


def test_the_json_counts_every_queue_of_the_seeded_state(client_as, seeded):
    body = client_as("admin").get(JSON).json()

    tasks = body["tasks"]
    assert (tasks["due"], tasks["deferred"], tasks["running"]) == (3, 1, 2)
    # The oldest due task is the answer enqueued 5 minutes ago; the send enqueued 30 minutes
    # ago has only been due since its retry time, 2 minutes ago.
    assert 5 * 60 - 5 <= tasks["oldest_due_age_seconds"] <= 5 * 60 + 30
    per_name = {row["task_name"]: (row["due"], row["deferred"]) for row in tasks["backlog"]}
    assert per_name == {
        "conversations.answer_conversation_task": (2, 0),
        "conversations.send_message_task": (1, 1),
    }
    assert (tasks["failed_last_hour"], tasks["failed_last_day"]) == (1, 2)
    running = {t["task_name"]: t for t in tasks["running_tasks"]}
    assert running["conversations.download_media_task"]["worker_alive"] is True
    assert running["conversations.answer_conversation_task"]["worker_id"] == "worker-dead"
    assert running["conversations.answer_conversation_task"]["worker_alive"] is False
    assert running["conversations.answer_conversation_task"]["running_seconds"] >= 30 * 60

    events = body["webhook_events"]
    assert (events["waiting"], events["failed"], events["failed_last_day"]) == (2, 2, 1)
    assert events["rejected_last_day"] == 1
    assert 4 * 60 - 5 <= events["oldest_waiting_age_seconds"] <= 4 * 60 + 30
    assert body["sends_failed_last_hour"] == 2

    workers = body["workers"]
    assert workers["alive"] == 1 and workers["no_worker_for_seconds"] is None
    assert [w["worker_id"] for w in workers["recent"]] == [
        "worker-alive",
        "worker-dead",
        "worker-old",
    ]
    assert body["warnings"] == ["1 task(s) RUNNING on a worker that no longer reports."]


def test_the_page_shows_the_same_figures(client_as, seeded):
    page = client_as("admin").get(PAGE).content.decode()

    for element_id, figure in [
        ("ops-tasks-due", "3"),
        ("ops-tasks-deferred", "1"),
        ("ops-tasks-running", "2"),
        ("ops-tasks-failed-hour", "1"),
        ("ops-tasks-failed-day", "2"),
        ("ops-events-waiting", "2"),
        ("ops-events-rejected", "1"),
        ("ops-sends-failed", "2"),
    ]:
        assert f'id="{element_id}">{figure}</td>' in page, element_id
    assert 'id="ops-oldest-due">5\xa0minutes</td>' in page
    assert 'id="ops-events-failed">2 (1 in the last 24 hours)</td>' in page
    assert "worker-dead <strong>(not reporting)</strong>" in page
    assert "1 task(s) RUNNING on a worker that no longer reports." in page


def test_no_worker_seen_for_minutes_is_a_warning_on_the_page(client_as, db):
    now = timezone.now()
    make_heartbeat("worker-gone", now - timezone.timedelta(minutes=12))
    client = client_as("admin")

    assert "No worker seen for 12 min" in client.get(PAGE).content.decode()
    assert client.get(JSON).json()["workers"]["no_worker_for_seconds"] >= 12 * 60


def test_a_fresh_heartbeat_clears_the_warning(client_as, db):
    make_heartbeat("worker-gone", timezone.now() - timezone.timedelta(minutes=12))
    make_heartbeat("worker-new", timezone.now())

    assert client_as("admin").get(JSON).json()["warnings"] == []


def test_with_no_worker_ever_the_page_says_so(client_as, db):
    page = client_as("admin").get(PAGE).content.decode()

    assert "No task worker has ever reported" in page


def test_admins_find_the_page_on_the_admin_index(client_as, db):
    assert PAGE in client_as("admin").get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_agents_and_viewers_are_refused_the_page_json_and_link(client_as, role, db):
    client = client_as(role)

    assert client.get(PAGE).status_code == 403
    assert client.get(JSON).status_code == 403
    assert PAGE not in client.get(reverse("admin:index")).content.decode()


def test_anonymous_visitors_are_sent_to_the_login_and_refused_the_json(client, db):
    assert client.get(PAGE).status_code == 302
    assert client.get(JSON).status_code == 403


def test_a_monitor_reads_the_json_with_the_token(client, settings, seeded):
    settings.OPS_TOKEN = TOKEN

    response = client.get(JSON, headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert response.json()["tasks"]["due"] == 3
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    "header", [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", "Bearer ", TOKEN]
)
def test_a_wrong_token_is_refused(client, settings, header, db):
    settings.OPS_TOKEN = TOKEN

    assert client.get(JSON, headers={"Authorization": header}).status_code == 403


def test_without_ops_token_no_token_opens_the_json(client, settings, db):
    settings.OPS_TOKEN = ""

    assert client.get(JSON, headers={"Authorization": "Bearer "}).status_code == 403
    assert client.get(JSON, headers={"Authorization": "Bearer x"}).status_code == 403


def test_the_page_costs_the_same_queries_for_three_times_the_rows(client_as, db):
    client = client_as("admin")
    seed_state(timezone.now(), copies=1)
    with CaptureQueriesContext(connection) as small:
        client.get(PAGE)
    seed_state(timezone.now(), copies=2, heartbeats=False)
    with CaptureQueriesContext(connection) as large:
        response = client.get(PAGE)

    assert 'id="ops-tasks-due">9</td>' in response.content.decode()
    assert len(large) == len(small) <= 12


@pytest.mark.postgres
def test_every_figure_reads_its_index_not_the_whole_table(seeded):
    """With sequential scans priced out, PostgreSQL finds the index meant for each figure."""
    now = timezone.now()
    figures = [
        (lambda: list(task_backlog(now)), "tasks_db_new_ordering_idx"),
        (running_tasks, "ops_task_running_idx"),
        (lambda: list(failed_tasks(now)), "ops_task_failed_idx"),
        (lambda: webhook_event_counts(now), "webhooks_we_outcome_1b631e_idx"),
        (lambda: sends_failed_since(now - timezone.timedelta(hours=1)), "message_timestamp_idx"),
        (lambda: recent_workers(now), "worker_heartbeat_seen_idx"),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    try:
        for read, index in figures:
            with CaptureQueriesContext(connection) as captured:
                read()
            [query] = captured
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {query['sql']}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            assert index in plan and "Seq Scan" not in plan, f"{query['sql']}\n{plan}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = on")
