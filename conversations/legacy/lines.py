"""Batches of legacy rows as COPY lines, read by SQLite in a process of its own.

SQLite does most of the work of reading a batch of plain rows (plain.py): testing each
row and writing its line. In a thread, that work would still share the process with the
writer (SQLite's connections contend on process-wide locks: two threads read no faster
than one), so it runs in a child process: started at the beginning of an import, it
prepares what the lines need while the first tables are imported (which wamids repeat,
each message's identity digest), then streams each table's batches, one at a time,
through a pipe whose buffer keeps it at most a batch ahead.

This module imports only the standard library (and identity.py, which does too): the
child starts without Django.
"""

from __future__ import annotations

import os
import pickle
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from conversations.legacy.identity import SQL_FUNCTION, digest_of_plain

_END = b""


@dataclass(frozen=True, slots=True)
class LineBatch:
    """A batch of a table's rows, up to rowid `last`: `lines` of them as SQLite wrote
    them (one text, a line each), `rows` (as LegacyDatabase.batches gives them) for those
    it left to Python, and how many of the lines count as normalised."""

    last: int
    lines: str
    line_count: int
    normalised: int
    rows: list[tuple]
    invalid_utf8_values: int = 0  # text values that were not UTF-8, decoded with U+FFFD

    @property
    def size(self) -> int:
        return self.line_count + len(self.rows)


@dataclass(frozen=True, slots=True)
class TempTable:
    """A table the child fills from the file before it answers (plain.py says which):
    `columns` as CREATE TABLE has them, its rows the `select` (with `params`)."""

    name: str
    columns: str
    select: str
    params: tuple = ()


@dataclass(frozen=True, slots=True)
class LineQuery:
    """How to read one table's batches (plain.PlainLines.query): `lines` is a SELECT of
    (rowid, line, time) that takes a batch's first rowid (exclusive), its last and their
    difference; `normalised` is true (SQL over `time`) for a line that counts as
    normalised; `by_rowid` and `between` select rows as values, by a JSON array of rowids
    and by a range."""

    lines: str
    normalised: str
    by_rowid: str
    between: str
    ranges: Sequence[tuple[int, int]]


class LineReadError(Exception):
    """The child could not read the file; the message says where and why."""


def fetch_tolerantly(
    connection: sqlite3.Connection, sql: str, params: tuple
) -> tuple[list[tuple], int]:
    """A query's rows, and how many text values in them were not UTF-8: a hand-edited row
    can hold such bytes, and then the query is read again with those decoded to U+FFFD."""
    try:
        return connection.execute(sql, params).fetchall(), 0
    except sqlite3.OperationalError as exc:
        if "decode" not in str(exc):
            raise
    invalid = 0

    def tolerantly(raw: bytes) -> str:
        nonlocal invalid
        try:
            return raw.decode()
        except UnicodeDecodeError:
            invalid += 1
            return raw.decode(errors="replace")

    connection.text_factory = tolerantly
    try:
        return connection.execute(sql, params).fetchall(), invalid
    finally:
        connection.text_factory = str


def read_line_batch(connection: sqlite3.Connection, query: LineQuery, after: int, last: int):
    """One batch: the rows with rowids in (after, last]. The lines come joined: Python
    makes one object of them. A batch holding text that is not UTF-8 comes all as values,
    read tolerantly."""
    joined = (
        "SELECT count(*), count(line), group_concat(line, char(10)), "  # noqa: S608
        "json_group_array(rowid) FILTER (WHERE line IS NULL), "
        f"count(*) FILTER (WHERE line IS NOT NULL AND {query.normalised}) FROM ({query.lines})"
    )
    try:
        found, plain, text, others, normal = connection.execute(
            joined, (after, last, last - after)
        ).fetchone()
        rows = connection.execute(query.by_rowid, (others,)).fetchall() if plain < found else []
    except sqlite3.OperationalError as exc:
        if "decode" not in str(exc):
            raise
        rows, invalid = fetch_tolerantly(connection, query.between, (after, last))
        return LineBatch(last, "", 0, 0, rows, invalid)
    return LineBatch(last, text or "", plain, normal, rows)


def serve(pipe, uri: str, prepared: Sequence[TempTable]) -> None:
    """The child: open the file, fill the `prepared` tables, then answer requests until
    the pipe closes: ("keep", table, columns, rows) fills a table of our own; ("read",
    LineQuery) streams its batches, then an empty message."""
    try:
        connection = sqlite3.connect(uri, uri=True)
        # a plain message's line holds its identity (plain.py, identity.py)
        connection.create_function(SQL_FUNCTION, 4, digest_of_plain, deterministic=True)
        for table in prepared:
            connection.execute(f'CREATE TEMP TABLE "{table.name}" ({table.columns})')
            insert = f'INSERT OR IGNORE INTO temp."{table.name}" {table.select}'
            connection.execute(insert, table.params)
    except sqlite3.DatabaseError as exc:
        connection = None
        failure = str(exc)
    while True:
        try:
            request = pipe.recv()
        except EOFError:
            return
        try:
            if connection is None:
                raise LineReadError(failure)
            if request[0] == "keep":
                _, table, columns, rows = request
                connection.execute(f'CREATE TEMP TABLE "{table}" ({", ".join(columns)})')
                marks = ", ".join("?" for _ in columns)
                insert = f'INSERT INTO temp."{table}" VALUES ({marks})'  # noqa: S608 - ours
                connection.executemany(insert, rows)
                pipe.send_bytes(_END)
            else:
                query: LineQuery = request[1]
                for after, last in query.ranges:
                    batch = read_line_batch(connection, query, after, last)
                    pipe.send_bytes(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
                pipe.send_bytes(_END)
        except (sqlite3.DatabaseError, LineReadError) as exc:
            pipe.send_bytes(pickle.dumps(LineReadError(str(exc))))
        except (BrokenPipeError, EOFError):
            return


class LineReader:
    """The child process reading a legacy file's batches as lines (see serve).

    Started as `python -m conversations.legacy.lines FD` rather than by multiprocessing,
    whose "spawn" would run the caller's main module again in the child (a script without
    a __main__ guard would import twice), and whose "fork" copies a threaded process.
    """

    def __init__(self, uri: str, prepared: Sequence[TempTable]):
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[2])  # where `conversations` is
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, path] if path else [root])}
        with theirs:
            self._process = subprocess.Popen(  # noqa: S603 - this interpreter, this module
                [sys.executable, "-m", __name__, str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                env=env,
            )
        self._pipe = Connection(ours.detach())
        self._pipe.send((uri, list(prepared)))

    def keep(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        """A table of our own in the child's connection, holding `rows`."""
        self._pipe.send(("keep", table, tuple(columns), rows))
        self._answer()

    def batches(self, query: LineQuery) -> Iterator[LineBatch]:
        self._pipe.send(("read", query))
        while (batch := self._answer()) is not None:
            yield batch

    def _answer(self) -> LineBatch | None:
        try:
            message = self._pipe.recv_bytes()
        except (EOFError, OSError) as exc:
            raise LineReadError("the process reading the file ended") from exc
        if message == _END:
            return None
        answer = pickle.loads(message)  # noqa: S301 - our own child's, through our pipe
        if isinstance(answer, LineReadError):
            raise answer
        return answer

    def close(self) -> None:
        self._pipe.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


if __name__ == "__main__":
    # This module again under its own name: what it pickles is what the parent imports.
    from conversations.legacy import lines

    # Ctrl-C on the terminal reaches both processes: the import stops, then closes the pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pipe = Connection(int(sys.argv[1]))
    lines.serve(pipe, *pipe.recv())
