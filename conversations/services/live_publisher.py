"""Live pushes over one persistent Redis connection per process.

`async_to_sync(layer.group_send)` from sync code (the db_worker, a sync view's on_commit)
runs each call on a fresh event loop, and channels_redis keeps its connection pools per
event loop: every event opened, used and closed a Redis connection of its own, a TCP and
handshake round trip per push and a storm of connections in a burst. Here one daemon thread
per process owns one event loop for the life of the process and sends every push through it,
one at a time, so the channel layer's pool for that loop holds a single connection that lasts.

Callers only append to a bounded queue: the change has committed before the push is queued,
and a push never blocks or fails it. If Redis is down or slow the queue stops growing at
`QUEUE_LIMIT` (newer pushes are dropped, with a warning) and dashboards catch up from the
`LiveEvent` table as they always have. One sender keeps pushes in the order they were made.

A forked process (gunicorn workers) never inherits the thread or its connection: the
publisher is created lazily and re-created whenever the process id changes.

The in-memory layer (local default, tests) keeps the direct call: its queues belong to the
consumer's event loop and must not be fed from another thread's loop.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import time
from collections import deque

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)

# Pushes waiting to be sent; past this (Redis down for a while) new ones are dropped,
# since a dashboard recovers them from the event table anyway.
QUEUE_LIMIT = 1000
# A Redis that accepts the connection but never answers must not stall later pushes forever.
PUSH_TIMEOUT_SECONDS = 5.0
# While Redis stays down, repeat the warning (with a count) at most this often.
WARN_EVERY_SECONDS = 30.0
# At a clean exit (SIGTERM to the worker), pushes still queued get this long to go out.
EXIT_FLUSH_SECONDS = 2.0


def push(group: str, message: dict) -> None:
    """Send `message` to `group`; with Redis, queued for the publisher thread (never waits).

    The in-memory layer's direct call can still raise: `live._push` guards both.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    if type(layer).__module__.startswith("channels_redis"):
        publisher().submit(layer, group, message)
    else:
        async_to_sync(layer.group_send)(group, message)


class LivePublisher:
    """A bounded FIFO of pushes, drained by one thread that owns one event loop."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._pending: deque[tuple[object, str, dict]] = deque()
        self._sending = False
        self._changed = threading.Condition()
        self._layer = None  # the channel layer of the last push
        self._failures = 0  # consecutive failed or dropped pushes since the last success
        self._last_warning = 0.0
        self._thread = threading.Thread(target=self._run, name="live-publisher", daemon=True)
        self._thread.start()

    def submit(self, layer, group: str, message: dict) -> bool:
        """Queue a push; False when the queue is full and the push was dropped."""
        with self._changed:
            if len(self._pending) >= QUEUE_LIMIT:
                self._failed("queue full", message, exc_info=False)
                return False
            self._pending.append((layer, group, message))
            self._changed.notify_all()
        return True

    def flush(self, timeout: float) -> bool:
        """Wait until every queued push has been tried; False if `timeout` ran out first."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._pending and not self._sending, timeout=timeout
            )

    def _run(self) -> None:
        loop = asyncio.new_event_loop()  # never closed: closing it would close the pool
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending)
                layer, group, message = self._pending.popleft()
                self._sending = True
                if layer is not self._layer:  # a new configuration (tests): a fresh record
                    self._layer, self._failures = layer, 0
            try:
                loop.run_until_complete(self._send(layer, group, message))
            except Exception:
                with self._changed:
                    self._failed("push failed", message, exc_info=True)
            else:
                with self._changed:
                    self._recovered()
            finally:
                with self._changed:
                    self._sending = False
                    self._changed.notify_all()

    @staticmethod
    async def _send(layer, group: str, message: dict) -> None:
        try:
            await asyncio.wait_for(layer.group_send(group, message), PUSH_TIMEOUT_SECONDS)
        except (RedisConnectionError, ConnectionError):
            # The pool has dropped the broken connection (Redis restarted since the last
            # push): one more try opens a fresh one, so the first event after a restart
            # is not lost.
            await asyncio.wait_for(layer.group_send(group, message), PUSH_TIMEOUT_SECONDS)

    def _failed(self, reason: str, message: dict, *, exc_info: bool) -> None:
        """Called holding the lock: the first failure warns at once, then every so often."""
        self._failures += 1
        now = time.monotonic()
        if self._failures == 1 or now - self._last_warning >= WARN_EVERY_SECONDS:
            self._last_warning = now
            logger.warning(
                "Live push failed (%s); dashboards catch up from the event table",
                reason,
                exc_info=exc_info,
                extra={"event_id": message.get("event", {}).get("id"), "failed": self._failures},
            )

    def _recovered(self) -> None:
        if self._failures:
            logger.info("Live pushes flow again", extra={"failed": self._failures})
            self._failures = 0


_creating = threading.Lock()
_publisher: LivePublisher | None = None


def publisher() -> LivePublisher:
    """This process's publisher, created on first use (after any fork)."""
    global _publisher
    current = _publisher
    if current is None or current.pid != os.getpid():
        with _creating:
            if _publisher is None or _publisher.pid != os.getpid():
                _publisher = LivePublisher()
            current = _publisher
    return current


def flush(timeout: float = EXIT_FLUSH_SECONDS) -> bool:
    """Wait for this process's queued pushes (tests, benches, exit); True if none remain."""
    current = _publisher
    if current is None or current.pid != os.getpid():
        return True
    return current.flush(timeout)


def _forget_after_fork() -> None:
    # The child has no publisher thread; a lock held by another thread at fork stays held.
    global _creating, _publisher
    _creating = threading.Lock()
    _publisher = None


os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(flush)
