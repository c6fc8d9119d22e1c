"""The legacy bot's SQLite file, opened read-only, checked before anything is written.

Rows are streamed in rowid order one batch at a time (keyset pagination), so memory stays
flat whatever the size of the file, and each batch query can be retried on its own.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from conversations.legacy.layout import LEGACY_TABLES, MESSAGES, TableLayout
from conversations.legacy.lines import fetch_tolerantly

SQLITE_HEADER = b"SQLite format 3\x00"


class LegacyDatabaseError(Exception):
    """The file cannot be imported: missing, not SQLite, or lacking a table or column."""


class LegacyReadError(LegacyDatabaseError):
    """The file broke halfway (a corrupt page): batches read before it are imported."""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class LegacyDatabase:
    """A read-only connection to the old bot's database and the columns it turned out to have."""

    def __init__(
        self, path: Path, uri: str, connection: sqlite3.Connection, columns: dict[str, set[str]]
    ):
        self.path = path
        self.uri = uri
        self._connection = connection
        self._columns = columns
        self.invalid_utf8_values = 0  # text values that were not UTF-8, decoded with U+FFFD
        self._counts: dict[str, int] = {}

    @classmethod
    def open(cls, path: str | Path) -> LegacyDatabase:
        """Open and check the file; raises LegacyDatabaseError with the reason otherwise."""
        path = Path(path)
        if not path.exists():
            raise LegacyDatabaseError(f"{path}: no such file.")
        if not path.is_file():
            raise LegacyDatabaseError(f"{path}: not a file.")
        with path.open("rb") as file:
            if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise LegacyDatabaseError(f"{path}: not an SQLite database.")
        # mode=ro: the legacy file is evidence; the import must not change it, even by accident.
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        try:
            # Rows are read in the importer's read-ahead thread, one table at a time.
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            tables = {
                name.lower(): name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
        except sqlite3.DatabaseError as exc:
            raise LegacyDatabaseError(f"{path}: cannot be read as SQLite ({exc}).") from exc
        columns: dict[str, set[str]] = {}
        try:
            for layout in LEGACY_TABLES:
                if layout.name not in tables:
                    raise LegacyDatabaseError(
                        f"{path}: has no table {layout.name!r}; a legacy bot database has "
                        f"{', '.join(t.name for t in LEGACY_TABLES)}."
                    )
                info = connection.execute(f"PRAGMA table_info({_quoted(tables[layout.name])})")
                present = {row[1].lower() for row in info}
                if missing := [c for c in layout.required if c not in present]:
                    raise LegacyDatabaseError(
                        f"{path}: table {layout.name!r} lacks the column(s) {', '.join(missing)}."
                    )
                columns[layout.name] = present
        except BaseException:
            connection.close()
            raise
        return cls(path, uri, connection, columns)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> LegacyDatabase:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def missing_columns(self, layout: TableLayout) -> tuple[str, ...]:
        """The optional columns this (older) copy does not have; they are read as NULL."""
        return tuple(c for c in layout.optional if c not in self._columns[layout.name])

    def count(self, layout: TableLayout) -> int:
        """Rows in a table, for progress; a damaged table is estimated by its last rowid, so
        the rows before the damage are still imported. Counted once (the file is read-only)."""
        if layout.name not in self._counts:
            self._counts[layout.name] = self._count(layout)
        return self._counts[layout.name]

    def _count(self, layout: TableLayout) -> int:
        table = _quoted(layout.name)
        for sql in (f"SELECT count(*) FROM {table}", f"SELECT max(rowid) FROM {table}"):  # noqa: S608
            try:
                return self._connection.execute(sql).fetchone()[0] or 0
            except sqlite3.DatabaseError as exc:
                error = exc
        raise LegacyReadError(f"{self.path}: counting {layout.name} failed ({error}).")

    def column(self, layout: TableLayout, name: str, table: str = "") -> str:
        """A column as SQL (of `table`, an alias, if given): its quoted name, or NULL where
        this (older) copy lacks it."""
        if name not in self._columns[layout.name]:
            return "NULL"
        return f"{table}.{_quoted(name)}" if table else _quoted(name)

    def rows_select(
        self, layout: TableLayout, where: str = "rowid > ? ORDER BY rowid LIMIT ?"
    ) -> str:
        """A SELECT of the table's rows as batches gives them, `where` they are. Only
        columns that exist are named; a missing optional column reads as NULL."""
        columns = ", ".join(self.column(layout, c) for c in layout.columns)
        return f"SELECT rowid, {columns} FROM {_quoted(layout.name)} WHERE {where}"  # noqa: S608

    def rowids(self, layout: TableLayout) -> tuple[int, int]:
        """The lowest and highest rowid of a table ((0, 0) when empty)."""
        table = _quoted(layout.name)
        try:
            low, high = self._connection.execute(
                f"SELECT min(rowid), max(rowid) FROM {table}"  # noqa: S608 - our name
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            raise LegacyReadError(f"{self.path}: reading {layout.name} failed ({exc}).") from exc
        return low or 0, high or 0

    def batches(self, layout: TableLayout, size: int) -> Iterator[list[tuple]]:
        """Rows as (rowid, *layout.columns) tuples, `size` at a time, in rowid order."""
        sql = self.rows_select(layout)
        after = -(2**63)
        while True:
            try:
                rows = self._fetch(sql, (after, size))
            except sqlite3.DatabaseError as exc:
                raise LegacyReadError(
                    f"{self.path}: reading {layout.name} after rowid {after} failed ({exc})."
                ) from exc
            if not rows:
                return
            yield rows
            after = rows[-1][0]

    def rows_with_ids(self, layout: TableLayout, ids: list[int]) -> list[tuple]:
        """The rows (as batches gives them) whose `id` column holds one of `ids`."""
        in_ids = "IN (SELECT value FROM json_each(?)) ORDER BY rowid"
        where = f"{self.column(layout, 'id')} {in_ids}"
        try:
            return self._fetch(self.rows_select(layout, where), (json.dumps(ids),))
        except sqlite3.DatabaseError as exc:
            raise LegacyReadError(f"{self.path}: reading {layout.name} failed ({exc}).") from exc

    def _fetch(self, sql: str, params: tuple) -> list[tuple]:
        rows, invalid = fetch_tolerantly(self._connection, sql, params)
        self.invalid_utf8_values += invalid
        return rows

    def duplicated_whatsapp_ids(self) -> set[str]:
        """The whatsapp_ids found on more than one message row (webhook retries stored twice)."""
        if "whatsapp_id" in self.missing_columns(MESSAGES):
            return set()
        rows = self._connection.execute(
            "SELECT trim(whatsapp_id) FROM messages WHERE whatsapp_id IS NOT NULL "
            "GROUP BY trim(whatsapp_id) HAVING count(*) > 1"
        )
        return {value for (value,) in rows if isinstance(value, str) and value}
