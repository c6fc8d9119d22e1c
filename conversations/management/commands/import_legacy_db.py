"""`manage.py import_legacy_db PATH [--dry-run] [--batch-size N] [--online]`: move from the
legacy bot.

Imports the old Flask bot's SQLite database (conversations, client profiles, messages and
the processed-message ledger). Safe to re-run: rows already here are skipped, and a second,
different legacy database is imported beside the first. Progress goes to stderr (redrawn
lines on a terminal, plain lines in logs), the summary to stdout.

On PostgreSQL a first import loads the profiles, the messages and the ledger in one
transaction each and builds their indexes at the end, locking those tables meanwhile;
`--online` writes batch by batch into the live tables instead (slower, for an install
already busy with conversations).
"""

from __future__ import annotations

import argparse
import gc
import threading
import time

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from conversations.legacy.importer import DEFAULT_BATCH_SIZE, import_legacy_database
from conversations.legacy.reader import LegacyDatabaseError, LegacyReadError
from conversations.legacy.report import ImportReport

LINE_STEP_PERCENT = 10  # when not on a terminal, one line per this much of a table
REDRAW_SECONDS = 0.2


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of rows, at least 1, not {value!r}"
        )
    return number


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class _Meter:
    """Rows done / total, rate and ETA of one table (or step) in progress."""

    def __init__(self, total: int, unit: str) -> None:
        self.total, self.unit, self.done, self.started = total, unit, 0, time.monotonic()
        self.next_percent = LINE_STEP_PERCENT  # LineProgress: the next line's percentage

    def figures(self) -> tuple[str, str, str, str]:
        """(done/total, percent, rate, ETA) as shown."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        percent = 100 * self.done // self.total if self.total else 100
        eta = _duration((self.total - self.done) / rate) if rate else "?"
        return f"{self.done:,}/{self.total:,}", f"{percent}%", f"{rate:,.0f} {self.unit}/s", eta


class _Meters:
    """The steps in progress. Two can run at once (the ledger is written beside the index
    build), from two threads: every change and every write holds the lock."""

    def __init__(self, out: OutputWrapper):
        self.out = out
        self.meters: dict[str, _Meter] = {}
        self.lock = threading.Lock()


class TerminalProgress(_Meters):
    """A line per step in progress, redrawn in place; a finished step's line stays."""

    def __init__(self, out: OutputWrapper):
        super().__init__(out)
        self.drawn_at = 0.0
        self.lines_shown = 0  # live lines above the cursor, redrawn next time

    def start(self, table: str, total: int, unit: str = "rows") -> None:
        with self.lock:
            self.meters[table] = _Meter(total, unit)
            self._draw()

    def advance(self, table: str, done: int) -> None:
        with self.lock:
            self.meters[table].done = done
            if time.monotonic() - self.drawn_at >= REDRAW_SECONDS:
                self._draw()

    def finish(self, table: str) -> None:
        with self.lock:
            self._draw(ended=(table, self.meters.pop(table)))

    def _draw(self, ended: tuple[str, _Meter] | None = None) -> None:
        self.drawn_at = time.monotonic()
        lines = [self._line(*ended)] if ended else []
        lines += [self._line(table, meter) for table, meter in self.meters.items()]
        up = f"\x1b[{self.lines_shown}F" if self.lines_shown else "\r"
        # Back to the first live line, each line redrawn and cleared to its end, and what
        # is below (a line no longer shown) cleared.
        self.out.write(up + "".join(f"{line}\x1b[K\n" for line in lines) + "\x1b[J", ending="")
        self.out.flush()
        self.lines_shown = len(self.meters)

    @staticmethod
    def _line(table: str, meter: _Meter) -> str:
        rows, percent, rate, eta = meter.figures()
        return f"{table:<20} {rows:>23} {percent:>4}  {rate:>15}  ETA {eta}"


class LineProgress(_Meters):
    """Plain lines for logs and pipes: one every 10 % of a table, and one when it is done."""

    def start(self, table: str, total: int, unit: str = "rows") -> None:
        with self.lock:
            self.meters[table] = _Meter(total, unit)
            self.out.write(f"{table}: {total:,} {unit}")

    def advance(self, table: str, done: int) -> None:
        with self.lock:
            meter = self.meters[table]
            meter.done = done
            percent = 100 * done // meter.total if meter.total else 100
            if percent >= meter.next_percent and done < meter.total:
                rows, percent_shown, rate, eta = meter.figures()
                self.out.write(f"{table}: {rows} ({percent_shown}), {rate}, ETA {eta}")
                meter.next_percent = (percent // LINE_STEP_PERCENT + 1) * LINE_STEP_PERCENT

    def finish(self, table: str) -> None:
        with self.lock:
            meter = self.meters.pop(table)
            elapsed = time.monotonic() - meter.started
            self.out.write(f"{table}: done, {meter.done:,} {meter.unit} in {_duration(elapsed)}")


SUMMARY_COLUMNS = (
    ("rows", "read"),
    ("imported", "imported"),
    ("duplicate", "duplicate"),
    ("normalised", "normalised"),
    ("null", "null"),
    ("unparseable", "unparseable"),
    ("not placed", "not_placed"),
)


def render_summary(report: ImportReport) -> str:
    """The closing table, notes on what was done instead, and samples of rows not placed."""
    verb = "Would import" if report.dry_run else "Imported"
    lines = [f"{verb} {report.path} in {_duration(report.seconds)}:", ""]
    header = f"{'table':<20}" + "".join(f"{title:>12}" for title, _ in SUMMARY_COLUMNS)
    lines += [header, "-" * len(header)]
    for table in report.tables.values():
        cells = "".join(f"{getattr(table, attr):>12,}" for _, attr in SUMMARY_COLUMNS)
        lines.append(f"{table.table:<20}{cells}")
    lines.append("")
    notes = [
        f"{t.table} has no column(s) {', '.join(t.missing_columns)} (an older layout): "
        "read as empty."
        for t in report.tables.values()
        if t.missing_columns
    ]
    counts = (
        (
            report.conversations_added,
            "conversation(s) created for phone numbers known only from messages or profiles.",
        ),
        (
            report.profiles_filled,
            "existing profile(s) had blank fields filled from the legacy database.",
        ),
        (
            report.blank_profiles_added,
            "blank profile(s) added for conversations the legacy database had no profile for.",
        ),
        (
            report.dated_by_fallback,
            "message(s) without a usable timestamp, dated at their "
            "conversation's start (else the import time).",
        ),
        (
            report.messages_carried_over,
            "message(s) imported before this version were found in this file and keyed by "
            "its content (counted as duplicate).",
        ),
        (report.invalid_utf8_values, "text value(s) were not UTF-8: the bad bytes became U+FFFD."),
    )
    notes += [f"{count:,} {text}" for count, text in counts if count]
    for table, rows, locked in (
        ("client_profiles", "Profiles", "the profile tables were"),
        ("messages", "Messages", "the messages table was"),
        ("processed_messages", "Processed messages", "the ledger table was"),
    ):
        if table in report.loaded_in_bulk:
            notes.append(
                f"{rows} were loaded in one transaction and their indexes built at the end "
                f"({locked} locked meanwhile; --online avoids that)."
            )
    lines += [f"- {note}" for note in notes]
    for title, attr in (
        ("Rows not placed (sample)", "not_placed_sample"),
        ("Values that could not be read (sample)", "unparseable_sample"),
    ):
        samples = [(t.table, s) for t in report.tables.values() for s in getattr(t, attr)]
        if samples:
            lines += ["", f"{title}:"]
            lines += [f"  {table} {sample}" for table, sample in samples]
    if report.dry_run:
        lines += ["", "Dry run: nothing was written."]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Import the legacy bot's SQLite database (conversations, client profiles, messages, "
        "processed messages). Safe to re-run: rows already imported are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The legacy bot's database file (whatsapp_bot.db).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read and normalise everything, report what would be imported, write nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=_positive_int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows read and written per transaction (default {DEFAULT_BATCH_SIZE:,}).",
        )
        parser.add_argument(
            "--online",
            action="store_true",
            help="Keep the profile, message and ledger tables readable and writable during "
            "the import: write batch by batch into their live indexes, never the faster bulk "
            "load that locks them.",
        )

    def run_from_argv(self, argv):
        super().run_from_argv(argv)
        # From the command line the process ends here. Its exit runs the cyclic collector
        # over every object still alive, which after an import took ~0.4 s; frozen, they
        # are skipped, and freed with the process as ever. (call_command returns instead.)
        gc.freeze()

    def handle(self, *args, path: str, dry_run: bool, batch_size: int, online: bool, **options):
        progress = (
            TerminalProgress(self.stderr) if self.stderr.isatty() else LineProgress(self.stderr)
        )
        try:
            report = import_legacy_database(
                path, batch_size=batch_size, dry_run=dry_run, online=online, progress=progress
            )
        except LegacyReadError as exc:
            raise CommandError(
                f"{exc} The rows imported before it stay; running the import again skips them."
            ) from exc
        except LegacyDatabaseError as exc:
            raise CommandError(f"{exc} Nothing was imported.") from exc
        self.stdout.write(render_summary(report))
