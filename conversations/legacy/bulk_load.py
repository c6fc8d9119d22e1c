"""PostgreSQL bulk loads: a table loaded in one transaction without the indexes, foreign keys
and unique keys it would otherwise maintain row by row, all put back as they were before
the transaction ends, as pg_restore does (DatabaseWriter's loading_* steps use these).

Each needs the caller's transaction and locks the table until it ends; a failure rolls the
load and the schema changes back together. Elsewhere (SQLite) each is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from psycopg import sql

from conversations.legacy.report import Progress
from conversations.legacy.shape import TableShape


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
