"""How each loosely typed legacy value is read (../shared/legacy/schema.sql's quirks)."""

from datetime import UTC, datetime

import pytest

from conversations.legacy.rows import parse_message, parse_processed_message
from conversations.legacy.values import (
    Outcome,
    clean_text,
    clean_wamid,
    map_message_type,
    map_sender,
    normalise_phone,
    parse_bool,
    parse_timestamp,
)
from conversations.models import Direction, MessageType, Sender

INSTANT = datetime(2024, 3, 1, 9, 15, 22, tzinfo=UTC)


TIMESTAMPS = [
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
]


@pytest.mark.parametrize(("value", "expected", "outcome"), TIMESTAMPS)
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


WAMIDS = [None, "", "wamid.HBgN1", " wamid.HBgN2 ", "wamid.\x00", "w" * 300, 42, b"\xff"]
TEXTS = ["hola 👋", "", "NUL\x00inside", None, b"caf\xc3\xa9", 7]


@pytest.mark.parametrize("timestamp", [value for value, _, _ in TIMESTAMPS])
@pytest.mark.parametrize("sender", ["user", "assistant", " Bot ", "system", None])
@pytest.mark.parametrize("message_type", [None, "", "text", "Audio", "voice_note"])
def test_a_message_row_reads_each_value_as_its_normaliser_does(timestamp, sender, message_type):
    """parse_message checks the plain values inline, for speed: it must agree with the
    normalisers on every value, plain or not, and report the same outcomes."""
    for text in TEXTS:
        for wamid in WAMIDS:
            row = (7, 7, "+52 1 55 1234 5678", text, sender, timestamp, message_type, wamid)
            message = parse_message(row)

            expected = {
                "phone_number": normalise_phone(row[2]),
                "message_text": clean_text(text),
                "sender": map_sender(sender),
                "timestamp": parse_timestamp(timestamp),
                "message_type": map_message_type(message_type),
                "whatsapp_id": clean_wamid(wamid),
            }
            direction_and_sender = (message.direction, message.sender)
            assert message.wa_id == expected["phone_number"][0]
            assert message.text == expected["message_text"][0]
            assert direction_and_sender == (expected["sender"][0] or (None, None))
            assert message.timestamp == expected["timestamp"][0]
            assert message.type == expected["message_type"][0]
            assert message.wamid == expected["whatsapp_id"][0]
            assert {issue.column: issue.outcome for issue in message.issues} == {
                column: outcome
                for column, (_, outcome) in expected.items()
                if outcome is not Outcome.OK
            }


@pytest.mark.parametrize("timestamp", [value for value, _, _ in TIMESTAMPS])
def test_a_ledger_row_reads_each_value_as_its_normaliser_does(timestamp):
    for wamid in WAMIDS:
        processed = parse_processed_message((3, wamid, timestamp))

        expected = {"whatsapp_id": clean_wamid(wamid), "processed_at": parse_timestamp(timestamp)}
        assert processed.wamid == expected["whatsapp_id"][0]
        assert processed.processed_at == expected["processed_at"][0]
        assert (processed.rejection is None) == (processed.wamid is not None)
        assert {issue.column: issue.outcome for issue in processed.issues} == {
            column: outcome
            for column, (_, outcome) in expected.items()
            if outcome is not Outcome.OK
        }
