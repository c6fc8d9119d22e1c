"""Messages imported before their legacy identity had a digest (migration 0013), recognised
in the file they came from and given it, so that re-importing that file adds nothing.

Such a message holds its row id and a NULL digest: the digest is of the file's raw values,
which only the file holds, so no migration could compute it. Before an import writes any
message, each of these is looked up in the file by its row id; where the file's row is that
message (the same phone, sender, text and wamid, and the same time unless the file has
none), it gets that row's digest, and the row then counts as a duplicate like any other.
Where it is not, the message came from another file: it keeps its NULL digest, conflicts
with nothing, and is carried over when its own file is imported again. Only messages of
installs imported before 0013 are read; once carried over, there are none left.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q

from conversations.legacy.layout import MESSAGES
from conversations.legacy.reader import LegacyDatabase
from conversations.legacy.report import Progress
from conversations.legacy.rows import LegacyMessage, parse_message
from conversations.models import Message

logger = logging.getLogger(__name__)

# A message imported under the old key: a row id, no digest.
OLD_KEY = Q(legacy_id__isnull=False, legacy_digest__isnull=True)
LABEL = "messages imported before"
_STORED = ("pk", "legacy_id", "conversation__wa_id", "sender", "text", "timestamp", "wamid")


@dataclass
class CarriedOver:
    """The row ids of the file whose messages were already here under the old key."""

    legacy_ids: set[int] = field(default_factory=set)


def carry_over_old_keys(
    legacy: LegacyDatabase, progress: Progress, *, page_size: int, write: bool
) -> CarriedOver:
    """Give each message imported under the old key that this file holds its digest (with
    `write`; else only find them, for a dry run), a page of them per transaction."""
    carried = CarriedOver()
    if not Message.objects.filter(OLD_KEY).exists():
        return carried
    progress.start(LABEL, Message.objects.filter(OLD_KEY).count(), unit="messages")
    done = 0
    for page in _pages(page_size):
        in_file = {
            row.legacy_id: row
            for row in map(parse_message, legacy.rows_with_ids(MESSAGES, [m[1] for m in page]))
        }
        found = [
            (pk, row.legacy_id, row.legacy_digest)
            for pk, legacy_id, *stored in page
            if (row := in_file.get(legacy_id)) is not None and _same_message(row, *stored)
        ]
        if write and found:
            with transaction.atomic():
                _set_digests([(pk, digest) for pk, _, digest in found])
        carried.legacy_ids.update(legacy_id for _, legacy_id, _ in found)
        done += len(page)
        progress.advance(LABEL, done)
    progress.finish(LABEL)
    logger.info(
        "Messages imported before 0013 recognised in the legacy file",
        extra={"path": str(legacy.path), "carried_over": len(carried.legacy_ids)},
    )
    return carried


def _pages(size: int) -> Iterator[list[tuple]]:
    """The old-key messages, `size` at a time, by id (a page written does not move it)."""
    after = 0
    while page := list(
        Message.objects.filter(OLD_KEY, pk__gt=after).order_by("pk").values_list(*_STORED)[:size]
    ):
        yield page
        after = page[-1][0]


def _same_message(row: LegacyMessage, wa_id, sender, text, timestamp, wamid) -> bool:
    """Whether the file's row is the stored message, as the importer would store it now.
    A row without a usable time was dated by a fallback: its time is not compared."""
    return (
        row.rejection is None
        and row.wa_id == wa_id
        and row.sender == sender
        and row.text == text
        and row.wamid == wamid
        and (row.timestamp is None or row.timestamp == timestamp)
    )


def _set_digests(digests: list[tuple[int, int]]) -> None:
    """One UPDATE ... FROM (VALUES ...) per few hundred messages, on either backend."""
    quote = connection.ops.quote_name
    table = quote(Message._meta.db_table)
    pk = quote(Message._meta.pk.column)
    digest = quote(Message._meta.get_field("legacy_digest").column)
    with connection.cursor() as cursor:
        for start in range(0, len(digests), 500):
            chunk = digests[start : start + 500]
            values = ", ".join(["(CAST(%s AS bigint), CAST(%s AS bigint))"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET {digest} = digests.column2 "  # noqa: S608 - quoted names
                f"FROM (VALUES {values}) AS digests WHERE {table}.{pk} = digests.column1",
                [value for pair in chunk for value in pair],
            )
