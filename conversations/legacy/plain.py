"""Plain legacy rows as COPY lines, written by SQLite while Python writes.

Most rows of a legacy `messages` table are just what the bot wrote: a phone number whose
conversation is known, a known sender, text without NUL, a time parse_timestamp reads
without doubt (the bot's naive UTC text, with 'Z' or an offset, an integer epoch), a
known type, a trimmed wamid that no other row holds; most of `processed_messages` too (a
trimmed wamid, such a time). For such a row the parser notes nothing but, at most, a
normalised time, and the row the writer makes of it depends on its values alone. SQLite
can make that row itself, as one line of PostgreSQL's COPY CSV format, inside the query
that reads it, in a process of its own (lines.py): Python only hands the lines on (a
message's line holds its identity too, the digest of its raw values: identity.py). Every
other row comes as values and goes through the parser and the writer as before, so
each quirk of the contract has one reading, in rows.py and values.py.

`plain_message_sql` and `plain_ledger_sql` are the tests of "plain", each clause the
inline check parse_message or parse_processed_message makes (or stricter); tests run
rows of every shape through both ways and require the same stored rows. Used for bulk
loads on PostgreSQL (DatabaseWriter.plain_messages, DatabaseWriter.plain_ledger).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from conversations.legacy.identity import SEPARATOR, SQL_FUNCTION
from conversations.legacy.layout import MESSAGES, PROCESSED_MESSAGES, TableLayout
from conversations.legacy.lines import LineBatch, LineQuery, LineReader, LineReadError, TempTable
from conversations.legacy.reader import LegacyDatabase, LegacyReadError
from conversations.legacy.values import MAX_WAMID, SENDERS
from conversations.models import Direction, MessageStatus, MessageType

CONVERSATIONS_TABLE = "legacy_conversation_ids"
REPEATED_TABLE = "legacy_repeated_wamids_of_{}"
DIGESTS_TABLE = "legacy_message_digests"
# The timestamp shapes the bot wrote (str(datetime) and isoformat, naive, in UTC), as a
# GLOB pattern; the fraction of a second, the hour and the calendar day are checked apart.
_TIMESTAMP_SHAPE = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-5][0-9]:[0-5][0-9]*"


@cache
def _whitespace() -> str:
    """What str.strip() strips: every character str.isspace() holds (all in the BMP)."""
    return "".join(chr(code) for code in range(0x10000) if chr(code).isspace())


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_SEPARATOR = _sql_text(SEPARATOR)  # identity.SEPARATOR, as a literal (char() is a call a row)


def _sender_case(legacy_sender: str, pick) -> str:
    whens = " ".join(
        f"WHEN {_sql_text(name)} THEN {_sql_text(pick(mapped))}" for name, mapped in SENDERS.items()
    )
    return f"CASE {legacy_sender} {whens} END"


def _naive(text: str) -> list[str]:
    """`text` is naive ISO (seconds, or a fraction of up to 6 digits) on a calendar day."""
    day = f"substr({text}, 9, 2)"
    return [
        f"{text} GLOB '{_TIMESTAMP_SHAPE}'",
        f"(length({text}) = 19 OR (length({text}) BETWEEN 21 AND 26 "
        f"AND substr({text}, 20, 1) = '.' AND substr({text}, 21) NOT GLOB '*[^0-9]*'))",
        f"substr({text}, 12, 2) < '24'",
        f"substr({text}, 6, 2) BETWEEN '01' AND '12' AND {day} >= '01'",
        # every month has 28 days; a later one is checked by a calendar (slower)
        f"({day} <= '28' OR date(substr({text}, 1, 10), '+0 days') = substr({text}, 1, 10))",
    ]


@dataclass(frozen=True)
class _Instant:
    """A legacy time that parse_timestamp reads without doubt, as SQL: `plain` tests for
    it, `text` is the timestamptz PostgreSQL reads as the same instant (naive in UTC,
    copy_lines' time zone), `normalised` is true where parse_timestamp says NORMALISED (an
    epoch, an offset other than UTC)."""

    plain: str
    text: str
    normalised: str


def _instant(timestamp: str) -> _Instant:
    """The bot's naive UTC text, that text with 'Z' or an offset of up to 14 hours (the
    years 2 to 9998: converting one is never out of Python's range), and an integer Unix
    epoch within Python's datetime range. Others (REAL epochs, other shapes) are not plain."""
    # (substr: the column's NUMERIC affinity would compare '0001' as the number 1)
    year = f"substr({timestamp}, 1, 4)"
    bare = f"substr({timestamp}, 1, length({timestamp}) - 6)"
    offset = f"substr({timestamp}, -6)"
    naive = " AND ".join([*_naive(timestamp), f"{year} >= '0001'"])
    zulu = " AND ".join(
        [
            f"substr({timestamp}, -1) = 'Z'",
            *_naive(f"substr({timestamp}, 1, length({timestamp}) - 1)"),
        ]
    )
    shifted = " AND ".join(
        [
            f"{offset} GLOB '[+-][0-1][0-9]:[0-5][0-9]'",
            f"substr({offset}, 2, 2) <= '14'",
            *_naive(bare),
        ]
    )
    text = (
        f"(typeof({timestamp}) = 'text' AND ({year} BETWEEN '0002' AND '9998') "
        f"AND (({zulu}) OR ({shifted})))"
    )
    epoch = f"(typeof({timestamp}) = 'integer' AND {timestamp} BETWEEN 0 AND 253402300799)"
    # Of plain times, a naive one never ends like an offset (':MM:SS', digits) or in 'Z'.
    shifted_at_all = f"{offset} GLOB '[+-][0-9][0-9]:[0-9][0-9]'"
    return _Instant(
        plain=f"((typeof({timestamp}) = 'text' AND {naive}) OR {text} OR {epoch})",
        text=f"iif(typeof({timestamp}) = 'integer', datetime({timestamp}, 'unixepoch'), "
        f"{timestamp})",
        normalised=f"(typeof({timestamp}) = 'integer' "
        f"OR ({shifted_at_all} AND substr({offset}, 2) <> '00:00'))",
    )


def _plain_wamid(wamid: str, layout: TableLayout) -> str:
    """A wamid as _read_wamid keeps it (trimmed, not too long, no NUL) and that no other
    row of the table holds (see PlainLines.batches)."""
    repeated = f"SELECT wamid FROM temp.{REPEATED_TABLE.format(layout.name)}"  # noqa: S608
    spaces = ", ".join(str(ord(character)) for character in _whitespace())
    return (
        f"typeof({wamid}) = 'text' AND length({wamid}) BETWEEN 1 AND {MAX_WAMID} "
        # str.strip() would take nothing off: no space at either end (unicode(): the first)
        f"AND unicode({wamid}) NOT IN ({spaces}) "
        f"AND unicode(substr({wamid}, -1)) NOT IN ({spaces}) "
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


def _raw_message_values(legacy: LegacyDatabase, table: str = "") -> tuple[str, ...]:
    """The values a message's identity digest is made of (identity.py), in its order."""
    names = ("phone_number", "sender", "timestamp", "message_text")
    return tuple(legacy.column(MESSAGES, name, table) for name in names)


def _digest_of_plain(raw: Sequence[str]) -> str:
    """identity.digest_of_plain of a plain row, in SQL (registered by lines.py): each raw
    value's bytes, an integer's digits."""
    return f"{SQL_FUNCTION}({', '.join(f'CAST({value} AS BLOB)' for value in raw)})"


def message_digests_table(legacy: LegacyDatabase, *, fill: bool) -> TempTable:
    """The identity digest of each message that may be plain, computed by the line reader
    while the first tables are imported (`fill`: where the messages are likely to load in
    bulk), so that the messages' lines only look it up: computed inline, a Python call a
    row added a quarter to the reader's work on the messages, which bounds a bulk load.
    A superset of the plain rows (any phone, any sender); a line finds its digest here,
    or computes it. Empty when not `fill`."""
    phone, sender, timestamp, text = raw = _raw_message_values(legacy)
    where = " AND ".join(
        [
            *(f"typeof({value}) = 'text'" for value in (phone, sender, text)),
            f"typeof({timestamp}) IN ('text', 'integer')",
            f"instr({text}, {_SEPARATOR}) = 0",
            "1" if fill else "0",
        ]
    )
    return TempTable(
        DIGESTS_TABLE,
        "id INTEGER PRIMARY KEY, digest INTEGER NOT NULL",
        f"SELECT rowid, {_digest_of_plain(raw)} FROM {MESSAGES.name} WHERE {where}",  # noqa: S608
    )


def plain_message_sql(legacy: LegacyDatabase, columns: Sequence[str]) -> tuple[str, str, str]:
    """(condition, line, time): SQL over `messages AS m` joined to the known conversations
    as `c` and to the precomputed digests as `d` (message_digests_table), true for a plain
    row; that row's COPY line, its values for `columns` (of conversations_message) in that
    order; and its time as the legacy file has it (see _Instant.normalised)."""
    timestamp, kind, wamid, text, sender, legacy_id = (
        legacy.column(MESSAGES, name, "m")
        for name in ("timestamp", "message_type", "whatsapp_id", "message_text", "sender", "id")
    )
    # parse_message's plain types (stored as they are, with no legacy type in content)
    known_types = ", ".join(
        _sql_text(kind) for kind in MessageType if kind != MessageType.UNSUPPORTED
    )
    instant = _instant(timestamp)
    condition = " AND ".join(
        (
            f"typeof({legacy_id}) = 'integer'",
            "c.id IS NOT NULL",  # the phone is a wa_id as it is, with a conversation
            f"{sender} IN ({', '.join(_sql_text(name) for name in SENDERS)})",
            f"typeof({text}) = 'text' AND instr(CAST({text} AS BLOB), x'00') = 0",
            # no value holds the separator their digest joins them with (identity.py): the
            # plain phones, senders and times cannot, a text must be checked
            f"instr({text}, {_SEPARATOR}) = 0",
            instant.plain,
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
        "sent_at": ("%s", f"iif({sender} IN ({outbound}), {instant.text}, '')"),
        "timestamp": ("%s", instant.text),
        "legacy_id": ("%d", legacy_id),
        # identity.py's digest of the raw values: looked up, else computed (coalesce
        # evaluates its second argument only where the first is NULL)
        "legacy_digest": (
            "%d",
            f"coalesce(d.digest, {_digest_of_plain(_raw_message_values(legacy, 'm'))})",
        ),
        "content": ("{}", None),
    }
    return condition, _csv_line(values, columns), timestamp


def plain_ledger_sql(legacy: LegacyDatabase, columns: Sequence[str]) -> tuple[str, str, str]:
    """(condition, line, time) as plain_message_sql, over `processed_messages AS m`."""
    wamid, processed_at = (
        legacy.column(PROCESSED_MESSAGES, name, "m") for name in ("whatsapp_id", "processed_at")
    )
    instant = _instant(processed_at)
    condition = f"{_plain_wamid(wamid, PROCESSED_MESSAGES)} AND {instant.plain}"
    values = {"wamid": ('"%w"', wamid), "processed_at": ("%s", instant.text)}
    return condition, _csv_line(values, columns), processed_at


@contextmanager
def _reading(legacy: LegacyDatabase, layout: TableLayout) -> Iterator[None]:
    """The LineReader's failures as the importer's: the file broke (LegacyReadError)."""
    try:
        yield
    except LineReadError as exc:
        raise LegacyReadError(f"{legacy.path}: reading {layout.name} failed ({exc}).") from exc


class PlainLines:
    """The plain rows of a legacy table as COPY lines, batch by batch, read by the import's
    LineReader (lines.py); `columns` are the columns of our table a line holds, in order."""

    layout: TableLayout
    joins = ""

    def __init__(self, legacy: LegacyDatabase, lines: LineReader, columns: Sequence[str]):
        self.legacy = legacy
        self.lines = lines
        self.columns = tuple(columns)

    @classmethod
    def repeated(cls, legacy: LegacyDatabase) -> TempTable:
        """The table of the wamids more than one row holds, as LineReader fills it: a wamid
        on two rows is imported once, decided in order by the parser's reading of it
        (stripped), so neither row is plain. A superset is no harm (NUL, bad UTF-8)."""
        wamid = legacy.column(cls.layout, "whatsapp_id")
        select = (
            f"SELECT trim(CAST({wamid} AS TEXT), ?) FROM {cls.layout.name} "  # noqa: S608
            f"WHERE typeof({wamid}) IN ('text', 'blob') GROUP BY 1 HAVING count(*) > 1"
        )
        name = REPEATED_TABLE.format(cls.layout.name)
        return TempTable(name, "wamid TEXT PRIMARY KEY", select, (_whitespace(),))

    @classmethod
    def suit(cls, legacy: LegacyDatabase) -> bool:
        """Whether the table's rowids are dense enough to read in ranges: an edited file's
        gaps are, one with rowids spread over billions is not."""
        low, high = legacy.rowids(cls.layout)
        return high - low < 2 * legacy.count(cls.layout) + 100_000

    def sql(self) -> tuple[str, str, str]:
        raise NotImplementedError

    def batches(self, size: int) -> Iterator[LineBatch]:
        """The table's batches (`size` rowids each) in rowid order."""
        condition, line, time = self.sql()
        low, high = self.legacy.rowids(self.layout)
        query = LineQuery(
            lines=(
                f"SELECT m.rowid AS rowid, CASE WHEN {condition} THEN {line} END AS line, "  # noqa: S608
                f"{time} AS time FROM {self.layout.name} AS m {self.joins} "
                # (the LIMIT keeps SQLite from folding this into the batch's aggregate, which
                # would compute each line once for each use of it there)
                "WHERE m.rowid > ? AND m.rowid <= ? ORDER BY m.rowid LIMIT ?"
            ),
            normalised=_instant("time").normalised,
            by_rowid=self.legacy.rows_select(
                self.layout, "rowid IN (SELECT value FROM json_each(?)) ORDER BY rowid"
            ),
            between=self.legacy.rows_select(self.layout, "rowid > ? AND rowid <= ? ORDER BY rowid"),
            ranges=[(after, min(after + size, high)) for after in range(low - 1, high, size)],
        )
        with _reading(self.legacy, self.layout):
            for batch in self.lines.batches(query):
                self.legacy.invalid_utf8_values += batch.invalid_utf8_values
                yield batch


class PlainMessages(PlainLines):
    """The plain rows of the legacy messages. `conversations` gives the (wa_id, id) of the
    conversations there are, kept in the reader's SQLite for the query to join; a row of
    any other phone is not plain (the writer finds or creates its conversation)."""

    layout = MESSAGES

    def __init__(
        self,
        legacy: LegacyDatabase,
        lines: LineReader,
        columns: Sequence[str],
        conversations: Iterable[tuple[str, int]],
    ):
        super().__init__(legacy, lines, columns)
        known = ("wa_id TEXT PRIMARY KEY", "id INTEGER")
        with _reading(legacy, self.layout):
            lines.keep(CONVERSATIONS_TABLE, known, list(conversations))
        self.joins = (
            f"LEFT JOIN temp.{CONVERSATIONS_TABLE} AS c "
            f"ON c.wa_id = {legacy.column(MESSAGES, 'phone_number', 'm')} "
            f"LEFT JOIN temp.{DIGESTS_TABLE} AS d ON d.id = m.rowid"
        )

    def sql(self) -> tuple[str, str, str]:
        return plain_message_sql(self.legacy, self.columns)


class PlainLedger(PlainLines):
    """The plain rows of the legacy processed_messages (the ledger)."""

    layout = PROCESSED_MESSAGES

    def sql(self) -> tuple[str, str, str]:
        return plain_ledger_sql(self.legacy, self.columns)


def start_reading_lines(legacy: LegacyDatabase, *, messages_in_bulk: bool = True) -> LineReader:
    """The LineReader of an import, started at its beginning: while the first tables are
    imported, it finds the repeated wamids of the messages and the ledger and, where the
    messages are likely to load in bulk, their identity digests."""
    return LineReader(
        legacy.uri,
        [
            PlainMessages.repeated(legacy),
            message_digests_table(legacy, fill=messages_in_bulk),
            PlainLedger.repeated(legacy),
        ],
    )
