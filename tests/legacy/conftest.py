"""Legacy bot databases built in code, from the contract itself (../shared/legacy/schema.sql).

The full layout is the contract's DDL as written; the older layout is the same DDL without
the columns the contract marks "(optional)", as older copies of the bot created them.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "legacy" / "schema.sql"


def contract_ddl(*, optional_columns: bool = True) -> str:
    ddl = CONTRACT.read_text()
    if not optional_columns:
        ddl = "\n".join(line for line in ddl.splitlines() if "(optional)" not in line)
    ddl = re.sub(r"--[^\n]*", "", ddl)
    return re.sub(r",\s*\)", "\n)", ddl)  # the comma before a dropped last column


class LegacyDb:
    """A legacy bot database file, filled row by row as the old bot (or a human) left it."""

    def __init__(self, path: Path, *, optional_columns: bool = True):
        self.path = path
        self.optional_columns = optional_columns
        self._threads = itertools.count(1)
        with self._connect() as connection:
            connection.executescript(contract_ddl(optional_columns=optional_columns))
        connection.close()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path)

    def add(self, table: str, **values) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        connection = self._connect()
        with connection:
            cursor = connection.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - test data
                tuple(values.values()),
            )
        connection.close()
        return cursor.lastrowid

    def add_many(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        connection = self._connect()
        with connection:
            connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - test data
                f"VALUES ({', '.join('?' * len(columns))})",
                rows,
            )
        connection.close()

    def corrupt_page(self, fraction: float) -> None:
        """Overwrite one page of the file, as a bad disk sector would."""
        page_size = 4096
        with self.path.open("r+b") as file:
            pages = file.seek(0, 2) // page_size
            file.seek(int(pages * fraction) * page_size)
            file.write(b"\xff" * page_size)

    def execute(self, sql: str, params: tuple = ()) -> None:
        connection = self._connect()
        with connection:
            connection.execute(sql, params)
        connection.close()

    def conversation(self, phone, **values) -> int:
        values.setdefault("conversation_id", f"thread_{next(self._threads)}")
        values.setdefault("created_at", "2024-03-01 09:00:00")
        return self.add("conversations", phone_number=phone, **values)

    def profile(self, phone, **values) -> int:
        values.setdefault("created_at", "2024-03-01 09:00:00")
        return self.add("client_profiles", phone_number=phone, **values)

    def message(self, phone, text, *, sender="user", **values) -> int:
        values.setdefault("timestamp", "2024-03-01 09:15:22")
        return self.add("messages", phone_number=phone, message_text=text, sender=sender, **values)

    def processed(self, whatsapp_id, **values) -> int:
        values.setdefault("processed_at", "2024-03-01 09:15:23")
        return self.add("processed_messages", whatsapp_id=whatsapp_id, **values)


@pytest.fixture
def legacy_db(tmp_path):
    """`legacy_db()` is a new database in the full layout; `legacy_db(optional_columns=False)`
    one in the older layout."""
    names = itertools.count()

    def make(*, optional_columns: bool = True) -> LegacyDb:
        return LegacyDb(
            tmp_path / f"whatsapp_bot_{next(names)}.db", optional_columns=optional_columns
        )

    return make


@dataclass(frozen=True)
class CommandOutput:
    stdout: str
    stderr: str


@pytest.fixture
def import_legacy_db():
    """Run `manage.py import_legacy_db` as an operator would; returns what it printed."""

    def run(path, *args: str) -> CommandOutput:
        out, err = StringIO(), StringIO()
        call_command("import_legacy_db", str(path), *args, stdout=out, stderr=err)
        return CommandOutput(out.getvalue(), err.getvalue())

    return run


ANA = "5215512345678"  # a lead who wrote, was answered, and filled in her profile
BOB = "447700900123"  # a lead known only from messages: no conversations or profile row
CARLA = "34600111222"  # a lead with a profile and no messages


def fill_with_quirks(db: LegacyDb) -> LegacyDb:
    """A small copy of a real legacy database, with every quirk the contract lists."""
    db.conversation("+52 1 55 1234 5678", conversation_id="thread_ana", created_at=1709283600)
    db.conversation(f"{ANA[:2]}-{ANA[2:]}", conversation_id="", created_at="2024-02-29 08:00:00")
    db.conversation(CARLA, conversation_id="thread_carla", created_at="2024-03-02T10:00:00+01:00")
    db.profile(
        ANA,
        name="Ana",
        last_name="López",
        company="Acme",
        email="ana@acme.example",
        manual_mode="true",
        completion_status=0,
        what_is_missing="name, last_name, company, email",
    )
    db.profile(
        CARLA, name="Carla", email="carla at example", manual_mode=None, completion_status="True"
    )
    db.message(ANA, "Hola, soy Ana 👋", whatsapp_id="wamid.ana.1", timestamp="2024-03-01 09:15:22")
    db.message(ANA, "Hola, soy Ana 👋", whatsapp_id="wamid.ana.1", timestamp="2024-03-01 09:15:22")
    db.message(ANA, "¡Hola Ana! ¿Tu empresa?", sender="bot", timestamp="2024-03-01T09:15:30.5")
    db.message(ANA, "Acme", whatsapp_id="wamid.ana.2", timestamp="2024-03-01T11:16:00+02:00")
    db.message(ANA, "Gracias", sender="assistant", timestamp=1709284600)
    db.message(ANA, "Te escribe un agente", sender="agent", timestamp=1709284700.25)
    db.message(BOB, "Hello?", whatsapp_id="wamid.bob.1", timestamp="2024-03-03 12:00:00")
    db.message(f"+{BOB}", "Anyone?", whatsapp_id="wamid.bob.2", timestamp=None)
    db.message(BOB, "hm", sender="system", timestamp="2024-03-03 12:05:00")
    db.message(BOB, "???", whatsapp_id="wamid.bob.3", timestamp="next tuesday")
    db.processed("wamid.ana.1")
    db.processed("wamid.ana.2", processed_at="2024-03-01T09:16:01Z")
    db.processed("wamid.bob.1", processed_at=" 2024-03-03 12:00:05 ")
    return db
