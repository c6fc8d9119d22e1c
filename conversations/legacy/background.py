"""The import's background threads: the next batch read while this one is written
(`read_ahead`), and a table written by a second connection beside the main one (`Beside`).

The machine's cores are the budget: reading and parsing (Python) overlaps writing (the
database server), and the ledger's writes overlap the message index build.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from queue import Full, Queue

from django.db import connection

logger = logging.getLogger(__name__)


class Cancelled(Exception):
    """A table's import was told to stop between two batches."""


class Beside:
    """One table's import in a thread of its own, with its own database connection, while
    the calling thread goes on: started, then joined (raising what stopped it) or
    cancelled between two batches."""

    def __init__(self, work: Callable[[], None], cancelled: threading.Event):
        self.work = work
        self.cancelled = cancelled  # set by cancel; the work stops before its next batch
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name="legacy-beside", daemon=True)

    def _work(self) -> None:
        try:
            self.work()
        except Cancelled:
            pass
        except BaseException as error:  # raised in the calling thread, by join
            self.error = error
        finally:
            connection.close()  # this thread's own connection, back to the pool

    def start(self) -> None:
        self.thread.start()

    def join(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error

    def cancel(self) -> None:
        """Stop it, if still running, and wait for it: for when the calling thread fails."""
        if self.thread.is_alive():
            self.cancelled.set()
            self.thread.join()
            if self.error is not None:
                logger.warning("Legacy import beside another step failed too: %s", self.error)


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


_END = object()


@contextmanager
def read_ahead[T](items: Iterator[T], depth: int = 2) -> Iterator[Iterator[T]]:
    """Produce `items` in a background thread, at most `depth` ahead of the consumer.

    Reading and parsing the next batch (Python, one core) then overlaps writing this one
    (the database server, another core), and memory stays flat: two batches at most wait.
    The thread touches only the legacy SQLite file, never Django's connection.
    """
    waiting: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand_over(item):
                    return
            hand_over(_END)
        except BaseException as error:  # handed to the consumer, raised there
            hand_over(_Failed(error))

    def consume() -> Iterator[T]:
        while (item := waiting.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.error
            yield item

    thread = threading.Thread(target=produce, name="legacy-reader", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        thread.join()
