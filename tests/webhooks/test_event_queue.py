"""The events table is the processing queue: one INSERT per webhook, taken by any worker once.

What a user notices: a message Meta posted is stored (and answered) by the worker without any
task having been queued for it; two workers never take the same event; an event whose worker
died, or whose processing raised, is taken again; one that keeps failing ends as "failed" with
the reason, where the Operations page and the event list show it.
"""

import time
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conversations.models import Message
from tests.races import run_together
from tests.samples import text_webhook
from webhooks import queue
from webhooks.models import WebhookEvent
from webhooks.queue import EventPump, claim_events, drain_events, run_event
from webhooks.services import receive_webhook

pytestmark = pytest.mark.django_db(transaction=True)


def stored(wamid: str) -> bool:
    return Message.objects.filter(wamid=wamid).exists()


def test_the_webhook_writes_the_event_alone_and_the_worker_stores_its_message(
    post_body, run_worker
):
    body, wamid = text_webhook("Hello there")
    assert post_body(body).status_code == 200

    event = WebhookEvent.objects.get()
    assert (event.outcome, event.claimed_until) == ("pending", None)
    assert not DBTaskResult.objects.exists(), "no task row is written in the request"
    assert not stored(wamid)

    run_worker()
    event.refresh_from_db()
    assert (event.outcome, event.attempts, event.claimed_until) == ("processed", 1, None)
    assert stored(wamid)


def test_a_running_pump_stores_what_arrives_while_it_waits(post_body):
    pump = EventPump(interval=0.05)
    pump.start()
    try:
        body, wamid = text_webhook("Posted while the worker idles")
        assert post_body(body).status_code == 200
        deadline = time.monotonic() + 10
        while not stored(wamid) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        pump.stop()
    assert not pump.is_alive()
    assert stored(wamid)
    assert WebhookEvent.objects.get().outcome == "processed"


def test_a_claim_is_a_lease_that_another_worker_takes_once_it_has_passed(settings):
    settings.WEBHOOK_EVENT_LEASE_SECONDS = 0.3
    event = WebhookEvent.objects.get(pk=receive_webhook(text_webhook("Hi")[0]))

    assert claim_events() == [event.pk]
    assert claim_events() == [], "leased: a second worker does not take it"
    time.sleep(0.4)  # the first worker died without finishing it
    assert claim_events() == [event.pk]


def test_a_stopping_pump_gives_back_the_events_it_had_not_started(settings, monkeypatch):
    events = [receive_webhook(text_webhook(f"m{index}")[0]) for index in range(3)]
    pump = EventPump(interval=0.05)
    started = []

    def process_one_then_stop(event_id):
        started.append(event_id)
        pump._stopping.set()  # SIGTERM arrives during the first event

    monkeypatch.setattr(queue, "run_event", process_one_then_stop)
    pump._pump_once()

    assert started == events[:1]
    leased = dict(WebhookEvent.objects.values_list("pk", "claimed_until"))
    assert leased[events[0]] is not None
    assert leased[events[1]] is None and leased[events[2]] is None
    assert claim_events() == events[1:]


def test_an_event_whose_processing_raises_is_retried_with_backoff_then_failed(
    settings, monkeypatch
):
    settings.WEBHOOK_EVENT_MAX_ATTEMPTS = 3
    settings.WEBHOOK_EVENT_RETRY_BASE_SECONDS = 10
    body, wamid = text_webhook("Hello")
    event = WebhookEvent.objects.get(pk=receive_webhook(body))

    def database_gone(event_id):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(queue, "process_webhook_event", database_gone)
    before = timezone.now()
    for attempt, delay in ((1, 10), (2, 20)):
        [claimed] = claim_events()
        run_event(claimed)
        event.refresh_from_db()
        assert (event.outcome, event.attempts) == ("pending", attempt)
        assert f"Attempt {attempt} failed, retried in {delay} s" in event.error
        assert "server closed the connection" in event.error
        assert event.claimed_until >= before + timedelta(seconds=delay)
        assert claim_events() == [], "not taken again before its backoff has passed"
        WebhookEvent.objects.filter(pk=event.pk).update(claimed_until=timezone.now())

    [claimed] = claim_events()
    run_event(claimed)
    event.refresh_from_db()
    assert (event.outcome, event.attempts, event.claimed_until) == ("failed", 3, None)
    assert event.error.startswith("Gave up after 3 attempts.")
    assert not stored(wamid)


def test_once_the_fault_is_gone_the_retry_stores_the_message(settings, monkeypatch):
    body, wamid = text_webhook("Hello")
    event = WebhookEvent.objects.get(pk=receive_webhook(body))
    real = queue.process_webhook_event
    monkeypatch.setattr(queue, "process_webhook_event", lambda pk: 1 / 0)
    run_event(claim_events()[0])
    monkeypatch.setattr(queue, "process_webhook_event", real)
    WebhookEvent.objects.filter(pk=event.pk).update(claimed_until=timezone.now())

    assert drain_events() == 1
    event.refresh_from_db()
    assert (event.outcome, event.error) == ("processed", "")
    assert stored(wamid)


@pytest.mark.postgres
def test_workers_claiming_at_once_never_take_the_same_event():
    events = {receive_webhook(text_webhook(f"m{index}")[0]) for index in range(60)}

    claims = run_together(lambda _: claim_events(limit=10), list(range(8)))

    taken = [event_id for claim in claims for event_id in claim]
    assert len(taken) == len(set(taken)), "an event was taken by two workers"
    assert set(taken) == events
