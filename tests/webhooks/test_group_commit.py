"""Webhook requests of the same moment share one INSERT, and each still gets its own row.

webhooks/group_commit.py: a request is answered 200 only once its row has committed; requests
that arrive while a write is in progress go into the next one; a write that fails fails every
request waiting on it (503, so Meta retries) and the next request is stored again.
"""

import threading
import time

import pytest
from django.db import OperationalError, transaction
from django.test import Client

from tests.samples import signed_headers, text_webhook
from tests.webhooks.conftest import WEBHOOK_URL
from webhooks import group_commit
from webhooks.models import WebhookEvent
from webhooks.services import receive_webhook

pytestmark = pytest.mark.django_db(transaction=True)


def _stored_bodies() -> dict[int, bytes]:
    return {pk: bytes(body) for pk, body in WebhookEvent.objects.values_list("pk", "body")}


def _wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_requests_arriving_during_a_write_share_the_next_insert(monkeypatch):
    real_insert = group_commit.insert_events
    rows_per_insert: list[int] = []
    first_write_started, finish_first_write = threading.Event(), threading.Event()

    def insert_events(events):
        events = list(events)
        rows_per_insert.append(len(events))
        if len(rows_per_insert) == 1:
            first_write_started.set()
            finish_first_write.wait(10)
        return real_insert(events)

    monkeypatch.setattr(group_commit, "insert_events", insert_events)
    bodies = [text_webhook(f"message {index}")[0] for index in range(9)]
    answered: dict[bytes, int] = {}

    def post(body):
        answered[body] = receive_webhook(body)

    first = threading.Thread(target=post, args=(bodies[0],))
    first.start()
    assert first_write_started.wait(10)
    others = [threading.Thread(target=post, args=(body,)) for body in bodies[1:]]
    for thread in others:
        thread.start()
    _wait_for(lambda: group_commit.writer._waiting.qsize() == 8)
    assert not answered, "nobody is answered before their row has committed"
    finish_first_write.set()
    for thread in [first, *others]:
        thread.join(10)

    assert rows_per_insert == [1, 8]
    stored = _stored_bodies()
    assert {answered[body]: body for body in bodies} == stored, "each request got its own row"
    # The rows are what the ORM would have made: pending, with their time of arrival.
    fresh = WebhookEvent.objects.filter(outcome="pending", attempts=0, error="", summary={})
    assert fresh.filter(received_at__isnull=False, claimed_until=None).count() == 9


def test_a_failed_write_answers_503_and_the_next_request_is_stored(monkeypatch, caplog):
    real_insert = group_commit.insert_events
    calls = []

    def database_gone_once(events):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_insert(events)

    monkeypatch.setattr(group_commit, "insert_events", database_gone_once)
    lost, stored = text_webhook("lost")[0], text_webhook("stored")[0]

    def post(body):
        return Client().post(
            WEBHOOK_URL, data=body, content_type="application/json", **signed_headers(body)
        )

    refused = post(lost)
    assert refused.status_code == 503
    assert refused.json() == {"error": "Could not store the event; retry later."}
    assert "Webhook not stored: OperationalError" in caplog.text
    assert not WebhookEvent.objects.exists()

    accepted = post(stored)
    assert accepted.status_code == 200
    assert _stored_bodies() == {accepted.json()["event"]: stored}


def test_inside_a_transaction_the_event_commits_or_rolls_back_with_it():
    body = text_webhook("inside")[0]
    with pytest.raises(RuntimeError), transaction.atomic():
        receive_webhook(body)
        raise RuntimeError("the caller's transaction fails")
    assert not WebhookEvent.objects.exists()

    with transaction.atomic():
        event_id = receive_webhook(body)
    assert _stored_bodies() == {event_id: body}


def test_a_stalled_database_answers_503_after_the_timeout(monkeypatch, settings):
    settings.WEBHOOK_GROUP_COMMIT_TIMEOUT_SECONDS = 0.3
    real_insert = group_commit.insert_events
    database_back = threading.Event()

    def stalled(events):
        database_back.wait(10)
        return real_insert(events)

    monkeypatch.setattr(group_commit, "insert_events", stalled)
    body = text_webhook("stalled")[0]
    started = time.monotonic()
    response = Client().post(
        WEBHOOK_URL, data=body, content_type="application/json", **signed_headers(body)
    )
    waited = time.monotonic() - started

    assert response.status_code == 503, "not answered 200: Meta keeps the event and retries"
    assert 0.3 <= waited < 5
    database_back.set()
    # The row lands once the database is back; Meta's retry is stored too, and processing
    # keeps one message per wamid (tests/webhooks/test_receiver.py).
    _wait_for(lambda: WebhookEvent.objects.exists())
