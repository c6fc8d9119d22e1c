"""The legacy bot's tables as the importer reads them (contract: ../shared/legacy/schema.sql).

Older copies of the bot created the same tables with fewer columns: each table names the
columns every copy has (`required`) apart from those a copy may lack (`optional`, read as
NULL where missing).
"""

from __future__ import annotations

from dataclasses import dataclass


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
