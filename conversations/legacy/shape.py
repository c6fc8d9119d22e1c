"""How the importer writes one of our tables: which columns it gives, which it fills with
constants, and which unique keys can tell a duplicate (`TableShape`).

Rows are written as given, so the legacy `created_at` of a conversation survives where
bulk_create would stamp `auto_now_add` fields with the import time; every value is made a
database value once, as cheaply as its field allows, on the hot path of millions of rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from django.db import connection
from django.db.models import NOT_PROVIDED, Model, Q, UniqueConstraint

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
        constraint with another condition than one of its own columns being set (a key
        holding a NULL never conflicts anyway), a unique column written with a constant
        other than NULL."""
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
            if constraint.condition is not None and not any(
                constraint.condition == Q(**{f"{name}__isnull": False})
                for name in constraint.fields
            ):
                return None  # any other condition cannot be checked here
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
