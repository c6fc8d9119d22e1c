"""A second, different legacy database (another bot, another number, a bot restarted on a
fresh file) is imported whole beside the first, and nothing is ever imported twice."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection

from conversations.legacy.identity import legacy_digest
from conversations.legacy.importer import import_legacy_database
from conversations.models import Message
from tests.legacy.conftest import ANA, BOB, CARLA, LegacyDb
from tests.legacy.test_import_legacy_db import (
    CrashAfterBatches,
    SimulatedCrash,
    imported_rows,
    row_counts,
    summary_row,
)

pytestmark = pytest.mark.django_db

MODES = pytest.mark.parametrize("mode", [(), ("--online",)], ids=["default", "online"])
BULK = "Messages were loaded in one transaction"
GREETING = "¡Hola! Soy el asistente, ¿en qué te ayudo?"  # every bot's first reply


def bot_history(db: LegacyDb, name: str, phones: list[str], messages: int) -> list[str]:
    """A bot's file: leads writing in turn, each message answered by the bot (a reply has no
    wamid, and many replies read alike), times from the bot's own start. Its texts."""
    texts = []
    for n in range(messages):
        phone = phones[(n // 2) % len(phones)]
        minute, second = divmod(n, 60)
        when = f"2024-0{1 + len(name) % 9}-01 10:{minute:02d}:{second:02d}"
        if n % 2 == 0:
            text = f"{name}: message {n} from {phone}"
            db.message(phone, text, timestamp=when, whatsapp_id=f"wamid.{name}.{n}")
        else:
            text = GREETING if n % 4 == 1 else f"{name}: answer {n}"
            db.message(phone, text, sender="bot", timestamp=when)
        texts.append(text)
    return texts


@pytest.fixture
def two_bots(legacy_db):
    """The issue's two files: 14 messages of a first bot, then 40 of a second, on the same
    row ids 1 to 14 and beyond; one lead (ANA) wrote to both."""
    first, second = legacy_db(), legacy_db()
    first_texts = bot_history(first, "first", [ANA, BOB], 14)
    second_texts = bot_history(second, "second", [CARLA, ANA, "5215500000001"], 40)
    return first, second, first_texts, second_texts


def stored_texts() -> list[str]:
    return sorted(Message.objects.values_list("text", flat=True))


@MODES
@pytest.mark.parametrize("order", ["small_first", "large_first"])
def test_two_files_with_overlapping_row_ids_both_arrive_whole(
    two_bots, import_legacy_db, mode, order
):
    first, second, first_texts, second_texts = two_bots
    files = [first, second] if order == "small_first" else [second, first]
    import_legacy_db(files[0].path, *mode)

    output = import_legacy_db(files[1].path, *mode)

    assert stored_texts() == sorted(first_texts + second_texts)
    rows = len(first_texts if order == "large_first" else second_texts)
    assert summary_row(output, "messages")[:3] == [rows, rows, 0]  # rows, imported, duplicate
    # On PostgreSQL the larger file loads in bulk, the smaller one after it batch by batch.
    in_bulk = connection.vendor == "postgresql" and not mode and order == "small_first"
    assert (BULK in output.stdout) == in_bulk


@MODES
def test_re_importing_either_file_adds_nothing(two_bots, import_legacy_db, mode):
    first, second, *_ = two_bots
    import_legacy_db(first.path, *mode)
    import_legacy_db(second.path, *mode)
    both = imported_rows()

    again = [import_legacy_db(db.path, *mode) for db in (first, second, first)]

    assert imported_rows() == both
    for output, rows in zip(again, (14, 40, 14), strict=True):
        assert summary_row(output, "messages")[:3] == [rows, 0, rows]


@MODES
def test_a_grown_copy_of_the_same_file_adds_only_its_new_rows(legacy_db, import_legacy_db, mode):
    db = legacy_db()
    bot_history(db, "first", [ANA, BOB], 14)
    import_legacy_db(db.path, *mode)
    # The bot ran on: the copy taken later holds the same rows and 30 more.
    db.message(ANA, GREETING, sender="bot", timestamp="2024-06-01 10:00:00")
    for n in range(29):
        db.message(BOB, f"later {n}", timestamp="2024-06-01 11:00:00", whatsapp_id=f"w.{n}")

    output = import_legacy_db(db.path, *mode)

    assert Message.objects.count() == 44
    assert summary_row(output, "messages")[:3] == [44, 30, 14]
    in_bulk = connection.vendor == "postgresql" and not mode  # the copy outgrew the install
    assert (BULK in output.stdout) == in_bulk


def test_the_same_whatsapp_message_in_two_files_is_the_only_duplicate(legacy_db, import_legacy_db):
    first, second = legacy_db(), legacy_db()
    first.message(ANA, "Hola", whatsapp_id="wamid.seen.by.both")  # row 1
    first.message(ANA, GREETING, sender="bot")  # row 2
    # The second file: the same WhatsApp message (a copy of the first bot's history), a
    # webhook retry stored twice, and its own rows on ids the first file also used.
    second.message(ANA, "Hola", whatsapp_id="wamid.seen.by.both", timestamp="2024-03-02 08:00")
    second.message(ANA, GREETING, sender="bot", timestamp="2024-03-02 08:00:01")
    second.message(CARLA, "Buenas", whatsapp_id="wamid.retried")
    second.message(CARLA, "Buenas", whatsapp_id="wamid.retried")
    second.message(CARLA, GREETING, sender="bot")
    import_legacy_db(first.path)

    output = import_legacy_db(second.path)

    assert summary_row(output, "messages")[:3] == [5, 3, 2]  # rows, imported, duplicate
    assert Message.objects.count() == 5
    assert Message.objects.filter(text=GREETING).count() == 3


def test_a_dry_run_of_a_second_file_reports_what_its_import_does(two_bots, import_legacy_db):
    first, second, *_ = two_bots
    import_legacy_db(first.path)
    counts = row_counts()

    dry = import_legacy_database(second.path, dry_run=True)
    assert row_counts() == counts
    real = import_legacy_database(second.path)

    assert dataclasses.asdict(dry.tables["messages"]) == dataclasses.asdict(real.tables["messages"])
    assert real.tables["messages"].imported == 40


# A crash halfway


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("online", [True, False], ids=["online", "default"])
def test_a_second_file_crashed_halfway_and_run_again_adds_nothing_twice(two_bots, online):
    first, second, *_ = two_bots
    import_legacy_database(first.path)
    with pytest.raises(SimulatedCrash):
        import_legacy_database(
            second.path, batch_size=4, online=online, progress=CrashAfterBatches("messages", 3)
        )
    kept = Message.objects.count() - 14
    # online, or anywhere but PostgreSQL: each batch committed on its own; a bulk load
    # (PostgreSQL, the second file larger than the install) keeps none of them
    assert 0 < kept < 40 if online or connection.vendor != "postgresql" else kept == 0

    import_legacy_database(second.path, batch_size=4, online=online)
    after_crash = imported_rows()
    Message.objects.all().delete()
    for db in (first, second):
        import_legacy_database(db.path)

    assert imported_rows() == after_crash
    assert Message.objects.count() == 54


# Installs that imported a first file before messages had a digest (before migration 0013)


def as_imported_before_0013() -> None:
    """What migration 0013 leaves of messages imported before it: their row id, no digest."""
    Message.objects.exclude(legacy_id=None).update(legacy_digest=None)


@MODES
def test_re_importing_a_file_imported_before_the_digest_adds_nothing(
    two_bots, import_legacy_db, mode
):
    first, *_ = two_bots
    import_legacy_db(first.path, *mode)
    digests = sorted(Message.objects.values_list("legacy_id", "legacy_digest"))
    as_imported_before_0013()

    output = import_legacy_db(first.path, *mode)

    assert Message.objects.count() == 14
    assert summary_row(output, "messages")[:3] == [14, 0, 14]
    assert "14 message(s) imported before this version were found in this file" in output.stdout
    assert sorted(Message.objects.values_list("legacy_id", "legacy_digest")) == digests


@MODES
def test_a_second_file_after_one_imported_before_the_digest_arrives_whole(
    two_bots, import_legacy_db, mode
):
    first, second, first_texts, second_texts = two_bots
    import_legacy_db(first.path, *mode)
    as_imported_before_0013()

    output = import_legacy_db(second.path, *mode)
    again = import_legacy_db(first.path, *mode)

    assert stored_texts() == sorted(first_texts + second_texts)
    assert summary_row(output, "messages")[:3] == [40, 40, 0]
    assert "imported before this version" not in output.stdout  # none of them is in it
    assert summary_row(again, "messages")[:3] == [14, 0, 14]


def test_a_grown_copy_of_a_file_imported_before_the_digest_adds_only_its_new_rows(
    legacy_db, import_legacy_db
):
    db = legacy_db()
    texts = bot_history(db, "first", [ANA, BOB], 14)
    db.message(ANA, "no time", timestamp=None)  # dated at its conversation's start
    import_legacy_db(db.path)
    as_imported_before_0013()
    for n in range(20):
        db.message(BOB, f"later {n}", timestamp="2024-06-01 11:00:00")

    output = import_legacy_db(db.path)  # on PostgreSQL, in bulk: the copy outgrew the install

    assert Message.objects.count() == 35
    assert summary_row(output, "messages")[:3] == [35, 20, 15]
    assert set(texts) <= set(stored_texts())
    assert not Message.objects.filter(legacy_digest=None).exists()


def test_a_dry_run_counts_messages_imported_before_the_digest_as_duplicates(
    two_bots, import_legacy_db
):
    first, *_ = two_bots
    import_legacy_db(first.path)
    as_imported_before_0013()

    output = import_legacy_db(first.path, "--dry-run")

    assert summary_row(output, "messages")[:3] == [14, 0, 14]
    assert Message.objects.filter(legacy_digest=None).count() == 14  # nothing written


# The identity itself


def test_a_message_digest_is_pinned_to_the_raw_values_it_was_made_of():
    """Changing how the digest is made would make every message imported so far a stranger
    to its own file: a re-import would double them all. These values must never change."""
    assert legacy_digest(ANA, "user", "2024-03-01 09:15:22", "Hola") == -8757905032499670086
    assert legacy_digest(ANA, "bot", 1709284522, b"caf\xe9") == 7946864633095177225
    assert legacy_digest(f"+{ANA}", " User", None, "a\x1fb") == -481547243066099773


def test_the_digest_tells_rows_apart_by_each_raw_value_and_only_by_them():
    row = (ANA, "user", "2024-03-01 09:15:22", "Hola")
    others = [
        (f"+{ANA}", *row[1:]),  # the same lead, spelled another way in this file
        (ANA, "assistant", *row[2:]),
        (ANA, "user", "2024-03-01T09:15:22", "Hola"),  # the same instant, written otherwise
        (*row[:3], "Hola "),
        (ANA, "user\x1f2024-03-01 09:15:22", "", "Hola"),  # the separator, moved
    ]

    assert len({legacy_digest(*values) for values in [row, *others]}) == 1 + len(others)
    assert legacy_digest(*row) == legacy_digest(ANA, b"user", "2024-03-01 09:15:22", b"Hola")
