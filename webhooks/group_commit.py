"""Group commit for the webhook: one writer thread per process stores the events, many per INSERT.

Why: the webhook's own work is one INSERT, but each request paid for it in full: a connection
taken from the pool and set up by Django, the statement built by the ORM, a round trip, a
commit (a WAL flush) and the connection handed back. Under a burst of Meta's statuses a dozen
requests do that at once. Here a request hands its event to the process's writer and waits
(a thread blocks in `insert`, the event loop awaits `insert_async`); the writer takes every
event waiting and stores them with one multi-row INSERT in autocommit, then answers each
request with its row's id. Nothing is answered before the statement has committed, so
durability is the same as one INSERT per request; a lone request is written at once (no
timer waits for company), and the batch grows only while a write is in progress, which is
when requests would otherwise queue for connections.

A caller inside a transaction (a test, a management command) does not come here: its event
must commit or roll back with it (webhooks/services.py, `store_event`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import queue
import threading
from concurrent.futures import Future

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    connection,
    connections,
)

from webhooks.models import WebhookEvent

logger = logging.getLogger(__name__)

# Rows per INSERT: a burst larger than this is written in several statements. 64 rows of 9
# columns stay under SQLite's oldest limit of 999 parameters per statement.
MAX_BATCH = 64


class EventWriter:
    """The process's writer thread, started on first use (in a pre-forking server's worker)."""

    def __init__(self) -> None:
        self._waiting: queue.SimpleQueue[tuple[WebhookEvent, Future]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running = False
        # A thread does not survive fork(): a worker forked from a process that had one starts
        # its own, with a fresh queue (nothing waits across a fork).
        os.register_at_fork(after_in_child=self._forget_thread)

    def _forget_thread(self) -> None:
        self._waiting = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running = False

    def insert(self, event: WebhookEvent) -> int:
        """Store a new event; its id once committed, or what the write raised (a thread)."""
        answer = self._submit(event)
        try:
            return answer.result(timeout=settings.WEBHOOK_GROUP_COMMIT_TIMEOUT_SECONDS)
        except TimeoutError:
            answer.cancel()  # not written if still waiting: the request is answered 503
            raise

    async def insert_async(self, event: WebhookEvent) -> int:
        """The same, awaited in the event loop, which goes on serving meanwhile."""
        answer = asyncio.wrap_future(self._submit(event))
        return await asyncio.wait_for(answer, settings.WEBHOOK_GROUP_COMMIT_TIMEOUT_SECONDS)

    def _submit(self, event: WebhookEvent) -> Future:
        self._ensure_running()
        answer: Future = Future()
        self._waiting.put((event, answer))
        return answer

    def _ensure_running(self) -> None:
        if self._running:
            return
        with self._lock:
            if not self._running:
                threading.Thread(target=self._run, name="webhook-event-writer", daemon=True).start()
                self._running = True

    def _run(self) -> None:
        while True:
            batch = [self._waiting.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[tuple[WebhookEvent, Future]]) -> None:
        # A wait that timed out (answered 503, so Meta sends it again) is not written.
        batch = [
            (event, answer) for event, answer in batch if answer.set_running_or_notify_cancel()
        ]
        if not batch:
            return
        try:
            answered = list(zip(batch, insert_events([event for event, _ in batch]), strict=True))
        except Exception as exc:  # every waiting request fails with it, and Meta retries
            logger.warning("Webhook events not stored", extra={"count": len(batch)})
            for _, answer in batch:
                answer.set_exception(exc)
        else:
            for (_, answer), event_id in answered:
                answer.set_result(event_id)
        finally:
            _close_connection()


def _close_connection() -> None:
    """Hand the writer's connection back to the pool after each write, as a request does: the
    pool's slots are sized for the request threads, and the next write gets a connection the
    pool has checked. A broken one may fail to close, which is no reason for the writer
    thread to die (every later webhook would wait for nothing)."""
    with contextlib.suppress(DatabaseError):
        connection.close()


writer = EventWriter()


def insert_events(events: list[WebhookEvent]) -> list[int]:
    """`INSERT ... VALUES (...), (...) RETURNING id` of new events; their ids, in order.

    Without the ORM's query compiler, which took more of the writer's time than PostgreSQL
    took to run the statement (bench/webhook_ingest.py). Each value is prepared by its model
    field as `bulk_create` would (auto_now_add, JSON, the backend's datetime format), and ids
    come back in row order, which `bulk_create` relies on too.
    """
    database = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: `connection` is a proxy
    params = []
    for event in events:
        params += [
            field.get_db_prep_save(field.pre_save(event, True), database) for field in _FIELDS
        ]
    with database.cursor() as cursor:
        cursor.execute(_insert_sql(database.vendor, len(events)), params)
        return [row[0] for row in cursor.fetchall()]


_FIELDS = [field for field in WebhookEvent._meta.concrete_fields if not field.primary_key]


@functools.cache
def _insert_sql(vendor: str, rows: int) -> str:
    """Per vendor, since quoting is the backend's; the names are the model's, not input."""
    quote = connection.ops.quote_name
    table, pk = quote(WebhookEvent._meta.db_table), quote(WebhookEvent._meta.pk.column)
    columns = ", ".join(quote(field.column) for field in _FIELDS)
    row = "(" + ", ".join(["%s"] * len(_FIELDS)) + ")"
    values = ", ".join([row] * rows)
    return f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING {pk}"  # noqa: S608
