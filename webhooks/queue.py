"""The webhook event queue: the events table itself, emptied by every task worker.

Why not a task per event: the request would have to write the event and django-tasks-db's
task row in one transaction (BEGIN, two INSERTs, COMMIT) before answering Meta, which cost
the webhook about half of its time (bench/webhook_ingest.py). Now the request does one INSERT
in autocommit, and each `db_worker` runs an `EventPump` beside its task loop that takes pending
events in id order, processes them, and polls again at once while there are any.

Taking an event is a lease, not a lock held while it runs: `claimed_until` is set in a short
transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers never take the same rows), and
processing then runs outside it, each item in its own transaction as before. An event whose
worker died stays pending and is taken again once the lease has passed; one whose processing
raised is retried with backoff, then shown as failed. Processing is idempotent (wamids are
unique), so taking an event twice stores nothing twice.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from webhooks.models import EventOutcome, WebhookEvent
from webhooks.services import process_webhook_event

logger = logging.getLogger(__name__)

# Events taken per claim: enough to spare round trips under a burst, few enough that a worker
# which dies leaves little waiting for its lease to pass.
BATCH_SIZE = 20


def claim_events(limit: int = BATCH_SIZE) -> list[int]:
    """Lease up to `limit` pending events, oldest first, that no live lease holds."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            WebhookEvent.objects.filter(outcome=EventOutcome.PENDING)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .order_by("id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            lease = timedelta(seconds=settings.WEBHOOK_EVENT_LEASE_SECONDS)
            WebhookEvent.objects.filter(pk__in=ids).update(
                claimed_at=now, claimed_until=now + lease
            )
    return ids


def release_events(ids: list[int]) -> None:
    """Give back leased events not started (a stopping worker), so another takes them now."""
    WebhookEvent.objects.filter(pk__in=ids, outcome=EventOutcome.PENDING).update(claimed_until=None)


def run_event(event_id: int) -> None:
    """Process one leased event; if that raises, retry it later or, past the limit, fail it."""
    try:
        event = process_webhook_event(event_id)
    except Exception as exc:
        logger.exception("Webhook event processing failed", extra={"event_id": event_id})
        try:
            _retry_later(event_id, exc)
        except DatabaseError:
            # The database itself is away: the lease runs out and the event is taken again.
            logger.warning("Could not record a failed event", extra={"event_id": event_id})
            connection.close()
        return
    counts = ", ".join(
        f"{key.replace('_', ' ')} {value}"
        for key, value in sorted(event.summary.items())
        if isinstance(value, int)
    )
    logger.info("Webhook event %s %s: %s", event.pk, event.outcome, counts or "nothing to store")


def _retry_later(event_id: int, exc: Exception) -> None:
    """Backoff doubling from WEBHOOK_EVENT_RETRY_BASE_SECONDS; FAILED after the last attempt."""
    connection.close_if_unusable_or_obsolete()
    event = WebhookEvent.objects.filter(pk=event_id, outcome=EventOutcome.PENDING)
    attempts = (event.values_list("attempts", flat=True).first() or 0) + 1
    reason = f"{type(exc).__name__}: {exc}"[:2000]
    if attempts >= settings.WEBHOOK_EVENT_MAX_ATTEMPTS:
        event.update(
            outcome=EventOutcome.FAILED,
            error=f"Gave up after {attempts} attempts. {reason}",
            attempts=F("attempts") + 1,
            processed_at=timezone.now(),
            claimed_until=None,
        )
        return
    delay = settings.WEBHOOK_EVENT_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
    event.update(
        error=f"Attempt {attempts} failed, retried in {delay:.0f} s. {reason}",
        attempts=F("attempts") + 1,
        claimed_until=timezone.now() + timedelta(seconds=delay),
    )


def drain_events() -> int:
    """Process pending events until none is ready; how many were run (`db_worker --batch`)."""
    done = 0
    while ids := claim_events():
        for event_id in ids:
            run_event(event_id)
        done += len(ids)
    return done


class EventPump(threading.Thread):
    """A worker's event loop: claim, process, and poll every `interval` s when idle.

    A thread beside the task loop, so that a reply waiting seconds on OpenAI never holds up the
    storing of new messages and statuses. It uses its own database connection (Django's are
    per thread) and closes it when it stops.
    """

    def __init__(self, interval: float):
        super().__init__(name="webhook-event-pump", daemon=True)
        self.interval = interval
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                if not self._pump_once():
                    self._stopping.wait(self.interval)
        finally:
            connection.close()

    def _pump_once(self) -> bool:
        """One claim and its events; False when there was nothing (or no database) to do."""
        close_old_connections()
        try:
            ids = claim_events()
        except DatabaseError as exc:
            logger.warning("Could not claim webhook events", extra={"error": str(exc)})
            connection.close()
            return False
        for position, event_id in enumerate(ids):
            if self._stopping.is_set():
                self._release(ids[position:])
                break
            run_event(event_id)
        return bool(ids)

    def _release(self, ids: list[int]) -> None:
        with contextlib.suppress(DatabaseError):  # if not, their lease runs out instead
            release_events(ids)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the event in hand (not the rest of the claim), then return."""
        self._stopping.set()
        self.join(timeout)
