"""Plain legacy rows as COPY lines, written by SQLite while Python writes.

Most rows of a legacy `messages` table are just what the bot wrote: a phone number whose
conversation is known, a known sender, text without NUL, a naive UTC timestamp in one of
the two shapes the bot used, a known type, a trimmed wamid that no other row holds; most
of `processed_messages` too (a trimmed wamid, a plain timestamp). For such a row the
parser notes nothing and the row the writer makes of it depends on its values alone.
SQLite can make that row itself, as one line of PostgreSQL's COPY CSV format, inside
the query that reads it, in C and with the GIL released: Python only hands the lines
on. Every other row comes as values and goes through the parser and the writer as
before, so each quirk of the contract has one reading, in rows.py.

`plain_message_sql` and `plain_ledger_sql` are the tests of "plain", each clause the
inline check parse_message or parse_processed_message makes (or stricter); tests run
rows of every shape through both ways and require the same stored rows. Used for bulk
loads on PostgreSQL (DatabaseWriter.plain_messages, DatabaseWriter.plain_ledger).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cache

from conversations.legacy.reader import LegacyDatabase, LineBatch
from conversations.legacy.rows import MAX_WAMID, MESSAGES, PROCESSED_MESSAGES, SENDERS, TableLayout
from conversations.models import Direction, MessageStatus, MessageType

CONVERSATIONS_TABLE = "legacy_conversation_ids"
REPEATED_TABLE = "legacy_repeated_wamids_of_{}"
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


def _plain_timestamp(timestamp: str) -> list[str]:
    """Naive ISO text (read as UTC), seconds or a fraction of up to 6 digits, on a
    calendar day: what _read_time takes without its normaliser, and PostgreSQL reads alike."""
    return [
        f"typeof({timestamp}) = 'text' AND {timestamp} GLOB '{_TIMESTAMP_SHAPE}'",
        f"(length({timestamp}) = 19 OR (length({timestamp}) BETWEEN 21 AND 26 "
        f"AND substr({timestamp}, 20, 1) = '.' AND substr({timestamp}, 21) NOT GLOB '*[^0-9]*'))",
        # (substr: the column's NUMERIC affinity would compare '0001' as the number 1)
        f"substr({timestamp}, 1, 4) >= '0001'",
        f"substr({timestamp}, 12, 2) < '24'",
        f"date(substr({timestamp}, 1, 10), '+0 days') = substr({timestamp}, 1, 10)",
    ]


def _plain_wamid(wamid: str, layout: TableLayout) -> str:
    """A wamid as _read_wamid keeps it (trimmed, not too long, no NUL) and that no other
    row of the table holds (see PlainLines.batches)."""
    repeated = f"SELECT wamid FROM temp.{REPEATED_TABLE.format(layout.name)}"  # noqa: S608
    return (
        f"typeof({wamid}) = 'text' AND length({wamid}) BETWEEN 1 AND {MAX_WAMID} "
        f"AND trim({wamid}, {_sql_text(_whitespace())}) = {wamid} "
        f"AND instr(CAST({wamid} AS BLOB), x'00') = 0 AND {wamid} NOT IN ({repeated})"
    )


def _csv_line(values: dict[str, tuple[str, str | None]], columns: Sequence[str]) -> str:
    """One printf making the CSV line of `columns`, from (format, SQL argument) each.

    COPY's CSV format: a quoted value needs only its quotes doubled (printf's %w), one
    pass over the text; an empty field is NULL, "" the empty string.
    """
    if set(columns) != set(values):
        raise ValueError(f"plain lines have the columns {sorted(values)}, not {sorted(columns)}")
    formats = ",".join(values[column][0] for column in columns)
    arguments = ", ".join(argument for column in columns if (argument := values[column][1]))
    return f"printf('{formats}', {arguments})"


def plain_message_sql(legacy: LegacyDatabase, columns: Sequence[str]) -> tuple[str, str]:
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
    condition = " AND ".join(
        (
            f"typeof({legacy_id}) = 'integer'",
            "c.id IS NOT NULL",  # the phone is a wa_id as it is, with a conversation
            f"{sender} IN ({', '.join(_sql_text(name) for name in SENDERS)})",
            f"typeof({text}) = 'text' AND instr(CAST({text} AS BLOB), x'00') = 0",
            *_plain_timestamp(timestamp),
            f"({kind} IS NULL OR {kind} IN ('', {known_types}))",
            f"({wamid} IS NULL OR ({_plain_wamid(wamid, MESSAGES)}))",
        )
    )
    outbound = ", ".join(
        _sql_text(name) for name, (direction, _) in SENDERS.items() if direction == Direction.OUT
    )
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
    return condition, _csv_line(values, columns)


def plain_ledger_sql(legacy: LegacyDatabase, columns: Sequence[str]) -> tuple[str, str]:
    """(condition, line) as plain_message_sql, over `processed_messages AS m`."""
    wamid, processed_at = (
        legacy.column(PROCESSED_MESSAGES, name, "m") for name in ("whatsapp_id", "processed_at")
    )
    condition = " AND ".join(
        (_plain_wamid(wamid, PROCESSED_MESSAGES), *_plain_timestamp(processed_at))
    )
    values = {"wamid": ('"%w"', wamid), "processed_at": ("%s+00", processed_at)}
    return condition, _csv_line(values, columns)


class PlainLines:
    """The plain rows of a legacy table as COPY lines, batch by batch; `columns` are the
    columns of our table a line holds, in order. Once `give_up` is called (the lines met
    a stored key), the batches after the next come all as values."""

    layout: TableLayout
    joins = ""

    def __init__(self, legacy: LegacyDatabase, columns: Sequence[str]):
        self.legacy = legacy
        self.columns = tuple(columns)
        self.given_up = False

    def sql(self) -> tuple[str, str]:
        raise NotImplementedError

    def give_up(self) -> None:
        self.given_up = True

    def batches(self, size: int) -> Iterator[LineBatch]:
        """LineBatch after LineBatch, in rowid order (LegacyDatabase.line_batches)."""
        legacy, table = self.legacy, self.layout.name
        # A wamid on two rows: which is imported is decided in order, by the parser's
        # reading of it (stripped). A superset of those is no harm: the rows are just not
        # plain. Read here, in the reading thread, as the first batch is.
        wamid = legacy.column(self.layout, "whatsapp_id")
        legacy.keep(
            REPEATED_TABLE.format(table),
            ("wamid TEXT PRIMARY KEY",),
            select=f"SELECT trim(CAST({wamid} AS TEXT), ?) FROM {table} "  # noqa: S608
            f"WHERE typeof({wamid}) IN ('text', 'blob') GROUP BY 1 HAVING count(*) > 1",
            params=(_whitespace(),),
        )
        condition, line = self.sql()
        select = (
            f"SELECT m.rowid AS rowid, CASE WHEN {condition} THEN {line} END AS line "  # noqa: S608
            f"FROM {table} AS m {self.joins} WHERE m.rowid > ? ORDER BY m.rowid LIMIT ?"
        )
        for batch in legacy.line_batches(self.layout, select, size):
            yield batch
            if self.given_up:
                after = batch.last
                for rows in legacy.batches(self.layout, size, after=after):
                    yield LineBatch(after, rows[-1][0], "", 0, rows)
                    after = rows[-1][0]
                return


class PlainMessages(PlainLines):
    """The plain rows of the legacy messages. `conversations` gives the (wa_id, id) of the
    conversations there are, kept in SQLite for the query to join (streamed: memory stays
    flat); a row of any other phone is not plain (the writer finds or creates its
    conversation)."""

    layout = MESSAGES

    def __init__(
        self,
        legacy: LegacyDatabase,
        columns: Sequence[str],
        conversations: Iterable[tuple[str, int]],
    ):
        super().__init__(legacy, columns)
        legacy.keep(CONVERSATIONS_TABLE, ("wa_id TEXT PRIMARY KEY", "id INTEGER"), conversations)
        self.joins = (
            f"LEFT JOIN temp.{CONVERSATIONS_TABLE} AS c "
            f"ON c.wa_id = {legacy.column(MESSAGES, 'phone_number', 'm')}"
        )

    def sql(self) -> tuple[str, str]:
        return plain_message_sql(self.legacy, self.columns)


class PlainLedger(PlainLines):
    """The plain rows of the legacy processed_messages (the ledger)."""

    layout = PROCESSED_MESSAGES

    def sql(self) -> tuple[str, str]:
        return plain_ledger_sql(self.legacy, self.columns)
