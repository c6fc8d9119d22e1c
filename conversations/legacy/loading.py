"""When and how a first import loads a table in bulk (PostgreSQL): `BulkLoads`, the part of
DatabaseWriter that wraps each table's batches in the bulk-load steps (bulk_load.py) and
hands the rows SQLite writes as COPY lines (plain.py) to the table.

A table loads in bulk when the file holds more of its rows than the install (a first
import, or a second, larger file): one transaction, lazily committed, its indexes, foreign
keys and unique keys built at the end. Otherwise, or with `--online`, each batch commits
on its own into the live tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

from django.db import connection, transaction

from conversations.legacy.bulk_load import (
    constants_as_column_defaults,
    indexes_built_after,
    unique_keys_checked_after,
)
from conversations.legacy.inserts import commit_lazily, copy_lines
from conversations.legacy.layout import CLIENT_PROFILES, MESSAGES, PROCESSED_MESSAGES
from conversations.legacy.lines import LineReader
from conversations.legacy.plain import PlainLedger, PlainMessages, start_reading_lines
from conversations.legacy.reader import LegacyDatabase, LegacyReadError
from conversations.legacy.report import BatchResult, ImportReport, Progress
from conversations.legacy.shape import TableShape
from conversations.models import Conversation, Message
from profiles.models import ClientProfile, ProfileFieldSource
from webhooks.models import ProcessedMessage

# The message table's unique keys a bulk load checks once at the end: the wamid, and the
# legacy identity (identity.py).
MESSAGE_KEYS = ("wamid", "legacy_id", "legacy_digest")


class BulkLoads:
    """The bulk loads of DatabaseWriter, which sets `report` and the shapes of the message
    and ledger tables."""

    report: ImportReport
    _messages: TableShape
    _processed: TableShape

    @contextmanager
    def _in_bulk(
        self, table: str, model, total: int, *, online: bool, steps: Iterable
    ) -> Iterator[None]:
        """On PostgreSQL, unless `online`, a first import of a legacy table (the model
        holds fewer rows than the file) is one transaction, lazily committed, inside the
        bulk-load `steps` (context managers, entered in order); a file that breaks
        meanwhile says that none of the table's rows were kept. Otherwise each batch
        commits on its own, and the steps are never entered."""
        if online or connection.vendor != "postgresql" or model.objects.count() >= total:
            yield
            return
        self.report.loaded_in_bulk.append(table)
        try:
            with transaction.atomic(), ExitStack() as stack:
                commit_lazily()
                for step in steps:
                    stack.enter_context(step)
                yield
        except LegacyReadError as error:
            raise LegacyReadError(
                f"{error} The {table.replace('_', ' ')} were being loaded in one transaction: "
                "none of them were kept."
            ) from error

    def loading_profiles(
        self, total: int, progress: Progress, *, online: bool
    ) -> AbstractContextManager[None]:
        """Around the profiles table: in bulk (see _in_bulk), the profiles' and their
        field sources' secondary indexes and foreign keys are built at the end; checking
        a foreign key per row at each commit took a third of the table's time."""
        return self._in_bulk(
            CLIENT_PROFILES.name,
            ClientProfile,
            total,
            online=online,
            steps=(
                indexes_built_after(ClientProfile, progress, "profile indexes"),
                indexes_built_after(ProfileFieldSource, progress, "profile source indexes"),
            ),
        )

    def loading_messages(
        self, total: int, progress: Progress, *, online: bool
    ) -> AbstractContextManager[None]:
        """Around the messages table: in bulk (see _in_bulk), the table's secondary indexes
        and foreign keys are built at the end (indexes_built_after), about three
        times faster, its unique keys (wamid, legacy identity) are checked once at the end
        (a message already stored, a webhook's or an earlier run's, counts as the
        duplicate), and its constant columns are defaults meanwhile; the table is locked
        and a failure keeps none of the messages. Otherwise each batch commits on its own
        into the live indexes."""
        return self._in_bulk(
            MESSAGES.name,
            Message,
            total,
            online=online,
            steps=(
                indexes_built_after(Message, progress, "message indexes"),
                constants_as_column_defaults(self._messages),
                # last, so its repeats are removed before the other indexes are built
                self._keys_checked_after(
                    Message, MESSAGES.name, MESSAGE_KEYS, progress, "message keys"
                ),
            ),
        )

    @contextmanager
    def _keys_checked_after(
        self, model, table: str, columns: tuple[str, ...], progress: Progress, label: str
    ) -> Iterator[None]:
        """unique_keys_checked_after, its removed repeats counted as duplicates of
        the legacy `table`."""
        with unique_keys_checked_after(model, progress, label, columns) as repeated:
            yield
        self.report.tables[table].drop_repeated(repeated.removed)

    def loading_ledger(
        self, total: int, progress: Progress, *, online: bool
    ) -> AbstractContextManager[None]:
        """Around the processed-message ledger: in bulk (see _in_bulk), its unique wamid
        key is checked once at the end (unique_keys_checked_after), and a wamid it
        already held (a webhook's, an earlier run's) counts as a duplicate. The table is
        locked meanwhile: the worker's reply claims wait for it."""
        return self._in_bulk(
            PROCESSED_MESSAGES.name,
            ProcessedMessage,
            total,
            online=online,
            steps=(
                self._keys_checked_after(
                    ProcessedMessage, PROCESSED_MESSAGES.name, ("wamid",), progress, "ledger keys"
                ),
            ),
        )

    # SQLite's COPY lines

    def reading_lines(self, legacy: LegacyDatabase, *, online: bool) -> LineReader | None:
        """The process that reads plain rows as COPY lines (lines.py, plain.py), started at
        the beginning of an import that may load tables in bulk: on PostgreSQL, unless
        `online`. The caller closes it."""
        if connection.vendor != "postgresql" or online:
            return None
        # as _in_bulk will decide for the messages, which only then need their digests
        in_bulk = Message.objects.count() < legacy.count(MESSAGES)
        return start_reading_lines(legacy, messages_in_bulk=in_bulk)

    def plain_messages(
        self, legacy: LegacyDatabase, lines: LineReader | None
    ) -> PlainMessages | None:
        """SQLite's own COPY lines for the plain legacy messages (plain.py), where the
        messages load in bulk (their keys checked at the end: no line can meet one); None
        elsewhere: every row is then read as values and written by `messages`."""
        if (
            lines is None
            or MESSAGES.name not in self.report.loaded_in_bulk
            or not PlainMessages.suit(legacy)
        ):
            return None
        known = (
            Conversation.objects.filter(wa_id__isnull=False)
            .values_list("wa_id", "pk")
            .iterator(chunk_size=10_000)
        )
        return PlainMessages(legacy, lines, self._messages.given_columns, known)

    def message_lines(self, lines: str, count: int) -> BatchResult:
        """Plain messages' COPY lines straight into the table (see plain_messages); their
        keys are checked at the end of the bulk load."""
        copy_lines(self._messages, lines)
        return BatchResult(count, 0)

    def plain_ledger(self, legacy: LegacyDatabase, lines: LineReader | None) -> PlainLedger | None:
        """SQLite's own COPY lines for the plain ledger rows (plain.py), where the ledger
        loads in bulk (its unique key checked at the end: no line can meet it); None
        elsewhere."""
        if (
            lines is None
            or PROCESSED_MESSAGES.name not in self.report.loaded_in_bulk
            or not PlainLedger.suit(legacy)
        ):
            return None
        return PlainLedger(legacy, lines, self._processed.given_columns)

    def ledger_lines(self, lines: str, count: int) -> BatchResult:
        copy_lines(self._processed, lines)
        return BatchResult(count, 0)
