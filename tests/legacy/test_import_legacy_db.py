"""`manage.py import_legacy_db`: the legacy bot's history, profiles and ledger, exactly once."""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from unittest.mock import patch

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from conversations.legacy import loading as loading_module
from conversations.legacy import plain
from conversations.legacy.importer import import_legacy_database
from conversations.legacy.writer import DatabaseWriter
from conversations.management.commands.import_legacy_db import TerminalProgress
from conversations.models import (
    Conversation,
    Direction,
    Message,
    MessageStatus,
    MessageType,
    ReplyState,
    Sender,
)
from conversations.services.agent import draft_created_at_token, parse_draft_token
from profiles.models import ClientProfile, FieldSource, ProfileFieldSource
from tests.factories import make_conversation, make_message
from tests.legacy.conftest import ANA, BOB, CARLA, fill_with_quirks
from tests.samples import TEST_APP_SECRET, signed_headers, text_webhook
from webhooks.models import ProcessedMessage

pytestmark = pytest.mark.django_db

MARCH_1 = datetime(2024, 3, 1, 9, 15, 22, tzinfo=UTC)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def imported_rows() -> dict[str, list[tuple]]:
    """Everything the import writes, as a user of the admin would compare it."""
    return {
        "conversations": sorted(
            Conversation.objects.values_list(
                "wa_id",
                "openai_conversation_id",
                "created_at",
                "last_message_at",
                "last_inbound_at",
            )
        ),
        "profiles": sorted(
            ClientProfile.objects.values_list(
                "conversation__wa_id",
                "name",
                "last_name",
                "company",
                "email",
                "manual_mode",
                "completion_status",
                "what_is_missing",
                "created_at",
            )
        ),
        "sources": sorted(
            ProfileFieldSource.objects.values_list(
                "profile__conversation__wa_id", "field", "value", "source"
            )
        ),
        "messages": sorted(
            Message.objects.values_list(
                "legacy_id",
                "conversation__wa_id",
                "direction",
                "sender",
                "type",
                "text",
                "wamid",
                "status",
                "timestamp",
                "reply_state",
            ),
            key=lambda row: (row[0] is None, row[0] or 0, row[6] or ""),
        ),
        "processed": sorted(ProcessedMessage.objects.values_list("wamid", "processed_at")),
    }


def summary_row(output, table: str) -> list[int]:
    """rows, imported, duplicate, normalised, null, unparseable, not placed of one table."""
    line = next(line for line in output.stdout.splitlines() if line.startswith(f"{table} "))
    return [int(cell.replace(",", "")) for cell in line.split()[1:]]


def row_counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Conversation, ClientProfile, Message, ProcessedMessage, ProfileFieldSource)
    )


# What is imported


def test_every_table_of_the_full_layout_is_imported(legacy_db, import_legacy_db):
    db = fill_with_quirks(legacy_db())

    import_legacy_db(db.path)

    ana = Conversation.objects.get(wa_id=ANA)
    assert ana.openai_conversation_id == "thread_ana"
    assert list(ana.messages.order_by("timestamp").values_list("text", flat=True)) == [
        "Hola, soy Ana 👋",
        "¡Hola Ana! ¿Tu empresa?",
        "Acme",
        "Gracias",
        "Te escribe un agente",
    ]
    profile = ana.profile
    assert (profile.name, profile.last_name, profile.company, profile.email) == (
        "Ana",
        "López",
        "Acme",
        "ana@acme.example",
    )
    assert profile.manual_mode is True
    assert sorted(ProcessedMessage.objects.values_list("wamid", flat=True)) == [
        "wamid.ana.1",
        "wamid.ana.2",
        "wamid.bob.1",
    ]
    assert ProcessedMessage.objects.get(wamid="wamid.ana.2").processed_at == at(
        2024, 3, 1, 9, 16, 1
    )


def test_an_older_layout_without_the_optional_columns_is_imported(legacy_db, import_legacy_db):
    db = legacy_db(optional_columns=False)
    db.conversation(ANA, created_at="2024-03-01 09:00:00")
    db.profile(ANA, name="Ana", manual_mode=0)
    db.message(ANA, "Hola", timestamp="2024-03-01 09:15:22")
    db.message(ANA, "¿Cómo te llamas?", sender="bot", timestamp="2024-03-01 09:15:30")

    output = import_legacy_db(db.path)

    messages = Message.objects.order_by("timestamp")
    assert [(m.type, m.wamid, m.text) for m in messages] == [
        (MessageType.TEXT, None, "Hola"),
        (MessageType.TEXT, None, "¿Cómo te llamas?"),
    ]
    assert ClientProfile.objects.get().name == "Ana"
    assert "messages has no column(s) message_type, whatsapp_id (an older layout)" in output.stdout
    assert "client_profiles has no column(s) ai_draft, ai_draft_created_at, notes" in output.stdout


def test_each_timestamp_shape_is_stored_as_the_same_utc_instant(legacy_db, import_legacy_db):
    db = legacy_db()
    shapes = [
        "2024-03-01 09:15:22",
        "2024-03-01T09:15:22.000000",
        "2024-03-01T11:15:22+02:00",
        1709284522,
        1709284522.0,
        "1709284522",
    ]
    for shape in shapes:
        db.message(ANA, f"sent as {shape!r}", timestamp=shape)

    output = import_legacy_db(db.path)

    assert set(Message.objects.values_list("timestamp", flat=True)) == {MARCH_1}
    assert summary_row(output, "messages") == [6, 6, 0, 4, 0, 0, 0]  # offset and epochs


def test_a_message_without_usable_timestamp_is_dated_at_its_conversation_start(
    legacy_db, import_legacy_db
):
    db = legacy_db()
    db.conversation(ANA, created_at="2024-02-29 08:00:00")
    db.message(ANA, "no time", timestamp=None)
    db.message(ANA, "empty time", timestamp="")
    db.message(ANA, "garbled time", timestamp="32/13/2024 25:61")

    output = import_legacy_db(db.path)

    assert set(Message.objects.values_list("timestamp", flat=True)) == {at(2024, 2, 29, 8)}
    assert "3 message(s) without a usable timestamp, dated at their conversation's start" in (
        output.stdout
    )
    assert "messages id 3: timestamp '32/13/2024 25:61' unparseable" in output.stdout


def test_two_spellings_of_one_phone_become_one_conversation(legacy_db, import_legacy_db):
    db = legacy_db()
    db.conversation("+52 1 55 1234 5678", conversation_id="thread_first", created_at=1709283600)
    db.conversation("52-1-55-1234-5678", conversation_id="thread_second", created_at="2024-02-29")
    db.message("+5215512345678", "one", timestamp="2024-03-01 09:00:00")
    db.message("521 5512345678", "two", timestamp="2024-03-01 09:01:00")
    db.profile("+52 15512345678", name="Ana")

    import_legacy_db(db.path)

    conversation = Conversation.objects.get()
    assert conversation.wa_id == ANA
    assert conversation.openai_conversation_id == "thread_first"  # the first row's thread
    assert conversation.created_at == at(2024, 2, 29)  # the earliest of the two
    assert conversation.messages.count() == 2
    assert conversation.profile.name == "Ana"


@pytest.mark.parametrize(
    ("spelling", "manual_mode"),
    [(1, True), (0, False), ("true", True), ("True", True), ("False", False), (None, False)],
)
def test_manual_mode_is_read_in_every_spelling(legacy_db, import_legacy_db, spelling, manual_mode):
    db = legacy_db()
    db.profile(ANA, manual_mode=spelling)

    import_legacy_db(db.path)

    assert ClientProfile.objects.get().manual_mode is manual_mode


def test_an_invalid_email_is_kept_as_typed_but_the_profile_is_not_complete(
    legacy_db, import_legacy_db
):
    db = legacy_db()
    db.profile(ANA, name="Ana", last_name="López", company="Acme", email="ana at acme dot com")

    import_legacy_db(db.path)

    profile = ClientProfile.objects.get()
    assert profile.email == "ana at acme dot com"
    assert (profile.completion_status, profile.what_is_missing) == (False, "email")


def test_completeness_is_recomputed_and_the_legacy_flags_ignored(legacy_db, import_legacy_db):
    db = legacy_db()
    db.profile(ANA, name="Ana", email="ana@acme.example", completion_status=1, what_is_missing="")
    db.profile(
        CARLA,
        name="Carla",
        last_name="Ruiz",
        company="Hilos",
        email="carla@hilos.example",
        completion_status="false",
        what_is_missing="name, last_name, company, email",
    )

    import_legacy_db(db.path)

    ana = ClientProfile.objects.get(conversation__wa_id=ANA)
    carla = ClientProfile.objects.get(conversation__wa_id=CARLA)
    assert (ana.completion_status, ana.what_is_missing) == (False, "last_name, company")
    assert (carla.completion_status, carla.what_is_missing) == (True, "")
    assert carla.completed_at is not None


def test_imported_profile_values_record_legacy_import_as_their_source(legacy_db, import_legacy_db):
    db = legacy_db()
    db.profile(ANA, name="Ana", company="Acme", last_name="", email=None)

    import_legacy_db(db.path)

    sources = ProfileFieldSource.objects.order_by("field")
    assert [(s.field, s.value, s.source) for s in sources] == [
        ("company", "Acme", FieldSource.IMPORT),
        ("name", "Ana", FieldSource.IMPORT),
    ]
    assert sources[0].get_source_display() == "Legacy import"


def test_each_sender_is_mapped_and_an_unknown_one_is_reported_not_imported(
    legacy_db, import_legacy_db
):
    db = legacy_db()
    db.message(ANA, "from the lead", sender="user")
    db.message(ANA, "from the bot", sender="bot")
    db.message(ANA, "from the bot, newer version", sender="assistant")
    db.message(ANA, "from staff", sender="agent")
    unknown = db.message(ANA, "from whom?", sender="supervisor")

    output = import_legacy_db(db.path)

    stored = {m.text: (m.direction, m.sender, m.status) for m in Message.objects.all()}
    assert stored == {
        "from the lead": (Direction.IN, Sender.USER, ""),
        "from the bot": (Direction.OUT, Sender.BOT, MessageStatus.SENT),
        "from the bot, newer version": (Direction.OUT, Sender.BOT, MessageStatus.SENT),
        "from staff": (Direction.OUT, Sender.AGENT, MessageStatus.SENT),
    }
    assert f"messages id {unknown}: unknown sender 'supervisor'" in output.stdout


def test_an_imported_draft_has_a_time_so_an_agent_can_approve_it(legacy_db, import_legacy_db):
    db = legacy_db()
    draft = "¡Hola Ana! ¿En qué empresa trabajas?"
    db.profile(ANA, ai_draft=draft, updated_at="2024-03-01 09:20:00")

    import_legacy_db(db.path)

    profile = ClientProfile.objects.get()
    assert profile.ai_draft == draft
    assert profile.ai_draft_created_at == at(2024, 3, 1, 9, 20)
    # The profile page's token for this draft is accepted when the agent approves it.
    token = draft_created_at_token(profile)
    assert parse_draft_token(token) == profile.ai_draft_created_at


def test_imported_messages_are_not_answered_by_the_bot(legacy_db, import_legacy_db):
    db = legacy_db()
    db.message(ANA, "Hola, ¿me ayudas?")

    import_legacy_db(db.path)

    assert Message.objects.get().reply_state == ReplyState.NONE


def test_a_message_or_conversation_without_profile_gets_a_blank_one(legacy_db, import_legacy_db):
    db = legacy_db()
    db.conversation(ANA, created_at="2024-03-01 09:00:00")
    db.message(BOB, "Hello?", timestamp="2024-03-03 12:00:00")

    output = import_legacy_db(db.path)

    for wa_id in (ANA, BOB):
        profile = ClientProfile.objects.get(conversation__wa_id=wa_id)
        assert (profile.name, profile.what_is_missing) == ("", "name, last_name, company, email")
    assert Conversation.objects.get(wa_id=BOB).created_at == at(2024, 3, 3, 12)
    assert "1 conversation(s) created for phone numbers known only from messages" in output.stdout


def test_a_profile_without_messages_is_imported(legacy_db, import_legacy_db):
    db = legacy_db()
    db.profile(CARLA, name="Carla", created_at="2024-03-02 10:00:00")

    import_legacy_db(db.path)

    carla = Conversation.objects.get(wa_id=CARLA)
    assert carla.profile.name == "Carla"
    assert carla.profile.created_at == at(2024, 3, 2, 10)
    assert (carla.messages.count(), carla.last_message_at) == (0, None)


@pytest.mark.parametrize("mode", [(), ("--online",)], ids=["default", "online"])
def test_message_types_are_kept_and_an_unknown_one_is_stored_with_its_legacy_name(
    legacy_db, import_legacy_db, mode
):
    db = legacy_db()
    db.message(ANA, "Hola", message_type="text")
    db.message(ANA, "[image]", message_type="image")
    db.message(ANA, "[sticker]", message_type="sticker_v2 ✨")

    import_legacy_db(db.path, *mode)

    stored = Message.objects.order_by("legacy_id").values_list("type", "content", "raw")
    assert list(stored) == [
        (MessageType.TEXT, {}, {}),
        (MessageType.IMAGE, {}, {}),
        (MessageType.UNSUPPORTED, {"legacy_type": "sticker_v2 ✨"}, {}),
    ]


@pytest.mark.parametrize("mode", [(), ("--online",)], ids=["default", "online"])
def test_the_same_whatsapp_id_on_two_rows_is_imported_once(legacy_db, import_legacy_db, mode):
    db = legacy_db()
    first = db.message(ANA, "Hola", whatsapp_id="wamid.retried")
    db.message(ANA, "Hola", whatsapp_id="wamid.retried")
    # The same id under two phones (a hand-edited copy): the first row wins, wherever
    # its conversation comes in the order rows are written.
    db.conversation(ANA)
    db.conversation(BOB)
    bob_first = db.message(BOB, "Hi", whatsapp_id="wamid.shared")
    db.message(ANA, "Hi", whatsapp_id="wamid.shared")

    output = import_legacy_db(db.path, *mode)

    assert sorted(Message.objects.values_list("legacy_id", "wamid", "conversation__wa_id")) == [
        (first, "wamid.retried", ANA),
        (bob_first, "wamid.shared", BOB),
    ]
    assert summary_row(output, "messages")[:3] == [4, 2, 2]


def test_unicode_survives_byte_for_byte_and_long_texts_are_not_cut(legacy_db, import_legacy_db):
    texts = [
        "مرحبا، أريد معرفة الأسعار",
        "Ça coûte combien ? Año, niño, Straße",
        "e\u0301 (combining accent) 👩🏽‍💻🇲🇽 emoji",
        "long " + "Ω" * 5000 + " end",
    ]
    db = legacy_db()
    for text in texts:
        db.message(ANA, text)
    db.message(ANA, "NUL\x00 removed")
    db.profile(ANA, name="عائشة", last_name="Nuñez")

    import_legacy_db(db.path)

    stored = list(Message.objects.order_by("legacy_id").values_list("text", flat=True))
    assert [t.encode() for t in stored[:4]] == [t.encode() for t in texts]
    assert len(stored[3]) == len(texts[3]) > 4096
    assert stored[4] == "NUL removed"
    profile = ClientProfile.objects.get()
    assert (profile.name, profile.last_name) == ("عائشة", "Nuñez")


def test_text_that_is_not_utf8_does_not_stop_the_import(legacy_db, import_legacy_db):
    db = legacy_db()
    db.execute(
        "INSERT INTO messages (phone_number, message_text, sender) "
        "VALUES (?, CAST(X'636166E9' AS TEXT), 'user')",  # 'café' in Latin-1
        (ANA,),
    )
    db.message(ANA, "fine")

    output = import_legacy_db(db.path)

    assert sorted(Message.objects.values_list("text", flat=True)) == ["caf\ufffd", "fine"]
    assert "1 text value(s) were not UTF-8" in output.stdout


def test_processed_messages_keep_their_time_or_get_the_import_time(legacy_db, import_legacy_db):
    db = legacy_db()
    db.processed("wamid.a", processed_at="2024-03-01 09:15:22")
    db.processed("wamid.b", processed_at=None)
    before = datetime.now(UTC)

    import_legacy_db(db.path)

    assert ProcessedMessage.objects.get(wamid="wamid.a").processed_at == MARCH_1
    assert ProcessedMessage.objects.get(wamid="wamid.b").processed_at >= before


@pytest.mark.parametrize("mode", [(), ("--online",)], ids=["default", "online"])
def test_a_ledger_wamid_already_answered_or_typed_twice_is_kept_once(
    legacy_db, import_legacy_db, mode
):
    answered = ProcessedMessage.objects.create(wamid="wamid.ana.1")  # by the new bot
    db = legacy_db()
    db.processed("wamid.ana.1", processed_at="2024-03-01 09:15:22")
    db.processed("wamid.b", processed_at="2024-03-01 09:15:22")
    db.processed(" wamid.b ", processed_at="2024-03-02 10:00:00")  # hand-edited, same id
    db.processed("wamid.c", processed_at="2024-03-01 09:15:22")

    # One row a batch: the repeats meet in the table, not in one batch.
    output = import_legacy_db(db.path, "--batch-size", "1", *mode)

    assert sorted(ProcessedMessage.objects.values_list("wamid", "processed_at")) == [
        ("wamid.ana.1", answered.processed_at),
        ("wamid.b", MARCH_1),
        ("wamid.c", MARCH_1),
    ]
    # rows, imported, duplicate, normalised
    assert summary_row(output, "processed_messages")[:4] == [4, 2, 2, 1]
    in_bulk = "Processed messages were loaded in one transaction" in output.stdout
    assert in_bulk == (connection.vendor == "postgresql" and not mode)


@pytest.mark.postgres
def test_a_first_import_loads_the_ledger_in_bulk_and_keeps_its_unique_key(
    legacy_db, import_legacy_db
):
    schema = message_schema(ProcessedMessage)
    db = fill_with_quirks(legacy_db())

    output = import_legacy_db(db.path)

    assert "ledger keys: done, 1 unique keys" in output.stderr
    assert message_schema(ProcessedMessage) == schema
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessedMessage.objects.create(wamid=ProcessedMessage.objects.first().wamid)


# Safe to repeat


def test_running_the_import_twice_leaves_the_same_rows(legacy_db, import_legacy_db):
    db = fill_with_quirks(legacy_db())
    import_legacy_db(db.path)
    once = imported_rows()

    output = import_legacy_db(db.path)

    assert imported_rows() == once
    for table in ("conversations", "client_profiles", "messages", "processed_messages"):
        rows, imported, duplicate, *_, not_placed = summary_row(output, table)
        assert (imported, duplicate) == (0, rows - not_placed)


class SimulatedCrash(Exception):
    pass


class CrashAfterBatches:
    """A progress listener that kills the import after a few batches of one table."""

    def __init__(self, table: str, batches: int):
        self.table, self.batches = table, batches

    def start(self, table, total, unit="rows"):
        pass

    def advance(self, table, done):
        if table == self.table:
            self.batches -= 1
            if self.batches == 0:
                raise SimulatedCrash(f"killed while importing {table}")

    def finish(self, table):
        pass


def assert_a_rerun_leaves_what_a_clean_run_does(path) -> None:
    """Run the import again after a crash, then compare with one clean run of the file."""
    import_legacy_database(path, batch_size=3)
    after_crash = imported_rows()
    for model in (Conversation, ProcessedMessage):
        model.objects.all().delete()
    import_legacy_database(path)
    assert imported_rows() == after_crash


@pytest.mark.django_db(transaction=True)
def test_a_run_after_a_crash_halfway_leaves_the_same_rows_as_one_clean_run(legacy_db):
    db = fill_with_quirks(legacy_db())
    with pytest.raises(SimulatedCrash):
        import_legacy_database(
            db.path, batch_size=2, online=True, progress=CrashAfterBatches("messages", 2)
        )
    assert 0 < Message.objects.count() < 8  # online: each batch committed on its own

    assert_a_rerun_leaves_what_a_clean_run_does(db.path)


class ThreadsOfSteps(CrashAfterBatches):
    """Notes which thread reported each step, and can still crash one of them."""

    def __init__(self, table: str = "", batches: int = 0):
        super().__init__(table, batches)
        self.threads: dict[str, str] = {}
        self.advancing: dict[str, set[str]] = {}  # the threads that advanced each step

    def start(self, table, total, unit="rows"):
        self.threads[table] = threading.current_thread().name

    def advance(self, table, done):
        self.advancing.setdefault(table, set()).add(threading.current_thread().name)
        super().advance(table, done)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_ledger_written_beside_the_end_of_the_import_leaves_the_same_rows(legacy_db):
    db = fill_with_quirks(legacy_db())
    with transaction.atomic():  # a caller's transaction: every table in turn, inside it
        in_turn = ThreadsOfSteps()
        import_legacy_database(db.path, batch_size=2, progress=in_turn)
        rows_in_turn = imported_rows()
        transaction.set_rollback(True)
    beside = ThreadsOfSteps()

    import_legacy_database(db.path, batch_size=2, progress=beside)

    assert imported_rows() == rows_in_turn
    assert set(in_turn.threads.values()) == {threading.current_thread().name}
    assert beside.threads["processed_messages"] != threading.current_thread().name
    assert beside.threads["message indexes"] == threading.current_thread().name
    assert len(beside.advancing["conversation times"]) == 2  # each settled a page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failing", ["processed_messages", "conversation times"])
def test_a_crash_beside_or_in_the_main_step_stops_both_and_a_rerun_completes(legacy_db, failing):
    db = fill_with_quirks(legacy_db())
    threads_before = threading.active_count()

    with pytest.raises(SimulatedCrash):
        import_legacy_database(db.path, batch_size=2, progress=ThreadsOfSteps(failing, 1))

    assert threading.active_count() == threads_before  # the ledger's thread did not linger
    assert Message.objects.count() == 8  # the messages were loaded and indexed before
    assert_a_rerun_leaves_what_a_clean_run_does(db.path)


def test_a_message_that_arrived_by_webhook_is_not_doubled(legacy_db, import_legacy_db):
    conversation = make_conversation(wa_id=ANA)
    make_message(conversation, wamid="wamid.ana.1", text="Hola, soy Ana 👋")
    ProcessedMessage.objects.create(wamid="wamid.ana.1")  # and the bot answered it
    db = fill_with_quirks(legacy_db())

    output = import_legacy_db(db.path)

    assert Message.objects.filter(wamid="wamid.ana.1").count() == 1
    assert Message.objects.get(wamid="wamid.ana.1").legacy_id is None  # the webhook's row
    assert Conversation.objects.filter(wa_id=ANA).count() == 1
    assert ProcessedMessage.objects.filter(wamid="wamid.ana.1").count() == 1
    assert summary_row(output, "messages")[1:3] == [7, 2]  # both legacy copies skipped


def test_a_profile_started_by_webhook_keeps_its_values_and_gets_its_blanks_filled(
    legacy_db, import_legacy_db
):
    conversation = make_conversation(wa_id=ANA)
    conversation.profile.name = "Ana María"
    conversation.profile.save()
    db = legacy_db()
    db.profile(ANA, name="Ana", last_name="López", company="Acme", email="ana@acme.example")

    output = import_legacy_db(db.path)

    profile = ClientProfile.objects.get()
    assert (profile.name, profile.last_name, profile.company) == ("Ana María", "López", "Acme")
    assert (profile.completion_status, profile.what_is_missing) == (True, "")
    filled = ProfileFieldSource.objects.filter(source=FieldSource.IMPORT)
    assert sorted(filled.values_list("field", flat=True)) == ["company", "email", "last_name"]
    assert "1 existing profile(s) had blank fields filled" in output.stdout


def test_conversation_clocks_come_from_messages_and_never_move_backwards(
    legacy_db, import_legacy_db
):
    since_switch = at(2026, 7, 1, 10)
    make_conversation(wa_id=ANA, last_message_at=since_switch, last_inbound_at=since_switch)
    db = legacy_db()
    db.message(CARLA, "Hola", timestamp="2024-03-02 10:00:00")
    db.message(CARLA, "¿Tu nombre?", sender="bot", timestamp="2024-03-02 10:00:05")
    db.message(ANA, "Hola", timestamp="2024-03-01 09:00:00")

    import_legacy_db(db.path)

    carla = Conversation.objects.get(wa_id=CARLA)
    assert (carla.last_inbound_at, carla.last_message_at) == (
        at(2024, 3, 2, 10),
        at(2024, 3, 2, 10, 0, 5),
    )
    ana = Conversation.objects.get(wa_id=ANA)
    assert (ana.last_inbound_at, ana.last_message_at) == (since_switch, since_switch)


# The bulk load (PostgreSQL): one transaction, the messages' indexes built at the end


def message_schema(model=Message) -> list[tuple]:
    """A table's (conversations_message's) indexes (name, columns, unique, partial),
    constraints and column defaults."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'index', index.relname, pg_get_indexdef(index.oid, 0, true) "
            "   || ' ' || array_to_string(pg_index.indkey, ','), pg_index.indisunique, "
            "   pg_index.indpred IS NOT NULL "
            "FROM pg_index JOIN pg_class AS index ON index.oid = pg_index.indexrelid "
            "WHERE pg_index.indrelid = %s::regclass "
            "UNION ALL SELECT 'constraint', conname, pg_get_constraintdef(oid), null, null "
            "FROM pg_constraint WHERE conrelid = %s::regclass "
            "UNION ALL SELECT 'column', attname, "
            "   coalesce(pg_get_expr(adbin, adrelid), 'no default'), null, null "
            "FROM pg_attribute LEFT JOIN pg_attrdef "
            "   ON adrelid = attrelid AND adnum = attnum "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "ORDER BY 1, 2",
            [model._meta.db_table] * 3,
        )
        return [
            (kind, name, definition.split(" WHERE ")[0], unique, partial)
            for kind, name, definition, unique, partial in cursor.fetchall()
        ]


def uses_the_reply_queue_index() -> bool:
    """Whether the bot's queue query can still use its partial index (predicate intact)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan TO off")
    plan = (
        Message.objects.filter(
            conversation_id=1, reply_state__in=[ReplyState.PENDING, ReplyState.FAILED]
        )
        .order_by("timestamp")
        .explain()
    )
    return "message_awaiting_reply_idx" in plan


@pytest.mark.postgres
def test_a_first_import_loads_messages_in_bulk_and_leaves_the_schema_as_it_was(
    legacy_db, import_legacy_db
):
    schema = message_schema()
    db = fill_with_quirks(legacy_db())

    output = import_legacy_db(db.path)

    assert "Messages were loaded in one transaction" in output.stdout
    assert "message indexes: done, 5 indexes and keys" in output.stderr  # 2 + 3 foreign
    assert "message keys: done, 2 unique keys" in output.stderr  # wamid, legacy id
    assert message_schema() == schema
    assert uses_the_reply_queue_index()
    assert Message.objects.filter(conversation__wa_id=BOB).count() == 3


@pytest.mark.postgres
def test_a_first_import_loads_profiles_in_bulk_and_leaves_their_schema_as_it_was(
    legacy_db, import_legacy_db
):
    schemas = [message_schema(model) for model in (ClientProfile, ProfileFieldSource)]
    db = fill_with_quirks(legacy_db())

    output = import_legacy_db(db.path)

    assert "Profiles were loaded in one transaction" in output.stdout
    assert "profile indexes: done, 4 indexes and keys" in output.stderr  # 3 + 1 foreign
    assert "profile source indexes: done, 4 indexes and keys" in output.stderr  # 0 + 4
    assert [message_schema(model) for model in (ClientProfile, ProfileFieldSource)] == schemas
    assert ClientProfile.objects.get(conversation__wa_id=ANA).name == "Ana"
    assert ProfileFieldSource.objects.filter(profile__conversation__wa_id=ANA).exists()


def every_message_value() -> list[tuple]:
    """Each message's every column, less its id, conversation id and row creation time."""
    names = [
        field.attname
        for field in Message._meta.concrete_fields
        if field.attname not in ("id", "conversation_id", "created_at")
    ]
    return sorted(
        Message.objects.values_list("conversation__wa_id", *names),
        key=lambda row: (row[names.index("legacy_id") + 1], row[names.index("wamid") + 1] or ""),
    )


@pytest.mark.postgres
def test_online_and_bulk_imports_leave_the_same_rows(legacy_db, import_legacy_db):
    db = fill_with_quirks(legacy_db())
    output = import_legacy_db(db.path, "--online")
    assert "Messages were loaded in one transaction" not in output.stdout
    online, online_messages = imported_rows(), every_message_value()
    for model in (Conversation, ProcessedMessage):
        model.objects.all().delete()
    started = timezone.now()

    output = import_legacy_db(db.path)

    assert "Messages were loaded in one transaction" in output.stdout
    assert imported_rows() == online
    assert every_message_value() == online_messages
    created = set(Message.objects.values_list("created_at", flat=True))
    assert len(created) == 1 and started <= created.pop() <= timezone.now()


# Each value beside the plain one it replaces: rows SQLite may write as COPY lines and rows
# it must leave to parse_message (conversations/legacy/plain.py), message by message.
PLAIN_MESSAGE = {
    "phone_number": ANA,
    "message_text": "Hola",
    "sender": "user",
    "timestamp": "2024-03-01 09:15:22",
    "message_type": "text",
    "whatsapp_id": None,
}
NEAR_PLAIN_VALUES = {
    "phone_number": [ANA, f"+{ANA}", "447700900999", int(ANA), f" {ANA}"],
    "message_text": [
        "Hola",
        "",
        'quotes " and "" and , commas',
        "tab\there, lines\nand\r\nreturns, a backslash \\ and \\N and \\.",
        "a unit separator \x1f inside",  # the one the digest joins values with (identity.py)
        "\\.",
        "NUL\x00inside",
        "عائشة 🙏 Zoë, Łukasz",
        "x" * 5000,
    ],
    "sender": ["user", "bot", "assistant", "agent", "User", " bot", "system", 1],
    "timestamp": [
        "2024-03-01 09:15:22",
        "2024-03-01T09:15:22",
        "2024-03-01 09:15:22.5",
        "2024-03-01T09:15:22.123456",
        "2024-03-01 09:15:22.1234567",
        "2024-02-29 23:59:59",
        "2024-02-30 10:00:00",
        "2023-02-29 10:00:00",
        "2024-13-01 10:00:00",
        "2024-01-01 24:00:00",
        "2024-01-01 23:59:60",
        "0000-01-01 00:00:00",
        "0001-01-01 00:00:00",
        "2024-03-01 09:15",
        "2024-03-01 09:15:22Z",
        "2024-03-01 09:15:22+02:00",
        " 2024-03-01 09:15:22",
        "2024-03-01 09:15:22.",
        "2024-03-01T11:16:00+02:00",
        "2024-03-01 11:16:00.25-03:30",
        "2024-03-01T11:16:00+14:00",
        "2024-03-01T11:16:00+15:00",
        "2024-03-01T11:16:00+00:00",
        "2024-03-01T11:16:00-00:00",
        "2024-03-01T11:16:00+0200",
        "2024-03-01T11:16:00+02",
        "2024-03-01T11:16:00.123456Z",
        "2024-03-01T11:16:00z",
        "2024-02-30T10:00:00+02:00",
        "0001-01-01T00:30:00+02:00",
        "9999-12-31T23:00:00-02:00",
        1709284522,
        0,
        -1,
        253402300799,
        253402300800,
        1709284522.25,
        "1709284522",
        "",
        None,
    ],
    "message_type": ["text", "image", "", None, "unsupported", "Text", "weird"],
    "whatsapp_id": [
        None,
        "wamid.plain",
        'wamid."quoted",comma',
        " wamid.spaced ",
        "\twamid.tab",
        "wamid.ideographic\u3000",
        "",
        "w" * 300,
        "wamid.thrice",
        "wamid.thrice",
        "wamid.thrice",
        "wamid.once",
        "wamid.once\u00a0",
        " wamid.twice",  # first in the file, so kept: stripped, it is the next one's
        "wamid.twice",
    ],
}


def lines_written(monkeypatch, method: str) -> list[int]:
    """How many rows each call of DatabaseWriter.`method` wrote as SQLite's COPY lines."""
    counts = []
    write = getattr(DatabaseWriter, method)
    monkeypatch.setattr(
        DatabaseWriter,
        method,
        lambda self, lines, count: counts.append(count) or write(self, lines, count),
    )
    return counts


def near_plain_messages(db) -> int:
    """A row for each value above, in a file whose ANA has a conversation; how many."""
    db.conversation(ANA, created_at="2024-03-01 09:00:00")
    rows = [
        {**PLAIN_MESSAGE, column: value}
        for column, values in NEAR_PLAIN_VALUES.items()
        for value in values
    ]
    for row in rows:
        db.add("messages", **row)
    return len(rows)


@pytest.mark.postgres
@pytest.mark.parametrize("digests", ["read_ahead", "inline"])
def test_plain_rows_written_by_sqlite_are_stored_as_parse_message_reads_them(
    legacy_db, import_legacy_db, monkeypatch, digests
):
    db = legacy_db()
    total = near_plain_messages(db)
    as_lines = lines_written(monkeypatch, "message_lines")
    if digests == "inline":  # as when the reader did not expect a bulk load of messages
        start = plain.start_reading_lines
        monkeypatch.setattr(
            loading_module,
            "start_reading_lines",
            lambda legacy, **kw: start(legacy, messages_in_bulk=False),
        )

    output = import_legacy_db(db.path, "--batch-size", "7")

    assert "Messages were loaded in one transaction" in output.stdout
    assert 0 < sum(as_lines) < total  # both ways were taken
    with_lines, summary = every_message_value(), summary_row(output, "messages")
    assert summary[0] == total
    Message.objects.all().delete()
    Conversation.objects.all().delete()
    monkeypatch.setattr(DatabaseWriter, "plain_messages", lambda self, legacy, lines: None)

    output = import_legacy_db(db.path, "--batch-size", "7")

    assert every_message_value() == with_lines
    assert summary_row(output, "messages") == summary
    texts = set(Message.objects.values_list("text", flat=True))
    assert set(NEAR_PLAIN_VALUES["message_text"]) - {"NUL\x00inside"} <= texts


@pytest.mark.postgres
def test_plain_ledger_rows_written_by_sqlite_are_stored_as_the_parser_reads_them(
    legacy_db, import_legacy_db, monkeypatch
):
    db = legacy_db()
    rows = [
        {"whatsapp_id": wamid, "processed_at": "2024-03-01 09:15:23"}
        # the file's primary key: each value once
        for wamid in dict.fromkeys(NEAR_PLAIN_VALUES["whatsapp_id"])
        if wamid is not None and wamid.strip() != "wamid.twice"
    ] + [
        {"whatsapp_id": f"wamid.at.{n}", "processed_at": when}
        for n, when in enumerate(NEAR_PLAIN_VALUES["timestamp"])
    ]
    rows.insert(0, {"whatsapp_id": " wamid.ledger.twice", "processed_at": "2024-03-01 09:15:23"})
    rows.insert(1, {"whatsapp_id": "wamid.ledger.twice", "processed_at": "2024-03-02 10:00:00"})
    for row in rows:
        db.add("processed_messages", **row)
    ProcessedMessage.objects.create(wamid="wamid.plain")  # the bot answered it after the switch
    as_lines = lines_written(monkeypatch, "ledger_lines")

    started = timezone.now()

    def ledger() -> list[tuple]:  # an unreadable time becomes the time of the import
        rows = ProcessedMessage.objects.values_list("wamid", "processed_at")
        return sorted((wamid, "import" if at >= started else at) for wamid, at in rows)

    output = import_legacy_db(db.path, "--batch-size", "5")

    assert "Processed messages were loaded in one transaction" in output.stdout
    assert 0 < sum(as_lines) < len(rows)  # both ways were taken
    with_lines = ledger()
    summary = summary_row(output, "processed_messages")
    # not placed: '' and a 300-character id; duplicates: two pairs of spellings, wamid.plain
    assert summary[:3] == [len(rows), len(rows) - 5, 3]
    ProcessedMessage.objects.exclude(wamid="wamid.plain").delete()
    monkeypatch.setattr(DatabaseWriter, "plain_ledger", lambda self, legacy, lines: None)

    output = import_legacy_db(db.path, "--batch-size", "5")

    assert ledger() == with_lines
    assert summary_row(output, "processed_messages") == summary


@pytest.mark.postgres
def test_a_plain_row_a_webhook_already_stored_is_skipped_and_the_rest_still_written(
    legacy_db, import_legacy_db
):
    conversation = make_conversation(wa_id=ANA)
    make_message(conversation, wamid="wamid.3", text="from the webhook")
    db = legacy_db()
    db.conversation(ANA)
    ids = [db.message(ANA, f"message {n}", whatsapp_id=f"wamid.{n}") for n in range(10)]

    output = import_legacy_db(db.path, "--batch-size", "2")

    assert "Messages were loaded in one transaction" in output.stdout
    assert summary_row(output, "messages")[1:3] == [9, 1]
    assert sorted(Message.objects.exclude(legacy_id=None).values_list("legacy_id", flat=True)) == [
        legacy_id for n, legacy_id in enumerate(ids) if n != 3
    ]
    assert Message.objects.get(wamid="wamid.3").text == "from the webhook"


@pytest.mark.postgres
def test_an_install_holding_more_messages_than_the_file_is_written_online(
    legacy_db, import_legacy_db
):
    conversation = make_conversation(wa_id="5215599999999")
    for n in range(20):
        make_message(conversation, wamid=f"wamid.live.{n}")
    db = fill_with_quirks(legacy_db())

    output = import_legacy_db(db.path)

    assert "Messages were loaded in one transaction" not in output.stdout
    assert "message indexes" not in output.stderr
    assert summary_row(output, "messages")[1] > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_crash_during_a_bulk_load_keeps_no_message_and_every_index(legacy_db):
    schema = message_schema()
    db = fill_with_quirks(legacy_db())
    with pytest.raises(SimulatedCrash):
        import_legacy_database(db.path, batch_size=2, progress=CrashAfterBatches("messages", 2))

    assert Message.objects.count() == 0
    assert message_schema() == schema
    assert Conversation.objects.filter(wa_id=ANA).exists()  # tables before it stay
    assert_a_rerun_leaves_what_a_clean_run_does(db.path)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_crash_during_a_bulk_profile_load_keeps_no_profile_and_every_index(legacy_db):
    schemas = [message_schema(model) for model in (ClientProfile, ProfileFieldSource)]
    db = fill_with_quirks(legacy_db())
    with pytest.raises(SimulatedCrash):
        import_legacy_database(
            db.path, batch_size=1, progress=CrashAfterBatches("client_profiles", 1)
        )

    assert ClientProfile.objects.count() == ProfileFieldSource.objects.count() == 0
    assert [message_schema(model) for model in (ClientProfile, ProfileFieldSource)] == schemas
    assert Conversation.objects.filter(wa_id=ANA).exists()  # tables before it stay
    assert_a_rerun_leaves_what_a_clean_run_does(db.path)


class PostWebhookMidway:
    """A progress listener that, while messages are being loaded, has Meta deliver a
    webhook from another connection, as a live install would get one."""

    def __init__(self):
        self.status: int | None = None
        self.message = None

    def start(self, table, total, unit="rows"):
        pass

    def advance(self, table, done):
        if table != "messages" or self.status is not None:
            return
        body, self.message = text_webhook("Hola, ¿siguen ahí?", wa_id=ANA)

        def post():
            try:
                self.status = (
                    Client()
                    .post(
                        "/webhooks/whatsapp/",
                        data=body,
                        content_type="application/json",
                        **signed_headers(body),
                    )
                    .status_code
                )
            finally:
                connection.close()

        thread = threading.Thread(target=post)
        thread.start()
        thread.join(timeout=20)

    def finish(self, table):
        pass


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_webhook_delivered_during_a_bulk_load_is_received_and_stored_after_it(
    legacy_db, settings, run_worker
):
    settings.WHATSAPP_APP_SECRET = TEST_APP_SECRET
    settings.BOT_ENABLED = False
    db = fill_with_quirks(legacy_db())
    midway = PostWebhookMidway()

    report = import_legacy_database(db.path, batch_size=2, progress=midway)

    assert "messages" in report.loaded_in_bulk
    assert midway.status == 200  # answered while the message table was locked
    run_worker()
    assert Message.objects.get(wamid=midway.message).conversation.wa_id == ANA


@pytest.mark.postgres
def test_a_file_corrupt_during_a_bulk_load_says_no_message_was_kept(legacy_db):
    db = corrupt_two_thirds_in(legacy_db())

    with pytest.raises(CommandError, match="none of them were kept"):
        call_command(
            "import_legacy_db",
            str(db.path),
            "--batch-size",
            "500",
            stdout=StringIO(),
            stderr=StringIO(),
        )

    assert Conversation.objects.get().openai_conversation_id == "thread_ana"
    assert Message.objects.count() == 0
    assert line_readers() == []


def line_readers() -> list[str]:
    """The processes reading a legacy file for this one (lines.py) still running."""
    found = []
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for pid in children.read_text().split():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue  # gone meanwhile
            if b"conversations.legacy.lines" in command:
                found.append(pid)
    return found


@pytest.mark.postgres
def test_the_process_reading_plain_rows_is_gone_when_the_import_ends(legacy_db, import_legacy_db):
    db = fill_with_quirks(legacy_db())
    started = []
    start = plain.start_reading_lines
    reading = lambda legacy, **kw: started.append(start(legacy, **kw)) or started[-1]  # noqa: E731

    with patch.object(loading_module, "start_reading_lines", reading):
        output = import_legacy_db(db.path)

    assert summary_row(output, "messages")[1] == 8
    assert len(started) == 1  # one reader, for messages and ledger
    assert line_readers() == []
    with patch.object(loading_module, "start_reading_lines", reading):
        import_legacy_db(db.path, "--online")
    assert len(started) == 1  # --online reads as values: no reader


# Safe to get wrong


@pytest.mark.parametrize(
    ("make_path", "error"),
    [
        (lambda tmp_path, legacy_db: tmp_path / "nowhere.db", "no such file"),
        (
            lambda tmp_path, legacy_db: _write(tmp_path / "export.csv", b"phone,text\n1,hi\n"),
            "not an SQLite database",
        ),
        (lambda tmp_path, legacy_db: tmp_path, "not a file"),
        (
            lambda tmp_path, legacy_db: _drop(fill_with_quirks(legacy_db()), "processed_messages"),
            "has no table 'processed_messages'",
        ),
        (
            lambda tmp_path, legacy_db: _drop_column(legacy_db(), "messages", "sender"),
            "table 'messages' lacks the column(s) sender",
        ),
    ],
    ids=["missing", "not-sqlite", "directory", "missing-table", "missing-column"],
)
def test_a_file_that_cannot_be_imported_is_refused_and_nothing_is_written(
    tmp_path, legacy_db, make_path, error
):
    path = make_path(tmp_path, legacy_db)

    with pytest.raises(CommandError, match=re.escape(error)) as refused:
        call_command("import_legacy_db", str(path), stdout=StringIO(), stderr=StringIO())

    assert "Nothing was imported." in str(refused.value)
    assert row_counts() == (0, 0, 0, 0, 0)


def _write(path, content: bytes):
    path.write_bytes(content)
    return path


def _drop(db, table: str):
    db.execute(f"DROP TABLE {table}")
    return db.path


def _drop_column(db, table: str, column: str):
    db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    return db.path


CORRUPT_FILE_MESSAGES = 3000


def corrupt_two_thirds_in(db):
    """A file whose messages table is damaged two thirds of the way in."""
    db.conversation(ANA, conversation_id="thread_ana")
    rows = [(ANA, f"message {n} " + "x" * 200, "user") for n in range(CORRUPT_FILE_MESSAGES)]
    db.add_many("messages", ("phone_number", "message_text", "sender"), rows)
    db.corrupt_page(2 / 3)
    return db


def test_a_file_corrupt_halfway_stops_with_a_clear_error_and_keeps_what_was_imported(
    legacy_db,
):
    db = corrupt_two_thirds_in(legacy_db())

    with pytest.raises(CommandError, match="running the import again skips them") as stopped:
        call_command(
            "import_legacy_db",
            str(db.path),
            "--batch-size",
            "500",
            "--online",
            stdout=StringIO(),
            stderr=StringIO(),
        )

    assert "reading messages after rowid" in str(stopped.value)
    assert Conversation.objects.get().openai_conversation_id == "thread_ana"
    assert 0 < Message.objects.count() < CORRUPT_FILE_MESSAGES


def test_the_command_exits_non_zero_on_a_bad_path(tmp_path):
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "import_legacy_db", str(tmp_path / "nowhere.db")])
    with pytest.raises(SystemExit) as exited:
        utility.execute()

    assert exited.value.code != 0


def test_a_dry_run_writes_nothing_and_reports_what_an_import_would_do(legacy_db, import_legacy_db):
    make_message(make_conversation(wa_id=ANA), wamid="wamid.ana.2", text="Acme")
    db = fill_with_quirks(legacy_db())

    dry = import_legacy_database(db.path, dry_run=True)
    output = import_legacy_db(db.path, "--dry-run")
    assert row_counts() == (1, 1, 1, 0, 0)
    real = import_legacy_database(db.path)

    assert "Would import" in output.stdout
    assert "Dry run: nothing was written." in output.stdout
    for table in real.tables:
        assert dataclasses.asdict(dry.tables[table]) == dataclasses.asdict(real.tables[table])
    for count in ("conversations_added", "profiles_filled", "dated_by_fallback"):
        assert getattr(dry, count) == getattr(real, count), count


# Friendly


def test_the_summary_counts_each_table_and_samples_rows_it_could_not_place(
    legacy_db, import_legacy_db
):
    db = fill_with_quirks(legacy_db())

    output = import_legacy_db(db.path)

    header = next(line for line in output.stdout.splitlines() if line.startswith("table "))
    assert header.split() == [
        "table",
        "rows",
        "imported",
        "duplicate",
        "normalised",
        "null",
        "unparseable",
        "not",
        "placed",
    ]
    # rows, imported, duplicate, normalised, null, unparseable, not placed
    assert summary_row(output, "conversations") == [3, 2, 1, 3, 0, 0, 0]
    assert summary_row(output, "client_profiles") == [2, 2, 0, 1, 1, 0, 0]
    assert summary_row(output, "messages") == [10, 8, 1, 4, 1, 1, 1]
    assert summary_row(output, "processed_messages") == [3, 3, 0, 1, 0, 0, 0]
    assert "Rows not placed (sample):" in output.stdout
    assert "messages id 9: unknown sender 'system'" in output.stdout
    assert "messages id 10: timestamp 'next tuesday' unparseable" in output.stdout


def test_progress_is_printed_as_plain_lines_when_not_on_a_terminal(legacy_db, import_legacy_db):
    db = legacy_db()
    for n in range(10):
        db.message(ANA, f"message {n}")

    output = import_legacy_db(db.path, "--batch-size", "3")

    lines = output.stderr.splitlines()
    steps = [line.split(",")[0] for line in lines if line.startswith("messages: ") and "%" in line]
    assert "\r" not in output.stderr
    assert "messages: 10 rows" in lines
    assert steps == ["messages: 3/10 (30%)", "messages: 6/10 (60%)", "messages: 9/10 (90%)"]
    assert any(line.startswith("messages: done, 10 rows in") for line in lines)
    assert "rows/s, ETA" in output.stderr


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True

    def screen(self) -> list[str]:
        """The lines a terminal shows after the output: carriage returns, cursor-up
        (ESC[nF) and the erasers ESC[K and ESC[J applied."""
        rows, x, y = [""], 0, 0
        for token in re.split(r"(\x1b\[\d*[FKJ]|\r|\n)", self.getvalue()):
            if token == "\r":
                x = 0
            elif token == "\n":
                x, y = 0, y + 1
                rows += [""] * (y + 1 - len(rows))
            elif token.startswith("\x1b["):
                if token.endswith("F"):
                    x, y = 0, y - int(token[2:-1] or 1)
                else:
                    rows[y] = rows[y][:x]
                    if token.endswith("J"):
                        del rows[y + 1 :]
            elif token:
                rows[y] = rows[y][:x] + token + rows[y][x + len(token) :]
                x += len(token)
        return [row for row in rows if row]


def test_progress_redraws_one_line_per_table_on_a_terminal(legacy_db):
    db = fill_with_quirks(legacy_db())
    terminal = Terminal()

    call_command("import_legacy_db", str(db.path), stdout=StringIO(), stderr=terminal)

    shown = [line.split()[:3] for line in terminal.screen()]
    assert [line[0] for line in shown] == [
        "conversations",
        "client_profiles",
        # After a bulk load, its indexes and keys.
        *(["profile", "profile"] if connection.vendor == "postgresql" else []),
        "messages",
        *(["message", "message"] if connection.vendor == "postgresql" else []),  # keys, indexes
        "processed_messages",
        *(["ledger"] if connection.vendor == "postgresql" else []),
        "conversation",
    ]
    assert ["messages", "10/10", "100%"] in shown
    assert all(line.endswith("ETA 0s") for line in terminal.screen())


def test_two_steps_at_once_each_keep_their_line_on_a_terminal():
    terminal = Terminal()
    progress = TerminalProgress(OutputWrapper(terminal))

    progress.start("message indexes", 6, unit="indexes and keys")
    progress.start("processed_messages", 400)
    progress.advance("processed_messages", 100)
    progress.finish("processed_messages")  # a redraw even inside REDRAW_SECONDS
    during = terminal.screen()
    progress.advance("message indexes", 6)
    progress.finish("message indexes")

    assert [line.split()[:3] for line in during] == [
        ["processed_messages", "100/400", "25%"],
        ["message", "indexes", "0/6"],
    ]
    assert [line.split()[:3] for line in terminal.screen()] == [
        ["processed_messages", "100/400", "25%"],
        ["message", "indexes", "6/6"],
    ]


def test_a_batch_size_below_one_is_refused(legacy_db):
    db = legacy_db()

    with pytest.raises(CommandError, match="batch-size"):
        call_command("import_legacy_db", str(db.path), "--batch-size", "0")
