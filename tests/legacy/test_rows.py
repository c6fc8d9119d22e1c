"""How each loosely typed legacy value is read (../shared/legacy/schema.sql's quirks)."""

from datetime import UTC, datetime

import pytest

from conversations.legacy.rows import (
    Outcome,
    map_message_type,
    map_sender,
    normalise_phone,
    parse_bool,
    parse_timestamp,
)
from conversations.models import Direction, MessageType, Sender

INSTANT = datetime(2024, 3, 1, 9, 15, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected", "outcome"),
    [
        ("2024-03-01 09:15:22", INSTANT, Outcome.OK),  # SQLite's CURRENT_TIMESTAMP, UTC
        ("2024-03-01T09:15:22", INSTANT, Outcome.OK),  # naive isoformat, UTC
        (
            "2024-03-01T09:15:22.123456",
            INSTANT.replace(microsecond=123456),
            Outcome.OK,
        ),
        ("2024-03-01T09:15:22+00:00", INSTANT, Outcome.OK),
        ("2024-03-01T09:15:22Z", INSTANT, Outcome.OK),
        ("2024-03-01T11:15:22+02:00", INSTANT, Outcome.NORMALISED),  # aware, another offset
        ("2024-03-01T04:15:22-05:00", INSTANT, Outcome.NORMALISED),
        (1709284522, INSTANT, Outcome.NORMALISED),  # INTEGER epoch
        (1709284522.5, INSTANT.replace(microsecond=500000), Outcome.NORMALISED),  # REAL epoch
        ("1709284522", INSTANT, Outcome.NORMALISED),  # epoch typed as text
        (" 2024-03-01 09:15:22 ", INSTANT, Outcome.NORMALISED),
        ("2024-03-01", INSTANT.replace(hour=0, minute=0, second=0), Outcome.NORMALISED),
        (None, None, Outcome.NULL),
        ("", None, Outcome.NULL),
        ("   ", None, Outcome.NULL),
        ("yesterday", None, Outcome.UNPARSEABLE),
        ("2024-13-45 99:99:99", None, Outcome.UNPARSEABLE),
        (1709284522000, None, Outcome.UNPARSEABLE),  # milliseconds: not guessed
        (float("nan"), None, Outcome.UNPARSEABLE),
        (b"\xff\xfe", None, Outcome.UNPARSEABLE),
    ],
)
def test_every_timestamp_shape_becomes_an_aware_utc_instant_or_none(value, expected, outcome):
    parsed, got = parse_timestamp(value)

    assert (parsed, got) == (expected, outcome)
    if parsed is not None:
        assert parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("value", "expected", "outcome"),
    [
        (1, True, Outcome.OK),
        (0, False, Outcome.OK),
        ("true", True, Outcome.NORMALISED),
        ("True", True, Outcome.NORMALISED),
        ("false", False, Outcome.NORMALISED),
        ("False", False, Outcome.NORMALISED),
        ("1", True, Outcome.NORMALISED),
        (" yes ", True, Outcome.NORMALISED),
        (None, None, Outcome.NULL),
        ("", None, Outcome.NULL),
        ("maybe", None, Outcome.UNPARSEABLE),
        (2, None, Outcome.UNPARSEABLE),  # not guessed from truthiness
    ],
)
def test_booleans_in_every_spelling(value, expected, outcome):
    assert parse_bool(value) == (expected, outcome)


@pytest.mark.parametrize(
    ("value", "expected", "outcome"),
    [
        ("5215512345678", "5215512345678", Outcome.OK),
        ("+5215512345678", "5215512345678", Outcome.NORMALISED),
        ("+52 1 55 1234 5678", "5215512345678", Outcome.NORMALISED),
        ("52-1-55-1234-5678", "5215512345678", Outcome.NORMALISED),
        ("+52 (1) 55.1234.5678", "5215512345678", Outcome.NORMALISED),
        ("٥٢١٥٥١٢٣٤٥٦٧٨", "5215512345678", Outcome.NORMALISED),  # Arabic-Indic digits
        (5215512345678, "5215512345678", Outcome.OK),
        (None, None, Outcome.NULL),
        ("  ", None, Outcome.NULL),
        ("n/a", None, Outcome.UNPARSEABLE),
        ("+52 55 ext 12", None, Outcome.UNPARSEABLE),
        ("1" * 40, None, Outcome.UNPARSEABLE),
    ],
)
def test_phone_numbers_become_digits_only(value, expected, outcome):
    assert normalise_phone(value) == (expected, outcome)


@pytest.mark.parametrize(
    ("value", "expected", "outcome"),
    [
        ("user", (Direction.IN, Sender.USER), Outcome.OK),
        ("bot", (Direction.OUT, Sender.BOT), Outcome.OK),
        ("assistant", (Direction.OUT, Sender.BOT), Outcome.OK),
        ("agent", (Direction.OUT, Sender.AGENT), Outcome.OK),
        (" Bot ", (Direction.OUT, Sender.BOT), Outcome.NORMALISED),
        ("system", None, Outcome.UNPARSEABLE),
        ("customer", None, Outcome.UNPARSEABLE),
        (None, None, Outcome.UNPARSEABLE),
    ],
)
def test_senders_are_mapped_and_unknown_ones_never_guessed(value, expected, outcome):
    assert map_sender(value) == (expected, outcome)


@pytest.mark.parametrize(
    ("value", "expected", "outcome"),
    [
        (None, MessageType.TEXT, Outcome.OK),
        ("text", MessageType.TEXT, Outcome.OK),
        ("image", MessageType.IMAGE, Outcome.OK),
        ("Audio", MessageType.AUDIO, Outcome.NORMALISED),
        ("voice_note", MessageType.UNSUPPORTED, Outcome.NORMALISED),
    ],
)
def test_message_types_keep_meta_names_and_store_others_as_unsupported(value, expected, outcome):
    assert map_message_type(value) == (expected, outcome)
