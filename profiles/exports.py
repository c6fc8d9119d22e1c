"""What an Admin exports: one contact whole (JSON), or a profile list (CSV, streamed).

Reads only; the admin views record each export in the audit log. The CSV is produced row by
row from a chunked database cursor, so 100,000 profiles never sit in memory at once.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from conversations.models import ConversationLog, DraftReview, Message, MessageEdit
from profiles.completeness import MISSING_SEPARATOR
from profiles.models import ClientProfile

EXPORT_FORMAT_VERSION = 1
CSV_CHUNK_ROWS = 2000
CSV_COLUMNS = (
    ("id", "id"),
    ("conversation_id", "conversation_id"),
    ("wa_id", "conversation__wa_id"),
    ("display_name", "conversation__display_name"),
    ("name", "name"),
    ("last_name", "last_name"),
    ("company", "company"),
    ("email", "email"),
    ("complete", "completion_status"),
    ("missing", "what_is_missing"),
    ("manual_mode", "manual_mode"),
    ("handoff_state", "conversation__handoff_state"),
    ("blocked_at", "conversation__blocked_at"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
)
# A spreadsheet runs a cell starting with these as a formula (CSV injection): a lead could
# name their company "=HYPERLINK(...)". A leading apostrophe makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def _message(message: Message) -> dict[str, Any]:
    media = getattr(message, "media", None)
    return {
        "id": message.pk,
        "wamid": message.wamid,
        "direction": message.direction,
        "sender": message.sender,
        "type": message.type,
        "text": message.text,
        "timestamp": message.timestamp,
        "status": message.status,
        "sent_at": message.sent_at,
        "delivered_at": message.delivered_at,
        "read_at": message.read_at,
        "error_code": message.error_code,
        "error_title": message.error_title,
        "reply_to_wamid": message.reply_to_wamid,
        "reaction": message.reaction,
        "revoked_at": message.revoked_at,
        "edited_at": message.edited_at,
        "sent_by": _username(message.sent_by),
        "content": message.content,
        "media": None
        if media is None
        else {
            "filename": media.filename,
            "mime_type": media.mime_type,
            "file_size": media.file_size,
            "sha256": media.sha256,
            "state": media.state,
        },
        "edits": [
            {"previous_text": edit.previous_text, "edited_at": edit.edited_at}
            for edit in message.edits.all()
        ],
    }


def contact_export(profile: ClientProfile) -> dict[str, Any]:
    """Everything stored about one contact, in one document (DjangoJSONEncoder-ready)."""
    conversation = profile.conversation
    messages = (
        Message.objects.filter(conversation=conversation)
        .select_related("sent_by", "media")
        .prefetch_related(Prefetch("edits", queryset=MessageEdit.objects.order_by("edited_at")))
        .order_by("timestamp", "id")
    )
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now(),
        "conversation": {
            "id": conversation.pk,
            "wa_id": conversation.wa_id,
            "bsuid": conversation.bsuid,
            "display_name": conversation.display_name,
            "username": conversation.username,
            "handoff_state": conversation.handoff_state,
            "blocked_at": conversation.blocked_at,
            "marketing_opt_out_at": conversation.marketing_opt_out_at,
            "last_inbound_at": conversation.last_inbound_at,
            "created_at": conversation.created_at,
            "erased_at": conversation.erased_at,
        },
        "profile": {
            "id": profile.pk,
            **{f: getattr(profile, f) for f in ("name", "last_name", "company", "email")},
            "notes": profile.notes,
            "manual_mode": profile.manual_mode,
            "complete": profile.completion_status,
            "missing": [f for f in profile.what_is_missing.split(MISSING_SEPARATOR) if f],
            "completed_at": profile.completed_at,
            "ai_draft": profile.ai_draft,
            "ai_draft_created_at": profile.ai_draft_created_at,
            "created_at": profile.created_at,
            "updated_at": profile.updated_at,
        },
        "provenance": [
            {
                "field": source.field,
                "value": source.value,
                "source": source.source,
                "message_id": source.message_id,
                "quote": source.quote,
                "set_by": _username(source.set_by),
                "confirmed_by": _username(source.confirmed_by),
                "confirmed_at": source.confirmed_at,
                "updated_at": source.updated_at,
            }
            for source in profile.sources.select_related("set_by", "confirmed_by")
        ],
        "messages": [_message(message) for message in messages.iterator(chunk_size=500)],
        "drafts": [
            {
                "outcome": review.outcome,
                "original_draft": review.original_draft,
                "sent_text": review.sent_text,
                "edited": review.edited,
                "message_id": review.message_id,
                "reviewed_by": _username(review.reviewed_by),
                "reviewed_at": review.reviewed_at,
            }
            for review in DraftReview.objects.filter(conversation=conversation)
            .select_related("reviewed_by")
            .order_by("reviewed_at", "id")
        ],
        "status_history": [
            {
                "action": row.action,
                "detail": row.detail,
                "actor": _username(row.actor),
                "at": row.created_at,
            }
            for row in ConversationLog.objects.filter(conversation=conversation)
            .select_related("actor")
            .order_by("created_at", "id")
        ],
    }


class _Line:
    """csv.writer writes into this and gets the line back, instead of into a file."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def profile_csv_lines(profiles: QuerySet[ClientProfile]) -> Iterator[str]:
    """The header, then one line per profile, read CSV_CHUNK_ROWS at a time."""
    writer = csv.writer(_Line())
    yield writer.writerow([header for header, _ in CSV_COLUMNS])
    rows: Iterable = profiles.values_list(*(column for _, column in CSV_COLUMNS)).iterator(
        chunk_size=CSV_CHUNK_ROWS
    )
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])
