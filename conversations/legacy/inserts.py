"""Batched inserts that skip rows already there: the one write primitive of the importer.

`ON CONFLICT DO NOTHING` lets the database's unique constraints decide what is a duplicate
(a re-run, a row a webhook stored meanwhile), and only those: a row breaking a CHECK
constraint still fails loudly, unlike SQLite's `INSERT OR IGNORE` behind bulk_create.

Everywhere: multi-row `INSERT ... VALUES`. On PostgreSQL, for speed, one of two paths:

- direct: drop the batch's own repeats of a unique key and `COPY` the rest straight into
  the table. If one of them is already there, the COPY fails on the constraint, its
  savepoint is rolled back and the batch takes the staged path;
- staged: `COPY` into a temporary staging table, then one
  `INSERT ... SELECT ... ON CONFLICT DO NOTHING`, which also serves `RETURNING`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter

import psycopg
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from psycopg.adapt import Dumper
from psycopg.pq import Format

from conversations.legacy.shape import TableShape

MAX_ROWS_PER_STATEMENT = 1000


@dataclass(frozen=True, slots=True)
class InsertResult:
    inserted: int
    returned: list[tuple] = field(default_factory=list)  # the RETURNING values of new rows


def insert_new_rows(
    shape: TableShape,
    rows: Sequence[tuple],
    *,
    order_by: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> InsertResult:
    """Insert the rows that conflict with no unique constraint; skip the others.

    Of rows sharing a unique value the first, as given, wins; against rows already
    stored, the database's unique constraints decide. `order_by` only sets the order the
    rows are written in, which keeps index inserts local. Call inside a transaction.
    """
    if not rows:
        return InsertResult(0)
    if shape.unique_keys:
        rows = _first_of_each_key(shape, rows)
    if order_by:
        rows = sorted(rows, key=itemgetter(*(shape.position(c) for c in order_by)))
    if connection.vendor == "postgresql":
        if not returning and shape.unique_keys is not None:
            return _copy_new_rows(shape, rows)
        return _copy_then_insert(shape, rows, returning=returning)
    return _insert_values(shape, rows, returning=returning)


def _returning_sql(returning: Sequence[str]) -> str:
    quote = connection.ops.quote_name
    return f" RETURNING {', '.join(quote(c) for c in returning)}" if returning else ""


def _insert_values(
    shape: TableShape, rows: Sequence[tuple], *, returning: Sequence[str]
) -> InsertResult:
    quote = connection.ops.quote_name
    all_columns = shape.given_columns + shape.constant_columns
    max_params = connection.features.max_query_params or 65535
    per_statement = max(1, min(MAX_ROWS_PER_STATEMENT, max_params // len(all_columns)))
    placeholders = "(" + ", ".join(["%s"] * len(all_columns)) + ")"
    columns = ", ".join(quote(c) for c in all_columns)
    # Identifiers come from the model's metadata, quoted; every value is a parameter.
    head = f"INSERT INTO {quote(shape.table)} ({columns}) VALUES "  # noqa: S608
    tail = " ON CONFLICT DO NOTHING" + _returning_sql(returning)
    inserted, returned = 0, []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = head + ", ".join([placeholders] * len(chunk)) + tail
            cursor.execute(sql, [value for row in chunk for value in row + shape.constants])
            if returning:
                new = cursor.fetchall()
                returned.extend(new)
                inserted += len(new)
            else:
                inserted += cursor.rowcount
    return InsertResult(inserted, returned)


def _copy_new_rows(shape: TableShape, rows: Sequence[tuple]) -> InsertResult:
    """PostgreSQL: COPY straight into the table while its keys are new; else staged.

    A first import meets no key the table already has, and pays for no staging table and
    no second insert. When the COPY meets one (a re-run, a resumed import, a message a
    webhook stored), the batch's savepoint is rolled back and it goes through the staged
    path, as do the batches after it for as long as they keep meeting existing keys.
    """
    if not shape.meets_existing_keys:
        try:
            with transaction.atomic():
                return _copy_into_table(shape, rows)
        except IntegrityError:
            shape.meets_existing_keys = True
    result = _copy_then_insert(shape, rows, returning=())
    shape.meets_existing_keys = result.inserted < len(rows)
    return result


def _first_of_each_key(shape: TableShape, rows: Sequence[tuple]) -> list[tuple]:
    """The rows in order, less any whose unique key an earlier kept row holds: what
    `INSERT ... ON CONFLICT DO NOTHING` of the rows in this order would keep.

    Only keys that occur twice in the batch can block a row, and they are rare: a set of
    each key's values tells whether any repeats, and only then are the rows holding a
    repeated value walked, in order; every other row is kept as it is. A key with a NULL
    in it never conflicts.
    """
    repeating = []  # (each row's value of the key, the values held twice)
    for columns in shape.unique_keys:
        keys = list(map(itemgetter(*(shape.position(column) for column in columns)), rows))
        distinct = set(keys)
        if len(distinct) == len(keys) or (
            len(distinct) + keys.count(None) - (None in distinct) == len(keys)
        ):
            continue  # no value twice, NULLs aside
        repeated = {key for key, n in Counter(keys).items() if n > 1 and not _has_null(key)}
        if repeated:
            repeating.append((keys, repeated))
    if not repeating:
        return list(rows)
    suspects = sorted(
        {i for keys, repeated in repeating for i, key in enumerate(keys) if key in repeated}
    )
    taken: list[set] = [set() for _ in repeating]
    dropped = set()
    for i in suspects:
        held = [(keys[i], repeated) for keys, repeated in repeating]
        if any(key in seen for (key, _), seen in zip(held, taken, strict=True)):
            dropped.add(i)
            continue
        for (key, repeated), seen in zip(held, taken, strict=True):
            if key in repeated:
                seen.add(key)
    return [row for i, row in enumerate(rows) if i not in dropped]


def _has_null(key: object) -> bool:
    return key is None or (type(key) is tuple and None in key)


def _copy_into_table(shape: TableShape, rows: Sequence[tuple]) -> InsertResult:
    """PostgreSQL: COPY the rows straight into the table; fails whole on any unique key
    the table already holds."""
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if shape.constants_are_column_defaults:
            with _binary_copy(cursor, shape.table, shape.given_columns, shape) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            constants = shape.copy_constants
            with _binary_copy(cursor, shape.table, shape.copy_columns, shape) as copy:
                for row in rows:
                    copy.write_row(row + constants)
    return InsertResult(len(rows))


def copy_lines(shape: TableShape, lines: str) -> None:
    """PostgreSQL, while the constants (if any) are the columns' defaults: COPY lines in
    COPY's CSV format (the given columns; an empty field is NULL; a time without offset
    is in UTC) straight into the table; fails whole on a key already stored."""
    if shape.copy_constants and not shape.constants_are_column_defaults:
        raise RuntimeError("copy_lines needs constants_as_column_defaults")
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in shape.given_columns)
    statement = f"COPY {quote(shape.table)} ({names}) FROM STDIN (FORMAT csv)"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute("SET LOCAL TimeZone TO 'UTC'")  # as Django's own, said anyway
        with cursor.copy(statement) as copy:
            copy.write(lines)
            copy.write("\n")


class _JsonTextBinaryDumper(Dumper):
    """jsonb in a binary COPY from JSON already dumped to text (see _preparer)."""

    format = Format.BINARY
    oid = psycopg.postgres.types["jsonb"].oid

    def dump(self, obj: str) -> bytes:
        return b"\x01" + obj.encode()  # jsonb's binary format: version 1, then the text


@contextmanager
def _binary_copy(cursor, table: str, columns: Sequence[str], shape: TableShape):
    """`COPY table (columns) FROM STDIN` in binary, each value dumped by its column's type.

    Three to four times less client CPU than the text format, which formats every
    timestamp in Python: the cost that bounds an import, not the server's.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    types = shape.types_of(columns)  # before the COPY, which holds the connection
    cursor.cursor.adapters.register_dumper(None, _JsonTextBinaryDumper)  # this cursor only
    with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN (FORMAT binary)") as copy:
        copy.set_types(types)
        yield copy


def _copy_then_insert(
    shape: TableShape, rows: Sequence[tuple], *, returning: Sequence[str]
) -> InsertResult:
    """PostgreSQL: COPY the given columns into a session-local staging table, then one
    INSERT ... SELECT that adds the constant columns."""
    quote = connection.ops.quote_name
    given = ", ".join(quote(c) for c in shape.given_columns)
    constants = "".join(f", {quote(c)}" for c in shape.constant_columns)
    stage_name = f"legacy_stage_{shape.table}_{len(shape.given_columns)}"
    stage = quote(stage_name)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} AS "  # noqa: S608 - quoted identifiers
            f"SELECT {given} FROM {quote(shape.table)} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {stage}")
        with _binary_copy(cursor, stage_name, shape.given_columns, shape) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {quote(shape.table)} ({given}{constants}) "  # noqa: S608 - quoted
            f"SELECT {given}{', %s' * len(shape.constants)} FROM {stage} "
            f"ON CONFLICT DO NOTHING{_returning_sql(returning)}",
            shape.constants,
        )
        if returning:
            returned = cursor.fetchall()
            return InsertResult(len(returned), returned)
        return InsertResult(cursor.rowcount)


def commit_lazily() -> None:
    """PostgreSQL: don't wait for this transaction's WAL flush.

    Safe for the import only: a server crash may lose the last batches committed, and
    re-running the import (idempotent) writes them again.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def make_durable() -> None:
    """PostgreSQL: one synchronous commit, which flushes the WAL of every lazy batch before it.

    Called once at the end, so the import reports success only when all of it is on disk.
    """
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT txid_current()")  # an xid, so the commit is written and waited


def values_where_in(
    model: type[Model], field: str, values: Iterable, columns: Sequence[str]
) -> list[tuple]:
    """`model.objects.filter(<field>__in=values).values_list(*columns)`, for batch sizes.

    On PostgreSQL the values travel as one array (`= ANY(%s)`): Django's IN list has one
    placeholder per value, and psycopg spent about 50 ms turning 10,000 of them into a query.
    """
    values = list(values)
    if not values:
        return []
    if connection.vendor != "postgresql":
        return list(model.objects.filter(**{f"{field}__in": values}).values_list(*columns))
    quote = connection.ops.quote_name
    meta = model._meta
    selected = ", ".join(quote(meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {selected} FROM {quote(meta.db_table)} "  # noqa: S608 - quoted identifiers
            f"WHERE {quote(meta.get_field(field).column)} = ANY(%s)",
            [values],
        )
        return cursor.fetchall()
