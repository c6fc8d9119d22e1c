"""Plain legacy messages as COPY lines, written by SQLite while Python writes.

Most rows of a legacy `messages` table are just what the bot wrote: a phone number whose
conversation is known, a known sender, text without NUL, a naive UTC timestamp in one of
the two shapes the bot used, a known type, a trimmed wamid that no other row holds. For
such a row parse_message notes nothing and the row the writer makes of it depends on
its values alone. SQLite can make that row itself, as one line of PostgreSQL's COPY
CSV format, inside the query that reads it, in C and with the GIL released: Python
only hands the line on. Every other row comes as values and goes through parse_message
and the writer as before, so each quirk of the contract has one reading, in rows.py.

`plain_row_sql` is the test of "plain", each clause the inline check parse_message makes
(or stricter); tests run rows of every shape through both ways and require the same
stored rows. Used for a bulk load on PostgreSQL (DatabaseWriter.plain_messages).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cache

from conversations.legacy.reader import LegacyDatabase, LineBatch
from conversations.legacy.rows import MAX_WAMID, MESSAGES, SENDERS
from conversations.models import Direction, MessageStatus, MessageType

CONVERSATIONS_TABLE = "legacy_conversation_ids"
REPEATED_TABLE = "legacy_repeated_wamids"
# The timestamp shapes the bot wrote (str(datetime) and isoformat, naive, in UTC), as a
# GLOB pattern; the fraction of a second, the hour and the calendar day are checked apart.
_TIMESTAMP_SHAPE = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-5][0-9]:[0-5][0-9]*"


@cache
def _whitespace() -> str:
    """What str.strip() strips: every character str.isspace() holds (all in the BMP)."""
    return "".join(chr(code) for code in range(0x10000) if chr(code).isspace())


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sender_case(legacy_sender: str, pick) -> str:
    whens = " ".join(
        f"WHEN {_sql_text(name)} THEN {_sql_text(pick(mapped))}" for name, mapped in SENDERS.items()
    )
    return f"CASE {legacy_sender} {whens} END"


def plain_row_sql(legacy: LegacyDatabase, columns: Sequence[str]) -> tuple[str, str]:
    """(condition, line): SQL over `messages AS m` joined to the known conversations as `c`,
    true for a plain row, and that row's COPY line: its values for `columns` (of
    conversations_message), in that order."""
    timestamp, kind, wamid, text, sender, legacy_id = (
        legacy.column(MESSAGES, name, "m")
        for name in ("timestamp", "message_type", "whatsapp_id", "message_text", "sender", "id")
    )
    # parse_message's plain types (stored as they are, with no legacy type in content)
    known_types = ", ".join(
        _sql_text(kind) for kind in MessageType if kind != MessageType.UNSUPPORTED
    )
    whitespace = _sql_text(_whitespace())
    repeated = f"SELECT wamid FROM temp.{REPEATED_TABLE}"  # noqa: S608 - our own table
    condition = " AND ".join(
        (
            f"typeof({legacy_id}) = 'integer'",
            "c.id IS NOT NULL",  # the phone is a wa_id as it is, with a conversation
            f"{sender} IN ({', '.join(_sql_text(name) for name in SENDERS)})",
            f"typeof({text}) = 'text' AND instr(CAST({text} AS BLOB), x'00') = 0",
            # naive ISO text, seconds or a fraction of up to 6 digits, on a calendar day
            f"typeof({timestamp}) = 'text' AND {timestamp} GLOB '{_TIMESTAMP_SHAPE}'",
            f"(length({timestamp}) = 19 OR (length({timestamp}) BETWEEN 21 AND 26 "
            f"AND substr({timestamp}, 20, 1) = '.' "
            f"AND substr({timestamp}, 21) NOT GLOB '*[^0-9]*'))",
            # (substr: the column's NUMERIC affinity would compare '0001' as the number 1)
            f"substr({timestamp}, 1, 4) >= '0001'",
            f"substr({timestamp}, 12, 2) < '24'",
            f"date(substr({timestamp}, 1, 10), '+0 days') = substr({timestamp}, 1, 10)",
            f"({kind} IS NULL OR {kind} IN ('', {known_types}))",
            f"({wamid} IS NULL OR (typeof({wamid}) = 'text' "
            f"AND length({wamid}) BETWEEN 1 AND {MAX_WAMID} "
            f"AND trim({wamid}, {whitespace}) = {wamid} "
            f"AND instr(CAST({wamid} AS BLOB), x'00') = 0 "
            f"AND {wamid} NOT IN ({repeated})))",
        )
    )
    outbound = ", ".join(
        _sql_text(name) for name, (direction, _) in SENDERS.items() if direction == Direction.OUT
    )
    # COPY's CSV format: a quoted value needs only its quotes doubled (printf's %w), one
    # pass over the text; an empty field is NULL, "" the empty string.
    values = {
        "conversation_id": ("%d", "c.id"),
        "direction": ("%s", _sender_case(sender, lambda mapped: mapped[0])),
        "sender": ("%s", _sender_case(sender, lambda mapped: mapped[1])),
        "type": (
            "%s",
            f"iif({kind} IS NULL OR {kind} = '', {_sql_text(MessageType.TEXT)}, {kind})",
        ),
        "text": ('"%w"', text),
        "wamid": ("%s", f"iif({wamid} IS NULL, '', printf('\"%w\"', {wamid}))"),
        # as DatabaseWriter.messages: the old bot only stored what it had sent
        "status": ("%s", f"iif({sender} IN ({outbound}), {_sql_text(MessageStatus.SENT)}, '\"\"')"),
        "sent_at": ("%s", f"iif({sender} IN ({outbound}), {timestamp} || '+00', '')"),
        "timestamp": ("%s+00", timestamp),
        "legacy_id": ("%d", legacy_id),
        "content": ("{}", None),
    }
    if set(columns) != set(values):
        raise ValueError(f"plain message lines have the columns {sorted(values)}")
    formats = ",".join(values[column][0] for column in columns)
    arguments = ", ".join(argument for column in columns if (argument := values[column][1]))
    line = f"printf('{formats}', {arguments})"
    return condition, line


class PlainMessages:
    """The plain rows of a legacy messages table as COPY lines, batch by batch.

    `columns` are the message columns a line holds, in order. `conversations` gives the
    (wa_id, id) of the conversations there are, kept in SQLite for the query to join
    (streamed: memory stays flat); a row of any other phone is not plain (the writer
    finds or creates its conversation). Once `give_up` is called (the lines met a stored
    key), the batches after the next come all as values.
    """

    def __init__(
        self,
        legacy: LegacyDatabase,
        columns: Sequence[str],
        conversations: Iterable[tuple[str, int]],
    ):
        self.legacy = legacy
        self.columns = tuple(columns)
        self.given_up = False
        legacy.keep(CONVERSATIONS_TABLE, ("wa_id TEXT PRIMARY KEY", "id INTEGER"), conversations)

    def give_up(self) -> None:
        self.given_up = True

    def batches(self, size: int) -> Iterator[LineBatch]:
        """LineBatch after LineBatch, in rowid order (LegacyDatabase.line_batches)."""
        legacy = self.legacy
        # A wamid on two rows: which is imported is decided in order, by parse_message's
        # reading of it (stripped). A superset of those is no harm: the rows are just not plain.
        wamid = legacy.column(MESSAGES, "whatsapp_id")
        legacy.keep(
            REPEATED_TABLE,
            ("wamid TEXT PRIMARY KEY",),
            select=f"SELECT trim(CAST({wamid} AS TEXT), ?) FROM messages "  # noqa: S608
            f"WHERE typeof({wamid}) IN ('text', 'blob') GROUP BY 1 HAVING count(*) > 1",
            params=(_whitespace(),),
        )
        condition, line = plain_row_sql(legacy, self.columns)
        select = (
            f"SELECT m.rowid AS rowid, CASE WHEN {condition} THEN {line} END AS line "  # noqa: S608
            f"FROM messages AS m LEFT JOIN temp.{CONVERSATIONS_TABLE} AS c "
            f"ON c.wa_id = {legacy.column(MESSAGES, 'phone_number', 'm')} "
            "WHERE m.rowid > ? ORDER BY m.rowid LIMIT ?"
        )
        for batch in legacy.line_batches(MESSAGES, select, size):
            yield batch
            if self.given_up:
                after = batch.last
                for rows in legacy.batches(MESSAGES, size, after=after):
                    yield LineBatch(after, rows[-1][0], "", 0, rows)
                    after = rows[-1][0]
                return
