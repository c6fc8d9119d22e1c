"""The legacy bot's SQLite file, opened read-only, checked before anything is written.

Rows are streamed in rowid order one batch at a time (keyset pagination), so memory stays
flat whatever the size of the file, and each batch query can be retried on its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from conversations.legacy.rows import LEGACY_TABLES, MESSAGES, TableLayout

SQLITE_HEADER = b"SQLite format 3\x00"


class LegacyDatabaseError(Exception):
    """The file cannot be imported: missing, not SQLite, or lacking a table or column."""


class LegacyReadError(LegacyDatabaseError):
    """The file broke halfway (a corrupt page): batches read before it are imported."""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class LineBatch:
    """A batch of a table's rows, up to rowid `last`: `lines` of them as SQLite wrote
    them (one text, a line each), `rows` (as LegacyDatabase.batches gives them) for those
    it left to Python."""

    last: int
    lines: str
    line_count: int
    normalised: int  # of the lines, how many rows count as normalised
    rows: list[tuple]

    @property
    def size(self) -> int:
        return self.line_count + len(self.rows)


class LegacyDatabase:
    """A read-only connection to the old bot's database and the columns it turned out to have."""

    def __init__(self, path: Path, connection: sqlite3.Connection, columns: dict[str, set[str]]):
        self.path = path
        self._connection = connection
        self._columns = columns
        self.invalid_utf8_values = 0  # text values that were not UTF-8, decoded with U+FFFD

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
        return cls(path, connection, columns)

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
        the rows before the damage are still imported."""
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

    def _select(self, layout: TableLayout, where: str = "rowid > ? ORDER BY rowid LIMIT ?") -> str:
        # Only columns that exist are named; a missing optional column reads as NULL.
        columns = ", ".join(self.column(layout, c) for c in layout.columns)
        return f"SELECT rowid, {columns} FROM {_quoted(layout.name)} WHERE {where}"  # noqa: S608

    def keep(
        self,
        table: str,
        columns: tuple[str, ...],
        rows: Iterable[tuple] = (),
        select: str = "",
        params: tuple = (),
    ) -> None:
        """A table of our own in this connection's temporary schema, holding `rows` or what
        `select` finds: the legacy file itself stays untouched (it is open read-only)."""
        name = f"temp.{_quoted(table)}"
        marks = ", ".join("?" for _ in columns)
        try:
            self._connection.execute(f"DROP TABLE IF EXISTS {name}")
            self._connection.execute(f"CREATE TABLE {name} ({', '.join(columns)})")
            self._connection.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)  # noqa: S608
            if select:
                self._connection.execute(f"INSERT OR IGNORE INTO {name} {select}", params)
        except sqlite3.DatabaseError as exc:
            raise LegacyReadError(f"{self.path}: reading it failed ({exc}).") from exc

    def line_batches(
        self, layout: TableLayout, lines: str, size: int, normalised: str = "0"
    ) -> Iterator[LineBatch]:
        """Like batches, but SQLite writes what it can of each batch as lines: `lines` is a
        SELECT of (rowid, line, time) over the table that takes the rowid to start after
        and the batch size; a row whose line is NULL comes as values, as from batches.
        `normalised` (SQL over `time`) is true for a row with a line that counts as
        normalised.

        The lines come joined, as one text: Python makes one object of a batch's lines,
        and this thread takes the GIL back once for them, not once a row (which, while
        another thread runs, can wait a switch interval each time). A batch holding text
        that is not UTF-8 comes all as values, read tolerantly.
        """
        aggregates = (
            "max(rowid), count(*), count(line), group_concat(line, char(10)), "
            "json_group_array(rowid) FILTER (WHERE line IS NULL), "
            f"count(*) FILTER (WHERE line IS NOT NULL AND {normalised})"
        )
        joined = f"SELECT {aggregates} FROM ({lines})"  # noqa: S608 - the caller's SQL
        by_rowid = self._select(layout, "rowid IN (SELECT value FROM json_each(?)) ORDER BY rowid")
        after = -(2**63)
        while True:
            try:
                try:
                    last, found, plain, text, others, normal = self._connection.execute(
                        joined, (after, size)
                    ).fetchone()
                except sqlite3.OperationalError as exc:
                    if "decode" not in str(exc):
                        raise
                    rows = self._fetch(self._select(layout), (after, size))
                    batch = LineBatch(rows[-1][0] if rows else after, "", 0, 0, rows)
                else:
                    rows = self._fetch(by_rowid, (others,)) if plain < found else []
                    batch = LineBatch(last or after, text or "", plain, normal, rows)
            except sqlite3.DatabaseError as exc:
                raise LegacyReadError(
                    f"{self.path}: reading {layout.name} after rowid {after} failed ({exc})."
                ) from exc
            if not batch.size:
                return
            yield batch
            after = batch.last

    def batches(self, layout: TableLayout, size: int) -> Iterator[list[tuple]]:
        """Rows as (rowid, *layout.columns) tuples, `size` at a time, in rowid order."""
        sql = self._select(layout)
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

    def _fetch(self, sql: str, params: tuple) -> list[tuple]:
        try:
            return self._connection.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "decode" not in str(exc):
                raise
        # A hand-edited row holds bytes that are not UTF-8: read this batch tolerantly.
        self._connection.text_factory = self._decode_tolerantly
        try:
            return self._connection.execute(sql, params).fetchall()
        finally:
            self._connection.text_factory = str

    def _decode_tolerantly(self, raw: bytes) -> str:
        try:
            return raw.decode()
        except UnicodeDecodeError:
            self.invalid_utf8_values += 1
            return raw.decode(errors="replace")

    def duplicated_whatsapp_ids(self) -> set[str]:
        """The whatsapp_ids found on more than one message row (webhook retries stored twice)."""
        if "whatsapp_id" in self.missing_columns(MESSAGES):
            return set()
        rows = self._connection.execute(
            "SELECT trim(whatsapp_id) FROM messages WHERE whatsapp_id IS NOT NULL "
            "GROUP BY trim(whatsapp_id) HAVING count(*) > 1"
        )
        return {value for (value,) in rows if isinstance(value, str) and value}
