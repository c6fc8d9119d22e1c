"""`import_legacy_database`: the legacy bot's SQLite file into our models, exactly once.

Tables are read in batches and each batch is written in its own transaction (or, for a
first import on PostgreSQL, each of the profiles, messages and ledger in one transaction:
loading.py), keyed by natural keys the database enforces: a conversation by wa_id, one
profile per conversation, a message by wamid and by its legacy identity (its row id and a
digest of its raw values: identity.py), a processed message by wamid. So running it twice,
or again after a crash halfway, or on a grown copy of the file, leaves the same rows as one
run; messages that arrived by webhook after the switch are not doubled; and a second,
different legacy file adds all of its messages beside the first's.

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
from functools import partial
from pathlib import Path
from typing import TypeVar

from django.utils import timezone

from conversations.legacy.background import Beside, Cancelled, read_ahead
from conversations.legacy.dry_run import DryRunWriter
from conversations.legacy.layout import (
    CLIENT_PROFILES,
    CONVERSATIONS,
    LEGACY_TABLES,
    MESSAGES,
    PROCESSED_MESSAGES,
    TableLayout,
)
from conversations.legacy.lines import LineBatch
from conversations.legacy.plain import PlainLines
from conversations.legacy.reader import LegacyDatabase
from conversations.legacy.report import (
    BatchResult,
    ImportReport,
    NoProgress,
    Progress,
    TableReport,
)
from conversations.legacy.rows import (
    parse_conversation,
    parse_message,
    parse_processed_message,
    parse_profile,
)
from conversations.legacy.writer import DatabaseWriter

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
    into the live indexes, never the faster bulk loads (loading.py).
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
        ledger = Beside(import_ledger, run.cancelled) if writer.can_write_beside() else None
        try:
            # messages imported before their identity had a digest, recognised first
            writer.carry_over(legacy, progress, page_size=batch_size)
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
        half = Beside(
            partial(writer.finish, progress, page_size=page_size, share=(1, 2)), run.cancelled
        )
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
                    raise Cancelled
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
