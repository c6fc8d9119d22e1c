"""`import_legacy_database`: the legacy bot's SQLite file into our models, exactly once.

Tables are read in batches and each batch is written in its own transaction (or, for a
first import on PostgreSQL, each of the profiles, messages and ledger in one transaction:
DatabaseWriter._in_bulk), keyed by natural keys the database enforces: a conversation by
wa_id, one profile per conversation, a message by legacy id and by wamid, a processed
message by wamid. So running it twice, or again after a crash halfway, leaves the same rows
as one run, and messages that arrived by webhook after the switch are not doubled.

Messages without a usable timestamp are dated at their conversation's start (the legacy
`conversations.created_at`, else the earliest dated message of that phone in the batch that
created it, else the import time); each is counted as null or unparseable.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from queue import Full, Queue
from typing import TypeVar

from django.db import connection
from django.utils import timezone

from conversations.legacy.dry_run import DryRunWriter
from conversations.legacy.lines import LineBatch
from conversations.legacy.plain import PlainLines
from conversations.legacy.reader import LegacyDatabase
from conversations.legacy.report import ImportReport, NoProgress, Progress, TableReport
from conversations.legacy.rows import (
    CLIENT_PROFILES,
    CONVERSATIONS,
    LEGACY_TABLES,
    MESSAGES,
    PROCESSED_MESSAGES,
    TableLayout,
    parse_conversation,
    parse_message,
    parse_processed_message,
    parse_profile,
)
from conversations.legacy.writer import BatchResult, DatabaseWriter

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 10_000
# Between two passes of the cyclic collector (Python's default: 2,000). A tenth of a million
# was as fast as a million in the benchmark, and kept peak RSS at 149 MB rather than 220 MB.
GC_ALLOCATIONS = 100_000

Row = TypeVar("Row")


def import_legacy_database(
    path: str | Path,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    online: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import (or, with dry_run, only read, normalise and count) a legacy bot database.

    Raises LegacyDatabaseError before writing anything when the file is missing, is not
    SQLite, or lacks a table or a required column; LegacyReadError when the file turns out
    unreadable halfway (what was committed stays, and a re-run skips it).

    `online` keeps the tables writable during the import: each batch commits on its own
    into the live indexes, never the faster bulk loads (DatabaseWriter._in_bulk).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    started = time.monotonic()
    progress = progress or NoProgress()
    with (
        LegacyDatabase.open(path) as legacy,
        _rare_garbage_collection(),
        ExitStack() as closing,
    ):
        report = ImportReport(
            path=str(path),
            dry_run=dry_run,
            tables={
                layout.name: TableReport(
                    layout.name, missing_columns=legacy.missing_columns(layout)
                )
                for layout in LEGACY_TABLES
            },
        )
        now = timezone.now()
        if dry_run:
            writer = DryRunWriter(legacy, report, now=now)
        else:
            writer = DatabaseWriter(report, now=now)
        run = _TableImport(legacy, report, batch_size, progress)
        lines = writer.reading_lines(legacy, online=online)  # for bulk loads (plain.py)
        if lines is not None:
            closing.callback(lines.close)
        run.table(CONVERSATIONS, parse_conversation, writer.conversations, _row_and_phone)
        with writer.loading_profiles(legacy.count(CLIENT_PROFILES), progress, online=online):
            run.table(CLIENT_PROFILES, parse_profile, writer.profiles, _row_and_phone)

        def import_ledger() -> None:
            with writer.loading_ledger(legacy.count(PROCESSED_MESSAGES), progress, online=online):
                run.table(
                    PROCESSED_MESSAGES,
                    parse_processed_message,
                    writer.processed,
                    lambda p: f"row {p.row}",
                    plain=writer.plain_ledger(legacy, lines),
                    write_lines=writer.ledger_lines,
                )

        # The ledger depends on no other table. Where a second connection can write it, it
        # goes beside the end of the import (the message index build, the conversations'
        # clocks), which keeps the database server busy and Python idle.
        ledger = _Beside(import_ledger, run) if writer.can_write_beside() else None
        try:
            with writer.loading_messages(legacy.count(MESSAGES), progress, online=online):
                run.table(
                    MESSAGES,
                    parse_message,
                    writer.messages,
                    lambda m: f"id {m.legacy_id}",
                    plain=writer.plain_messages(legacy, lines),
                    write_lines=writer.message_lines,
                )
                if ledger:
                    ledger.start()
            if not ledger:
                import_ledger()
            _settle_conversations(writer, run, progress, batch_size, beside=ledger is not None)
            if ledger:
                ledger.join()
        finally:
            if ledger:
                ledger.cancel()
        writer.make_durable()
        report.invalid_utf8_values = legacy.invalid_utf8_values
    report.seconds = time.monotonic() - started
    logger.info(
        "Legacy database read" if dry_run else "Legacy database imported",
        extra={
            "path": str(path),
            "seconds": round(report.seconds, 1),
            **{f"{t.table}_imported": t.imported for t in report.tables.values()},
            **{f"{t.table}_not_placed": t.not_placed for t in report.tables.values()},
        },
    )
    return report


def _settle_conversations(
    writer: DatabaseWriter | DryRunWriter,
    run: _TableImport,
    progress: Progress,
    page_size: int,
    *,
    beside: bool,
) -> None:
    """The conversations' clocks and blank profiles (writer.finish). Where a second
    connection can write (`beside`), a thread of its own settles every other page."""
    with writer.settling(progress):
        if not beside:
            writer.finish(progress, page_size=page_size)
            return
        half = _Beside(partial(writer.finish, progress, page_size=page_size, share=(1, 2)), run)
        half.start()
        try:
            writer.finish(progress, page_size=page_size, share=(0, 2))
            half.join()
        finally:
            half.cancel()


@contextmanager
def _rare_garbage_collection() -> Iterator[None]:
    """Run the cyclic garbage collector seldom while rows stream through.

    An import allocates millions of tuples (rows, parsed rows, COPY rows), each of which
    counts towards the collector's next pass, and every pass walks the young objects: a
    fifth of an import's time went to passes that found nothing, since rows hold no
    cycles and are freed by reference counting as each batch is written. The objects
    alive before the import (Django's own) are frozen out of the passes; a pass still
    runs every GC_ALLOCATIONS allocations, so a cycle made meanwhile is still freed.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_ALLOCATIONS, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _row_and_phone(row) -> str:
    return f"row {row.row} ({row.phone_number!r})"


class _Cancelled(Exception):
    """A table's import was told to stop between two batches."""


class _TableImport:
    """Streams one legacy table through parse → count → write, batch by batch."""

    def __init__(
        self, legacy: LegacyDatabase, report: ImportReport, batch_size: int, progress: Progress
    ):
        self.legacy = legacy
        self.report = report
        self.batch_size = batch_size
        self.progress = progress
        self.cancelled = threading.Event()  # set: stop before the next batch

    def table(
        self,
        layout: TableLayout,
        parse: Callable[[tuple], Row],
        write: Callable[[list[Row]], BatchResult],
        where: Callable[[Row], str],
        *,
        plain: PlainLines | None = None,
        write_lines: Callable[[str, int], BatchResult] | None = None,
    ) -> None:
        """`plain`, if given, makes the plain rows' lines (plain.py), which `write_lines`
        writes; the other rows are parsed and written by `write`, as every row otherwise."""
        tally = self.report.tables[layout.name]
        tally.total = self.legacy.count(layout)
        self.progress.start(layout.name, tally.total)
        done = 0

        if plain is None:
            rows = self.legacy.batches(layout, self.batch_size)
            batches = (LineBatch(0, "", 0, 0, batch) for batch in rows)
        else:
            batches = plain.batches(self.batch_size)
        parsed = ((batch, list(map(parse, batch.rows))) for batch in batches)
        with read_ahead(parsed) as ready:
            for batch, rows in ready:
                if self.cancelled.is_set():
                    raise _Cancelled
                tally.read += batch.size
                tally.normalised += batch.normalised
                placeable = self._placeable(rows, tally, where)
                results = []
                if batch.line_count:
                    results.append(write_lines(batch.lines, batch.line_count))
                if placeable:
                    results.append(write(placeable))
                for result in results:
                    tally.imported += result.imported
                    tally.duplicate += result.duplicate
                done += batch.size
                self.progress.advance(layout.name, done)
        self.progress.finish(layout.name)

    @staticmethod
    def _placeable(parsed: list, tally, where) -> list:
        """The parsed rows, their issues counted; less the rows that cannot be placed."""
        # Most rows were read as they are: only the others are looked at again.
        rejected = False
        for row in [row for row in parsed if row.issues or row.rejection]:
            tally.count_issues(where(row), row.issues, row.rejection)
            rejected = rejected or row.rejection is not None
        if rejected:
            parsed = [row for row in parsed if row.rejection is None]
        return parsed


class _Beside:
    """One table's import in a thread of its own, with its own database connection, while
    the calling thread goes on: started, then joined (raising what stopped it) or
    cancelled between two batches."""

    def __init__(self, work: Callable[[], None], run: _TableImport):
        self.work = work
        self.run = run
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name="legacy-beside", daemon=True)

    def _work(self) -> None:
        try:
            self.work()
        except _Cancelled:
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
            self.run.cancelled.set()
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
