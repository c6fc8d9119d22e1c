"""Writes one batch of parsed legacy rows at a time, each batch in its own transaction, or
a whole table in one when it loads in bulk (loading.py).

What is a duplicate is decided by the database's unique keys (inserts.py): a conversation
by wa_id, one profile per conversation, a message by wamid and by its legacy identity
(identity.py), a processed message by wamid. Existing rows win (merging.py). Activity
clocks are set at the end from the imported messages, never moved backwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction

from conversations.legacy.carry_over import carry_over_old_keys
from conversations.legacy.clocks import settle_conversation_clocks
from conversations.legacy.inserts import (
    commit_lazily,
    insert_new_rows,
    make_durable,
    values_where_in,
)
from conversations.legacy.layout import MESSAGES
from conversations.legacy.loading import BulkLoads
from conversations.legacy.merging import (
    FILLABLE_PROFILE_FIELDS,
    blank_profile,
    by_wa_id,
    fill_blank_profile_fields,
    fill_conversation,
    latest,
    merge_conversation,
    merge_profile,
)
from conversations.legacy.reader import LegacyDatabase
from conversations.legacy.report import BatchResult, ImportReport, Progress
from conversations.legacy.rows import (
    LegacyConversation,
    LegacyMessage,
    LegacyProcessedMessage,
    LegacyProfile,
)
from conversations.legacy.shape import TableShape
from conversations.models import Conversation, Direction, Message, MessageStatus
from profiles.completeness import PROFILE_FIELDS, missing_profile_fields
from profiles.models import ClientProfile, FieldSource, ProfileFieldSource
from webhooks.models import ProcessedMessage

BULK_UPDATE_SIZE = 500
# wa_id → (conversation pk, created_at), so a batch of messages rarely has to look them up.
CONVERSATION_CACHE_SIZE = 200_000
MAX_SOURCE_VALUE = ProfileFieldSource._meta.get_field("value").max_length


class DatabaseWriter(BulkLoads):
    """Writes batches for real; what is a duplicate is decided by unique constraints."""

    def __init__(self, report: ImportReport, *, now: datetime):
        self.report = report
        self.now = now
        self._conversation_ids: dict[str, tuple[int, datetime]] = {}
        self._settling = threading.Lock()  # finish() calls in two threads count together
        self._settled = 0
        self._conversations = TableShape(
            Conversation, ("wa_id", "openai_conversation_id", "created_at", "updated_at"), now=now
        )
        self._profiles = TableShape(
            ClientProfile,
            (
                "conversation",
                "name",
                "last_name",
                "company",
                "email",
                "manual_mode",
                "ai_draft",
                "ai_draft_created_at",
                "notes",
                "completion_status",
                "what_is_missing",
                "completed_at",
                "created_at",
                "updated_at",
            ),
            now=now,
        )
        self._sources = TableShape(
            ProfileFieldSource, ("profile", "field", "value", "source"), now=now
        )
        self._messages = TableShape(
            Message,
            (
                "conversation",
                "direction",
                "sender",
                "type",
                "text",
                "wamid",
                "status",
                "sent_at",
                "timestamp",
                "legacy_id",
                "legacy_digest",
                "content",
            ),
            now=now,
            prepared=("content",),  # most rows' {} is made once, in __init__
        )
        self._no_content = self._messages.prepare("content", {})
        self._processed = TableShape(ProcessedMessage, ("wamid", "processed_at"), now=now)

    # conversations

    def conversations(self, batch: list[LegacyConversation]) -> BatchResult:
        merged = by_wa_id(batch, merge_conversation)
        with transaction.atomic():
            commit_lazily()
            found = [
                wa_id for (wa_id,) in values_where_in(Conversation, "wa_id", merged, ["wa_id"])
            ]
            existing = Conversation.objects.filter(wa_id__in=found).only(
                "id", "wa_id", "openai_conversation_id", "created_at"
            )
            existing = {conversation.wa_id: conversation for conversation in existing}
            new_rows = [
                self._conversations.row(
                    wa_id,
                    legacy.openai_conversation_id,
                    legacy.created_at or self.now,
                    latest(legacy.updated_at, legacy.created_at) or self.now,
                )
                for wa_id, legacy in merged.items()
                if wa_id not in existing
            ]
            result = insert_new_rows(self._conversations, new_rows)
            changed = [
                conversation
                for conversation in existing.values()
                if fill_conversation(conversation, merged[conversation.wa_id])
            ]
            Conversation.objects.bulk_update(
                changed, ["openai_conversation_id", "created_at"], batch_size=BULK_UPDATE_SIZE
            )
        return BatchResult(result.inserted, len(batch) - result.inserted)

    def _conversations_for(self, wanted: dict[str, datetime | None]) -> dict[str, tuple]:
        """(pk, created_at) of each wa_id's conversation, creating the ones missing.

        `wanted` maps a wa_id to the earliest legacy time known for it: the start of a
        conversation the legacy database only knew from messages or a profile.
        """
        found = {w: self._conversation_ids[w] for w in wanted if w in self._conversation_ids}
        missing = [w for w in wanted if w not in found]
        if missing:
            rows = values_where_in(Conversation, "wa_id", missing, ["wa_id", "id", "created_at"])
            found.update((wa_id, (pk, created)) for wa_id, pk, created in rows)
            absent = [w for w in missing if w not in found]
            new_rows = [
                self._conversations.row(w, "", wanted[w] or self.now, wanted[w] or self.now)
                for w in absent
            ]
            result = insert_new_rows(self._conversations, new_rows, returning=("wa_id", "id"))
            self.report.conversations_added += result.inserted
            found.update((w, (pk, wanted[w] or self.now)) for w, pk in result.returned)
            if raced := [w for w in absent if w not in found]:
                rows = Conversation.objects.filter(wa_id__in=raced).values_list(
                    "wa_id", "pk", "created_at"
                )
                found.update((wa_id, (pk, created)) for wa_id, pk, created in rows)
            if len(self._conversation_ids) > CONVERSATION_CACHE_SIZE:
                self._conversation_ids.clear()
            self._conversation_ids.update(found)
        return found

    # profiles

    def _profile_row(self, conversation_id: int, legacy: LegacyProfile) -> tuple:
        completeness = missing_profile_fields(
            name=legacy.name, last_name=legacy.last_name, company=legacy.company, email=legacy.email
        )
        created = legacy.created_at or self.now
        updated = latest(legacy.updated_at, created)
        return self._profiles.row(
            conversation_id,
            legacy.name,
            legacy.last_name,
            legacy.company,
            legacy.email,
            legacy.manual_mode,
            legacy.ai_draft,
            (legacy.ai_draft_created_at or self.now) if legacy.ai_draft else None,
            legacy.notes,
            completeness.is_complete,
            completeness.what_is_missing,
            # As the migration that added completed_at: the last change is the best known time.
            updated if completeness.is_complete else None,
            created,
            updated,
        )

    def _source_rows(self, profile_id: int, values: object, fields: Iterable[str]) -> list[tuple]:
        """Provenance of imported values: "Legacy import", for each non-empty profile field."""
        return [
            self._sources.row(profile_id, name, value[:MAX_SOURCE_VALUE], FieldSource.IMPORT)
            for name in fields
            if name in PROFILE_FIELDS and (value := getattr(values, name))
        ]

    def profiles(self, batch: list[LegacyProfile]) -> BatchResult:
        merged = by_wa_id(batch, merge_profile)
        with transaction.atomic():
            commit_lazily()
            ids = self._conversations_for({w: p.created_at for w, p in merged.items()})
            legacy_by_conversation = {ids[w][0]: p for w, p in merged.items()}
            found = values_where_in(ClientProfile, "conversation", legacy_by_conversation, ["id"])
            existing = ClientProfile.objects.filter(pk__in=[pk for (pk,) in found])
            existing = {profile.conversation_id: profile for profile in existing}
            new_rows = [
                self._profile_row(conversation_id, legacy)
                for conversation_id, legacy in legacy_by_conversation.items()
                if conversation_id not in existing
            ]
            result = insert_new_rows(self._profiles, new_rows, returning=("id", "conversation_id"))
            sources = [
                row
                for profile_id, conversation_id in result.returned
                for row in self._source_rows(
                    profile_id, legacy_by_conversation[conversation_id], PROFILE_FIELDS
                )
            ]
            changed = []
            for profile in existing.values():
                legacy = legacy_by_conversation[profile.conversation_id]
                filled = fill_blank_profile_fields(profile, legacy, now=self.now)
                if filled:
                    profile.refresh_completeness()
                    profile.updated_at = self.now
                    sources += self._source_rows(profile.pk, profile, filled)
                    self.report.profiles_filled += 1
                if legacy.created_at and legacy.created_at < profile.created_at:
                    profile.created_at = legacy.created_at
                    filled.append("created_at")
                if filled:
                    changed.append(profile)
            ClientProfile.objects.bulk_update(
                changed,
                [
                    *FILLABLE_PROFILE_FIELDS,
                    "ai_draft",
                    "ai_draft_created_at",
                    "completion_status",
                    "what_is_missing",
                    "completed_at",
                    "created_at",
                    "updated_at",
                ],
                batch_size=BULK_UPDATE_SIZE,
            )
            insert_new_rows(self._sources, sources)
        return BatchResult(result.inserted, len(batch) - result.inserted)

    # messages

    def carry_over(self, legacy: LegacyDatabase, progress: Progress, *, page_size: int) -> None:
        """Before any message is written: the messages imported before 0013 that this file
        holds get their digest (carry_over.py), so that none is written again."""
        carried = carry_over_old_keys(legacy, progress, page_size=page_size, write=True)
        self.report.messages_carried_over += len(carried.legacy_ids)

    def messages(self, batch: list[LegacyMessage]) -> BatchResult:
        started: dict[str, datetime | None] = {}  # each phone's earliest time in the batch
        for message in batch:
            wa_id, when = message.wa_id, message.timestamp
            first = started.get(wa_id, when)
            started[wa_id] = when if first is None or (when is not None and when < first) else first
        with transaction.atomic():
            commit_lazily()
            ids = self._conversations_for(started)
            rows = []
            append, row, prepare = rows.append, self._messages.row, self._messages.prepare
            out, sent, no_content = Direction.OUT, MessageStatus.SENT, self._no_content
            undated = 0
            for (
                legacy_id,
                legacy_digest,
                _phone,
                wa_id,
                direction,
                sender,
                kind,
                text,
                when,
                wamid,
                legacy_type,
                _issues,
                _rejection,
            ) in batch:
                conversation_id, conversation_start = ids[wa_id]
                if when is None:
                    when = conversation_start
                    undated += 1
                outbound = direction is out
                append(
                    row(
                        conversation_id,
                        direction,
                        sender,
                        kind,
                        text,
                        wamid,
                        # The old bot only stored what it had sent; ticks beyond are unknown.
                        sent if outbound else "",
                        when if outbound else None,
                        when,
                        legacy_id,
                        legacy_digest,
                        prepare("content", {"legacy_type": legacy_type})
                        if legacy_type
                        else no_content,
                    )
                )
            self.report.dated_by_fallback += undated
            # Into live indexes, rows grouped by conversation touch fewer index pages; a
            # bulk load builds its indexes at the end, and legacy order suits its keys.
            bulk = MESSAGES.name in self.report.loaded_in_bulk
            order = () if bulk else ("conversation_id", "legacy_id")
            result = insert_new_rows(self._messages, rows, order_by=order)
        return BatchResult(result.inserted, len(batch) - result.inserted)

    # processed messages

    def processed(self, batch: list[LegacyProcessedMessage]) -> BatchResult:
        rows = [self._processed.row(p.wamid, p.processed_at or self.now) for p in batch]
        with transaction.atomic():
            commit_lazily()
            result = insert_new_rows(self._processed, rows)
        return BatchResult(result.inserted, len(batch) - result.inserted)

    # the end

    @contextmanager
    def settling(self, progress: Progress) -> Iterator[None]:
        """Around the finish() calls that share the conversations out (see finish)."""
        self._settled = 0
        progress.start("conversation times", Conversation.objects.count())
        yield
        progress.finish("conversation times")

    def finish(
        self, progress: Progress, *, page_size: int, share: tuple[int, int] = (0, 1)
    ) -> None:
        """Conversations' clocks from their imported messages, and a profile for each.

        Pages through conversations by id: memory stays flat, and a re-run recomputes the
        same values (the clocks only move forward, created_at only earlier). `share`
        (k, n): this call settles the k-th page of every n, so that n connections, each in
        a thread of its own, share the work out (the pages hold disjoint conversations);
        within `settling`.
        """
        turn, turns = share
        after, page_number = 0, 0
        while page := list(
            Conversation.objects.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:page_size]
        ):
            if page_number % turns == turn:
                with transaction.atomic():
                    commit_lazily()
                    settle_conversation_clocks(page[0], page[-1])
                    added = self._add_blank_profiles(page[0], page[-1])
                with self._settling:
                    self.report.blank_profiles_added += added
                    self._settled += len(page)
                    progress.advance("conversation times", self._settled)
            after = page[-1]
            page_number += 1

    def can_write_beside(self) -> bool:
        """Whether a table can be written by a second connection while this one writes:
        on PostgreSQL, unless the caller holds a transaction (then all of it is in there)."""
        return connection.vendor == "postgresql" and not connection.in_atomic_block

    def make_durable(self) -> None:
        """The end: every lazily committed batch on disk before the import says it is done."""
        make_durable()

    def _add_blank_profiles(self, first_pk: int, last_pk: int) -> int:
        """Every conversation has a profile, as one started by a webhook does."""
        without = Conversation.objects.filter(
            pk__gte=first_pk, pk__lte=last_pk, profile__isnull=True
        ).values_list("pk", "created_at")
        rows = [self._profile_row(pk, blank_profile(created_at)) for pk, created_at in without]
        return insert_new_rows(self._profiles, rows).inserted
