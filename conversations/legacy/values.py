"""The legacy bot's loosely typed values, normalised one by one (contract:
../shared/legacy/schema.sql).

The old SQLite file is loosely typed: one column holds timestamps in five shapes, booleans in
several spellings, phones with punctuation. Each normaliser says how it went (an
`Outcome`), so the importer can count and report what it had to rewrite or could not read
instead of silently guessing; rows.py puts them together into typed rows.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache

from conversations.models import Conversation, Direction, Message, MessageType, Sender

MAX_WA_ID = Conversation._meta.get_field("wa_id").max_length
MAX_WAMID = Message._meta.get_field("wamid").max_length
MAX_OPENAI_ID = Conversation._meta.get_field("openai_conversation_id").max_length


class Outcome(StrEnum):
    OK = "ok"  # read as the contract describes it
    NORMALISED = "normalised"  # rewritten to fit: punctuation, offsets, epochs, spellings, NULs
    NULL = "null"  # NULL or empty where a value was expected
    UNPARSEABLE = "unparseable"  # could not be read; the importer says what it did instead


@dataclass(frozen=True, slots=True)
class Issue:
    """One value that was not read as-is: which column, how it went, and what it was."""

    column: str
    outcome: Outcome
    value: str  # the legacy value, shortened, for the report

    def describe(self) -> str:
        return f"{self.column} {self.value} {self.outcome}"


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


MESSAGE_TYPES = {kind.value: kind for kind in MessageType}


def map_message_type(value: object) -> tuple[MessageType, Outcome]:
    """Meta's type names are kept; NULL/'' is text; anything else is stored as unsupported."""
    if value is None or value == "":
        return MessageType.TEXT, Outcome.OK
    if isinstance(value, str):
        if (kind := MESSAGE_TYPES.get(value)) is not None:
            return kind, Outcome.OK
        if (kind := MESSAGE_TYPES.get(value.strip().lower())) is not None:
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
