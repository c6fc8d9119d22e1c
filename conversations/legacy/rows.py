"""The legacy bot's rows, parsed once into typed rows (contract: ../shared/legacy/schema.sql).

Each value goes through its normaliser (values.py), and the row keeps what was noted (its
`issues`) and why it cannot be placed, if so (its `rejection`), for the report. A message
row also gets its identity (identity.py): its row id and the digest of its raw values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from conversations.legacy.identity import legacy_digest
from conversations.legacy.values import (
    MAX_OPENAI_ID,
    MAX_WAMID,
    MESSAGE_TYPES,
    SENDERS,
    Issue,
    Outcome,
    clean_field,
    clean_text,
    clean_wamid,
    map_message_type,
    map_sender,
    normalise_phone,
    parse_bool,
    parse_timestamp,
    shown,
)
from conversations.models import Direction, MessageType, Sender
from profiles.models import ClientProfile


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
    legacy_id: int  # the row id: with legacy_digest, the message's identity (identity.py)
    legacy_digest: int
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
_type_of = MESSAGE_TYPES.get
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
    function but the cached phone lookup and the digest of their raw values.
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
            legacy_digest(phone, sender, timestamp, text),
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
