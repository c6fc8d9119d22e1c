"""The legacy bot's rows, parsed once into typed values (contract: ../shared/legacy/schema.sql).

The old SQLite file is loosely typed: one column holds timestamps in five shapes, booleans in
several spellings, phones with punctuation. Every value is normalised here, and each
normaliser says how it went (an `Outcome`), so the importer can count and report what it
had to rewrite or could not read instead of silently guessing.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from conversations.models import Conversation, Direction, Message, MessageType, Sender
from profiles.models import ClientProfile

MAX_WA_ID = Conversation._meta.get_field("wa_id").max_length
MAX_WAMID = Message._meta.get_field("wamid").max_length
MAX_OPENAI_ID = Conversation._meta.get_field("openai_conversation_id").max_length


class Outcome(StrEnum):
    OK = "ok"  # read as the contract describes it
    NORMALISED = "normalised"  # rewritten to fit: punctuation, offsets, epochs, spellings, NULs
    NULL = "null"  # NULL or empty where a value was expected
    UNPARSEABLE = "unparseable"  # could not be read; the importer says what it did instead


@dataclass(frozen=True, slots=True)
class TableLayout:
    """A legacy table as the importer reads it; older copies lack the optional columns."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


# completion_status and what_is_missing are not read: our function derives them.
CONVERSATIONS = TableLayout(
    "conversations", ("phone_number", "conversation_id", "created_at"), ("updated_at",)
)
CLIENT_PROFILES = TableLayout(
    "client_profiles",
    ("phone_number", "name", "last_name", "company", "email", "manual_mode", "created_at"),
    ("ai_draft", "ai_draft_created_at", "notes", "updated_at"),
)
MESSAGES = TableLayout(
    "messages",
    ("id", "phone_number", "message_text", "sender", "timestamp"),
    ("message_type", "whatsapp_id"),
)
PROCESSED_MESSAGES = TableLayout("processed_messages", ("whatsapp_id", "processed_at"))
LEGACY_TABLES = (CONVERSATIONS, CLIENT_PROFILES, MESSAGES, PROCESSED_MESSAGES)


@dataclass(frozen=True, slots=True)
class Issue:
    """One value that was not read as-is: which column, how it went, and what it was."""

    column: str
    outcome: Outcome
    value: str  # the legacy value, shortened, for the report

    def describe(self) -> str:
        return f"{self.column} {self.value} {self.outcome}"


@dataclass(frozen=True, slots=True)
class LegacyConversation:
    row: int  # SQLite rowid, to point at the row in reports
    phone_number: str
    wa_id: str | None
    openai_conversation_id: str
    created_at: datetime | None
    updated_at: datetime | None = None
    issues: tuple[Issue, ...] = ()
    rejection: str | None = None  # why the row cannot be placed; None when it can


@dataclass(frozen=True, slots=True)
class LegacyProfile:
    row: int
    phone_number: str
    wa_id: str | None
    name: str
    last_name: str
    company: str
    email: str
    manual_mode: bool
    created_at: datetime | None
    ai_draft: str = ""
    ai_draft_created_at: datetime | None = None
    notes: str = ""
    updated_at: datetime | None = None
    issues: tuple[Issue, ...] = ()
    rejection: str | None = None


# The two tables of millions of rows get typed named tuples rather than frozen dataclasses,
# whose __init__ (object.__setattr__ per field) cost about 1 µs a row, a tenth of an import.
class LegacyMessage(NamedTuple):
    legacy_id: int
    phone_number: str
    wa_id: str | None
    direction: Direction | None
    sender: Sender | None
    type: MessageType
    text: str
    timestamp: datetime | None
    wamid: str | None = None
    legacy_type: str | None = None  # the original message_type when we store it as unsupported
    issues: tuple[Issue, ...] = ()
    rejection: str | None = None


class LegacyProcessedMessage(NamedTuple):
    row: int
    wamid: str | None
    processed_at: datetime | None
    issues: tuple[Issue, ...] = ()
    rejection: str | None = None


def shown(value: object, limit: int = 60) -> str:
    """A legacy value as a report shows it: quoted, and short."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _as_text(value: object) -> str | None:
    if isinstance(value, bytes):
        try:
            return value.decode()
        except UnicodeDecodeError:
            return None
    return value if isinstance(value, str) else None


def _from_epoch(seconds: float) -> datetime | None:
    if not math.isfinite(seconds):
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_timestamp(value: object) -> tuple[datetime | None, Outcome]:
    """Any of the legacy shapes as an aware UTC datetime.

    OK: the UTC text shapes the bot wrote ('2024-03-01 09:15:22', naive isoformat, an
    isoformat at +00:00). NORMALISED: another offset (converted), a Unix epoch in seconds
    (number or digits), a bare date (midnight UTC), surrounding spaces. NULL: NULL or ''.
    UNPARSEABLE: anything else, including epochs out of datetime's range (milliseconds).
    """
    if type(value) is str:  # the common case, first and fast
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return _parse_other_timestamp(value)
        outcome = Outcome.OK if len(value) > 10 else Outcome.NORMALISED  # a bare date
        return _as_utc(parsed, outcome)
    return _parse_other_timestamp(value)


def _as_utc(parsed: datetime, outcome: Outcome) -> tuple[datetime | None, Outcome]:
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC), outcome
    if parsed.utcoffset():
        outcome = Outcome.NORMALISED
    try:
        return parsed.astimezone(UTC), outcome
    except OverflowError:
        return None, Outcome.UNPARSEABLE


def _parse_other_timestamp(value: object) -> tuple[datetime | None, Outcome]:
    if value is None:
        return None, Outcome.NULL
    if isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _from_epoch(value)
        return (parsed, Outcome.NORMALISED) if parsed else (None, Outcome.UNPARSEABLE)
    text = _as_text(value)
    if text is None:
        return None, Outcome.UNPARSEABLE
    stripped = text.strip()
    if not stripped:
        return None, Outcome.NULL
    try:
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        try:
            number = float(stripped)
        except ValueError:
            return None, Outcome.UNPARSEABLE
        parsed = _from_epoch(number)
        return (parsed, Outcome.NORMALISED) if parsed else (None, Outcome.UNPARSEABLE)
    return _as_utc(parsed, Outcome.NORMALISED)


_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


def parse_bool(value: object) -> tuple[bool | None, Outcome]:
    """0/1 are OK; 'true'/'False'/'yes'… are NORMALISED; NULL/'' NULL; anything else
    (2, 'maybe') UNPARSEABLE rather than guessed from truthiness."""
    if value is None:
        return None, Outcome.NULL
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value in (0, 1):
            return bool(value), Outcome.OK
        return None, Outcome.UNPARSEABLE
    text = _as_text(value)
    if text is None:
        return None, Outcome.UNPARSEABLE
    word = text.strip().lower()
    if not word:
        return None, Outcome.NULL
    if word in _TRUE:
        return True, Outcome.NORMALISED
    if word in _FALSE:
        return False, Outcome.NORMALISED
    return None, Outcome.UNPARSEABLE


_PHONE_PUNCTUATION = frozenset("+-().")


@lru_cache(maxsize=65536)
def normalise_phone(value: object) -> tuple[str | None, Outcome]:
    """A wa_id as digits only, so '+52 1 55-1234-5678' and '5215512345678' are one user.

    Spaces, '+', '-', '(', ')' and '.' are dropped (NORMALISED), as are non-ASCII decimal
    digits turned ASCII; a letter, or no digit at all, is UNPARSEABLE: never guessed.
    """
    if value is None:
        return None, Outcome.NULL
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(abs(value))
    elif isinstance(value, float) and value.is_integer():
        text = str(abs(int(value)))
    else:
        text = _as_text(value)
        if text is None:
            return None, Outcome.UNPARSEABLE
    if text.isascii() and text.isdigit():
        return (text, Outcome.OK) if len(text) <= MAX_WA_ID else (None, Outcome.UNPARSEABLE)
    if not text.strip():
        return None, Outcome.NULL
    digits = []
    for char in text:
        if char.isdecimal():
            digits.append(str(unicodedata.decimal(char)))
        elif not (char.isspace() or char in _PHONE_PUNCTUATION):
            return None, Outcome.UNPARSEABLE
    wa_id = "".join(digits)
    if not wa_id or len(wa_id) > MAX_WA_ID:
        return None, Outcome.UNPARSEABLE
    return wa_id, Outcome.NORMALISED


# 'assistant' is what some versions of the old bot wrote for its own replies.
SENDERS: dict[str, tuple[Direction, Sender]] = {
    "user": (Direction.IN, Sender.USER),
    "bot": (Direction.OUT, Sender.BOT),
    "assistant": (Direction.OUT, Sender.BOT),
    "agent": (Direction.OUT, Sender.AGENT),
}


def map_sender(value: object) -> tuple[tuple[Direction, Sender] | None, Outcome]:
    """Who wrote a message; an unknown sender is UNPARSEABLE, never guessed."""
    if isinstance(value, str):
        if (known := SENDERS.get(value)) is not None:
            return known, Outcome.OK
        if (known := SENDERS.get(value.strip().lower())) is not None:
            return known, Outcome.NORMALISED
    return None, Outcome.UNPARSEABLE


_MESSAGE_TYPES = {kind.value: kind for kind in MessageType}


def map_message_type(value: object) -> tuple[MessageType, Outcome]:
    """Meta's type names are kept; NULL/'' is text; anything else is stored as unsupported."""
    if value is None or value == "":
        return MessageType.TEXT, Outcome.OK
    if isinstance(value, str):
        if (kind := _MESSAGE_TYPES.get(value)) is not None:
            return kind, Outcome.OK
        if (kind := _MESSAGE_TYPES.get(value.strip().lower())) is not None:
            return kind, Outcome.NORMALISED
    return MessageType.UNSUPPORTED, Outcome.NORMALISED


def clean_text(value: object) -> tuple[str, Outcome]:
    """Text kept byte for byte and never cut; only NUL is removed (Postgres refuses it)."""
    if type(value) is str:
        if "\x00" not in value:
            return value, Outcome.OK
        return value.replace("\x00", ""), Outcome.NORMALISED
    if value is None:
        return "", Outcome.NULL
    if isinstance(value, bytes):
        return value.decode(errors="replace").replace("\x00", ""), Outcome.NORMALISED
    return str(value), Outcome.NORMALISED


def clean_field(value: object, max_length: int) -> tuple[str, Outcome]:
    """A short profile or id field: NUL removed, outer spaces trimmed, cut to the column."""
    text, outcome = clean_text(value)
    cleaned = text.strip()[:max_length]
    if cleaned != text and outcome is Outcome.OK:
        outcome = Outcome.NORMALISED
    return cleaned, Outcome.OK if outcome is Outcome.NULL else outcome


def clean_wamid(value: object) -> tuple[str | None, Outcome]:
    """A WhatsApp message id, or None: NULL is normal (the old bot's own replies had none)."""
    if value is None:
        return None, Outcome.OK
    text = _as_text(value)
    if text is None:
        return None, Outcome.UNPARSEABLE
    wamid = text.strip()
    if not wamid:
        return None, Outcome.OK
    if "\x00" in wamid or len(wamid) > MAX_WAMID:
        return None, Outcome.UNPARSEABLE
    return wamid, Outcome.OK if wamid == text else Outcome.NORMALISED


class _Issues:
    """Collects a row's issues; most rows have none and share the empty tuple."""

    __slots__ = ("found",)

    def __init__(self) -> None:
        self.found: list[Issue] = []

    def note(self, column: str, outcome: Outcome, value: object) -> None:
        if outcome is not Outcome.OK:
            self.found.append(Issue(column, outcome, shown(value)))

    def freeze(self) -> tuple[Issue, ...]:
        return tuple(self.found) if self.found else ()


def _phone(issues: _Issues, value: object) -> tuple[str | None, str | None]:
    wa_id, outcome = normalise_phone(value)
    issues.note("phone_number", outcome, value)
    rejection = None if wa_id else f"phone number {shown(value)} has no usable digits"
    return wa_id, rejection


def parse_conversation(row: tuple) -> LegacyConversation:
    """(rowid, phone_number, conversation_id, created_at, updated_at) as the reader selects."""
    rowid, phone, openai_id, created, updated = row
    issues = _Issues()
    wa_id, rejection = _phone(issues, phone)
    openai_conversation_id, outcome = clean_field(openai_id, 10**6)
    if len(openai_conversation_id) > MAX_OPENAI_ID:
        openai_conversation_id, outcome = "", Outcome.UNPARSEABLE
    issues.note("conversation_id", outcome, openai_id)
    created_at, outcome = parse_timestamp(created)
    issues.note("created_at", outcome, created)
    updated_at, outcome = parse_timestamp(updated)
    if updated is not None:
        issues.note("updated_at", outcome, updated)
    return LegacyConversation(
        row=rowid,
        phone_number=str(phone),
        wa_id=wa_id,
        openai_conversation_id=openai_conversation_id,
        created_at=created_at,
        updated_at=updated_at,
        issues=issues.freeze(),
        rejection=rejection,
    )


_PROFILE_MAX = {
    field: ClientProfile._meta.get_field(field).max_length
    for field in ("name", "last_name", "company", "email")
}


def parse_profile(row: tuple) -> LegacyProfile:
    """(rowid, phone_number, name, last_name, company, email, manual_mode, created_at,
    ai_draft, ai_draft_created_at, notes, updated_at) as the reader selects."""
    (rowid, phone, *fields, manual, created, draft, draft_created, notes, updated) = row
    issues = _Issues()
    wa_id, rejection = _phone(issues, phone)
    values = {}
    for (field, max_length), value in zip(_PROFILE_MAX.items(), fields, strict=True):
        values[field], outcome = clean_field(value, max_length)
        issues.note(field, outcome, value)
    manual_mode, outcome = parse_bool(manual)
    issues.note("manual_mode", outcome, manual)
    created_at, outcome = parse_timestamp(created)
    issues.note("created_at", outcome, created)
    ai_draft, outcome = clean_text(draft)
    if draft is not None:
        issues.note("ai_draft", outcome, draft)
    ai_draft_created_at, outcome = parse_timestamp(draft_created)
    if draft_created is not None:
        issues.note("ai_draft_created_at", outcome, draft_created)
    notes_text, outcome = clean_text(notes)
    if notes is not None:
        issues.note("notes", outcome, notes)
    updated_at, outcome = parse_timestamp(updated)
    if updated is not None:
        issues.note("updated_at", outcome, updated)
    return LegacyProfile(
        row=rowid,
        phone_number=str(phone),
        wa_id=wa_id,
        manual_mode=bool(manual_mode),
        created_at=created_at,
        ai_draft=ai_draft,
        # A draft needs a time to be approved (the page's token); it is at least as old
        # as the row's last change.
        ai_draft_created_at=(ai_draft_created_at or updated_at or created_at) if ai_draft else None,
        notes=notes_text,
        updated_at=updated_at,
        issues=issues.freeze(),
        rejection=rejection,
        **values,
    )


_OK = Outcome.OK
_sender_of = SENDERS.get
_type_of = _MESSAGE_TYPES.get
_from_isoformat = datetime.fromisoformat
# tuple.__new__ straight: a NamedTuple's own __new__ is a Python function with defaults,
# and cost a message row about 0.8 µs.
_new_tuple = tuple.__new__


def _normalised(issues: list[Issue], column: str, normalise, value: object):
    """A value that is not plain, through its normaliser; noted unless that reads it OK."""
    result, outcome = normalise(value)
    if outcome is not _OK:
        issues.append(Issue(column, outcome, shown(value)))
    return result


def _read_time(issues: list[Issue], column: str, value: object) -> datetime | None:
    """parse_timestamp's instant, noted unless OK; the naive UTC text the bot wrote (which
    parse_timestamp reads as OK) is read here, without the call and its outcome."""
    if type(value) is str and len(value) > 10:
        try:
            parsed = _from_isoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
    return _normalised(issues, column, parse_timestamp, value)


def _read_wamid(issues: list[Issue], value: object) -> str | None:
    """clean_wamid's id, noted unless OK; NULL and a trimmed id of the right length (which
    clean_wamid keeps as they are) are read here."""
    if value is None or (
        type(value) is str
        and 0 < len(value) <= MAX_WAMID
        and value.strip() == value
        and "\x00" not in value
    ):
        return value
    return _normalised(issues, "whatsapp_id", clean_wamid, value)


def parse_message(row: tuple) -> LegacyMessage:
    """(id, id, phone_number, message_text, sender, timestamp, message_type, whatsapp_id).

    The hot path of an import (millions of rows): each value first gets an inline check
    for the plain case the bot wrote (a known sender, text without NUL, a naive UTC
    timestamp, a known type, a trimmed wamid), which is what the normaliser would return
    as OK; anything else goes through the normaliser and is noted. Most rows call no
    function but the cached phone lookup.
    """
    _rowid, legacy_id, phone, text, sender, timestamp, message_type, whatsapp_id = row
    issues: list[Issue] = []
    wa_id, outcome = normalise_phone(phone)
    if outcome is not _OK:
        issues.append(Issue("phone_number", outcome, shown(phone)))
    rejection = None if wa_id else f"phone number {shown(phone)} has no usable digits"

    who = _sender_of(sender)
    if who is None:
        who, outcome = map_sender(sender)
        if outcome is not _OK:
            issues.append(Issue("sender", outcome, shown(sender)))
            if who is None and rejection is None:
                rejection = f"unknown sender {shown(sender)}"

    if type(text) is str and "\x00" not in text:
        cleaned = text
    else:
        cleaned = _normalised(issues, "message_text", clean_text, text)
    when = _read_time(issues, "timestamp", timestamp)
    kind = _type_of(message_type)
    if kind is None:
        kind = _normalised(issues, "message_type", map_message_type, message_type)
    wamid = _read_wamid(issues, whatsapp_id)

    direction, sender_kind = who if who is not None else (None, None)
    return _new_tuple(
        LegacyMessage,
        (
            legacy_id,
            phone if type(phone) is str else str(phone),
            wa_id,
            direction,
            sender_kind,
            kind,
            cleaned,
            when,
            wamid,
            str(message_type) if kind is MessageType.UNSUPPORTED else None,
            tuple(issues) if issues else (),
            rejection,
        ),
    )


def parse_processed_message(row: tuple) -> LegacyProcessedMessage:
    """(rowid, whatsapp_id, processed_at) as the reader selects.

    Hot like parse_message (one row per answered message), and read the same way: the
    plain values checked first, anything else through its normaliser.
    """
    rowid, whatsapp_id, processed = row
    issues: list[Issue] = []
    wamid = _read_wamid(issues, whatsapp_id)
    processed_at = _read_time(issues, "processed_at", processed)
    return _new_tuple(
        LegacyProcessedMessage,
        (
            rowid,
            wamid,
            processed_at,
            tuple(issues) if issues else (),
            None if wamid else f"whatsapp_id {shown(whatsapp_id)} is not a usable id",
        ),
    )
