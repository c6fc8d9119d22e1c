"""Batched inserts that skip rows already there: the one write primitive of the importer.

`ON CONFLICT DO NOTHING` lets the database's unique constraints decide what is a duplicate
(a re-run, a row a webhook stored meanwhile), and only those: a row breaking a CHECK
constraint still fails loudly, unlike SQLite's `INSERT OR IGNORE` behind bulk_create.
Rows are written as given, so the legacy `created_at` of a conversation survives where
bulk_create would stamp `auto_now_add` fields with the import time.

Everywhere: multi-row `INSERT ... VALUES`. On PostgreSQL, for speed, one of two paths:

- direct: drop the batch's own repeats of a unique key and `COPY` the rest straight into
  the table. If one of them is already there, the COPY fails on the constraint, its
  savepoint is rolled back and the batch takes the staged path;
- staged: `COPY` into a temporary staging table, then one
  `INSERT ... SELECT ... ON CONFLICT DO NOTHING`, which also serves `RETURNING`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from operator import itemgetter

import psycopg
from django.db import IntegrityError, connection, transaction
from django.db.models import NOT_PROVIDED, Model, Q, UniqueConstraint
from psycopg import sql
from psycopg.adapt import Dumper
from psycopg.pq import Format

from conversations.legacy.report import Progress

# Field types whose Python values both backends take as they are, skipping get_db_prep_save.
_PASSTHROUGH_TYPES = frozenset(
    {
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)
MAX_ROWS_PER_STATEMENT = 1000


def _preparer(model_field) -> Callable[[object], object] | None:
    """How a field's Python value becomes a database value, as cheaply as it can be done."""
    kind = model_field.get_internal_type()
    if kind in _PASSTHROUGH_TYPES:
        return None
    if kind == "DateTimeField":
        if connection.vendor == "postgresql":
            return None  # psycopg sends aware datetimes as they are
        return connection.ops.adapt_datetimefield_value  # made naive UTC text on SQLite
    if kind == "JSONField":
        # As text: COPY and both backends' INSERTs take it, and most rows' {} is dumped once.
        dumps = partial(json.dumps, cls=model_field.encoder)
        empty = dumps({})
        return lambda value: empty if value == {} else dumps(value)
    return partial(model_field.get_db_prep_save, connection=connection)


@dataclass(frozen=True, slots=True)
class InsertResult:
    inserted: int
    returned: list[tuple] = field(default_factory=list)  # the RETURNING values of new rows


class TableShape:
    """A model's table as the importer writes it: the fields it sets (`given`), in that
    order, and every other column filled with the field's own default (auto_now fields
    with `now`), prepared once. A field added to a model later, with a default, needs no
    change here.

    `prepared` names given fields whose values the caller passes already made database
    values (with `prepare`), for a hot loop that can make most of them once.
    """

    def __init__(
        self,
        model: type[Model],
        given: Sequence[str],
        *,
        now: datetime,
        prepared: Sequence[str] = (),
    ):
        fields = [f for f in model._meta.concrete_fields if f is not model._meta.pk]
        by_name = {name: f for f in fields for name in (f.name, f.attname)}
        given_fields = [by_name[name] for name in given]
        others = [f for f in fields if f not in given_fields]
        self.table = model._meta.db_table
        self.given_columns = tuple(f.column for f in given_fields)
        self.constant_columns = tuple(f.column for f in others)
        defaults = [self._default(f, now) for f in others]
        self.constants = tuple(
            f.get_db_prep_save(value, connection) for f, value in zip(others, defaults, strict=True)
        )
        # For COPY: the constants made as given values are (JSON as text, dumped once
        # rather than once a row), less the NULLs a column without default gets anyway.
        copied = [
            (f.column, value if (prepare := _preparer(f)) is None else prepare(value))
            for f, value in zip(others, defaults, strict=True)
            if not (value is None and f.null and f.db_default is NOT_PROVIDED)
        ]
        self.copy_columns = self.given_columns + tuple(column for column, _ in copied)
        self.copy_constants = tuple(value for _, value in copied)
        self._column_types: dict[str, int] = {}
        self._preparer_of = {name: _preparer(by_name[name]) for name in given}
        preparers = [None if name in prepared else self._preparer_of[name] for name in given]
        self._preparers = tuple((i, p) for i, p in enumerate(preparers) if p is not None)
        self.unique_keys = self._unique_keys(model, given_fields, others)
        # Whether the last batch met keys already in the table (see _copy_new_rows).
        self.meets_existing_keys = False
        # Whether the table's columns default to the constants (constants_as_column_defaults).
        self.constants_are_column_defaults = False

    def _unique_keys(self, model, given_fields, others) -> tuple[tuple[str, ...], ...] | None:
        """The unique keys among the given columns (each a tuple of columns), or None when a
        row could conflict in a way they cannot tell: a unique expression, a partial
        constraint with another condition than its column being set, a unique column
        written with a constant other than NULL."""
        constant_nulls = {
            f.name for f, value in zip(others, self.constants, strict=True) if value is None
        }
        unique_sets = [
            (f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key
        ]
        for constraint in model._meta.constraints:
            if not isinstance(constraint, UniqueConstraint):
                continue
            if constraint.expressions:
                return None
            if constraint.condition is not None and (
                len(constraint.fields) != 1
                or constraint.condition != Q(**{f"{constraint.fields[0]}__isnull": False})
            ):
                return None  # NULLs never conflict; any other condition cannot be checked here
            unique_sets.append(tuple(constraint.fields))
        given = {f.name: f.column for f in given_fields}
        keys = []
        for names in unique_sets:
            if all(name in given for name in names):
                keys.append(tuple(given[name] for name in names))
            elif not any(name in constant_nulls for name in names):
                return None  # a constant part: every row would hold the same key
        return tuple(keys)

    @staticmethod
    def _default(model_field, now: datetime) -> object:
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            return now
        return model_field.get_default()

    def row(self, *values: object) -> tuple:
        """One row: the values of the `given` fields, in that order, made database values."""
        if not self._preparers:
            return values
        row = list(values)
        for index, prepare in self._preparers:
            row[index] = prepare(row[index])
        return tuple(row)

    def prepare(self, name: str, value: object) -> object:
        """The database value of one given field, as `row` makes it."""
        prepare = self._preparer_of[name]
        return value if prepare is None else prepare(value)

    def position(self, column: str) -> int:
        return self.given_columns.index(column)

    def types_of(self, columns: Sequence[str]) -> list[int]:
        """PostgreSQL: the type oids of columns, for a binary COPY; read once per table."""
        if not self._column_types:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT attname, atttypid FROM pg_attribute "
                    "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                    [self.table],
                )
                self._column_types = dict(cursor.fetchall())
        return [self._column_types[column] for column in columns]


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


def _check_pending_constraints(cursor) -> None:
    """Run the foreign-key checks of rows written or deleted earlier in this transaction,
    then defer again (as Django's constraints are declared): ALTER TABLE and CREATE INDEX
    refuse to run while such checks wait for the transaction's end."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@dataclass(frozen=True, slots=True)
class _Deferred:
    """A definition dropped for a bulk load, as PostgreSQL itself prints it."""

    name: str
    sql: str  # the statement that creates it again


@contextmanager
def indexes_built_after(model: type[Model], progress: Progress, label: str) -> Iterator[None]:
    """PostgreSQL: load a table without its secondary indexes and foreign keys, and build
    them once at the end, as pg_restore does. Call inside a transaction.

    Maintaining an index row by row costs more than sorting the whole table once, and a
    foreign key checked per row (a trigger and a lookup each) costs more than one join:
    loading 200,000 messages takes a third of the time. Unique indexes stay, since they
    decide what is a duplicate, and so do partial indexes: they hold few rows (the reply
    queue, an agent's messages; none of a legacy import's), so keeping them costs a
    predicate check per row, where building one again scans the whole table. The
    definitions are read from the catalog and replayed as they were (same names and
    options), so the schema ends as the migrations left it.

    Everything is in the caller's transaction: a failure anywhere rolls the load and the
    drops back together, and the table is never seen without its indexes. The price is an
    ACCESS EXCLUSIVE lock on the table until that transaction ends: readers and writers of
    the table wait for it. Elsewhere (SQLite) a no-op.
    """
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_built_after needs a transaction")
    table = model._meta.db_table
    with connection.cursor() as cursor:
        _check_pending_constraints(cursor)
        cursor.execute(
            "SELECT index.relname, pg_get_indexdef(index.oid) FROM pg_index "
            "JOIN pg_class AS index ON index.oid = pg_index.indexrelid "
            "WHERE pg_index.indrelid = %s::regclass AND NOT pg_index.indisunique "
            "AND pg_index.indpred IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = index.oid) "
            "ORDER BY index.relname",
            [table],
        )
        indexes = [_Deferred(name, sql) for name, sql in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        quote = connection.ops.quote_name
        foreign_keys = [
            _Deferred(name, f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {sql}")
            for name, sql in cursor.fetchall()
        ]
        for foreign_key in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(foreign_key.name)}")
        for index in indexes:
            cursor.execute(f"DROP INDEX {quote(index.name)}")
    yield
    deferred = indexes + foreign_keys
    progress.start(label, len(deferred), unit="indexes and keys")
    with connection.cursor() as cursor:
        for done, definition in enumerate(deferred, start=1):
            cursor.execute(definition.sql)
            progress.advance(label, done)
        cursor.execute(f"ANALYZE {quote(table)}")  # the planner's view of the loaded rows
    progress.finish(label)


@dataclass
class RepeatedKeys:
    """What unique_keys_checked_after removed: rows repeating a key an earlier row held."""

    removed: int = 0


@dataclass(frozen=True, slots=True)
class _UniqueKey:
    """A unique constraint or unique index dropped for a bulk load, and how to restore it."""

    drop: str
    add: str
    columns: list[str]
    predicate: str | None  # a partial index's condition


@contextmanager
def unique_keys_checked_after(
    model: type[Model], progress: Progress, label: str, columns: Sequence[str]
) -> Iterator[RepeatedKeys]:
    """PostgreSQL: load a table without its unique keys (constraints or unique indexes,
    partial ones too) on `columns`, and add them back at the end; a key the loaded rows
    break is added once the rows repeating a value after the first that held it (the
    lowest id: a row stored before, or loaded first) are removed, and counted. Call
    inside a transaction.

    Checking a key whose values are random strings (a wamid) row by row cost a third of
    the load, against one sort at the end. As with indexes_built_after, the table is
    locked until the caller's transaction ends, so nothing else can write a row the key
    would have refused meanwhile. A key a foreign key points at stays. Elsewhere (SQLite)
    a no-op.
    """
    repeated = RepeatedKeys()
    if connection.vendor != "postgresql":
        yield repeated
        return
    if not connection.in_atomic_block:
        raise RuntimeError("unique_keys_checked_after needs a transaction")
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    keys = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT index.relname, pg_get_indexdef(index.oid), key.conname, "
            "pg_get_constraintdef(key.oid), pg_get_expr(pg_index.indpred, pg_index.indrelid), "
            "ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = pg_index.indrelid "
            "      AND attnum = ANY(pg_index.indkey) ORDER BY attnum) "
            "FROM pg_index JOIN pg_class AS index ON index.oid = pg_index.indexrelid "
            "LEFT JOIN pg_constraint AS key ON key.conindid = index.oid AND key.contype = 'u' "
            "WHERE pg_index.indrelid = %s::regclass AND pg_index.indisunique "
            "AND NOT pg_index.indisprimary AND NOT EXISTS ("
            "   SELECT 1 FROM pg_constraint AS fk WHERE fk.contype = 'f' "
            "   AND fk.conindid = index.oid) "
            "ORDER BY index.relname",
            [model._meta.db_table],
        )
        for index, index_sql, constraint, constraint_sql, predicate, keyed in cursor.fetchall():
            if not keyed or not set(keyed) <= set(columns):
                continue
            if constraint:
                drop = f"ALTER TABLE {table} DROP CONSTRAINT {quote(constraint)}"
                add = f"ALTER TABLE {table} ADD CONSTRAINT {quote(constraint)} {constraint_sql}"
            else:
                drop, add = f"DROP INDEX {quote(index)}", index_sql
            keys.append(_UniqueKey(drop, add, keyed, predicate))
        for key in keys:
            cursor.execute(key.drop)
    yield repeated
    progress.start(label, len(keys), unit="unique keys")
    pk = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        for done, key in enumerate(keys, start=1):
            try:
                with transaction.atomic():
                    cursor.execute(key.add)
            except IntegrityError:
                partition = ", ".join(quote(column) for column in key.columns)
                held = [f"{quote(column)} IS NOT NULL" for column in key.columns]
                where = " AND ".join([*held, *([f"({key.predicate})"] if key.predicate else [])])
                cursor.execute(
                    f"DELETE FROM {table} WHERE {pk} IN (SELECT {pk} FROM ("  # noqa: S608
                    f"SELECT {pk}, row_number() OVER (PARTITION BY {partition} ORDER BY {pk}) "
                    f"AS n FROM {table} WHERE {where}) AS numbered WHERE n > 1)"
                )
                repeated.removed += cursor.rowcount
                _check_pending_constraints(cursor)  # the deleted rows' foreign keys
                cursor.execute(key.add)
            progress.advance(label, done)
    progress.finish(label)


@contextmanager
def constants_as_column_defaults(shape: TableShape) -> Iterator[None]:
    """PostgreSQL, inside a bulk load's transaction: the table's columns that every
    imported row sets to the same value default to it, and a direct COPY sends only the
    given columns; the defaults the migrations set (none, for Django's fields) are back
    before the transaction ends.

    Eight of a message row's nineteen values are such constants: sending and dumping
    them again for every row cost a sixth of the write. Like indexes_built_after, this
    needs the table locked, and a failure rolls it back with the load. Elsewhere a no-op.
    """
    if connection.vendor != "postgresql" or not shape.copy_constants:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("constants_as_column_defaults needs a transaction")
    table = sql.Identifier(shape.table)
    columns = shape.copy_columns[len(shape.given_columns) :]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attribute.attname, pg_get_expr(defaults.adbin, defaults.adrelid) "
            "FROM pg_attribute AS attribute JOIN pg_attrdef AS defaults "
            "ON defaults.adrelid = attribute.attrelid AND defaults.adnum = attribute.attnum "
            "WHERE attribute.attrelid = %s::regclass",
            [shape.table],
        )
        migrated = dict(cursor.fetchall())
        for column, value in zip(columns, shape.copy_constants, strict=True):
            cursor.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                    table, sql.Identifier(column), sql.Literal(value)
                )
            )
    shape.constants_are_column_defaults = True
    try:
        yield
    finally:
        shape.constants_are_column_defaults = False
    with connection.cursor() as cursor:
        for column in columns:
            if column in migrated:
                restore = sql.SQL("SET DEFAULT {}").format(sql.SQL(migrated[column]))
            else:
                restore = sql.SQL("DROP DEFAULT")
            cursor.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} ").format(table, sql.Identifier(column))
                + restore
            )


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
