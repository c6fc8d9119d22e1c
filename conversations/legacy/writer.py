"""Writes one batch of parsed legacy rows at a time, each batch in its own transaction, or
a whole table in one when it loads in bulk (DatabaseWriter._in_bulk).

Existing rows win: a conversation or profile already here (a re-run, or the webhook got
there first) keeps its values and only gets blank fields filled from the legacy row, and
its `created_at` moves earlier, never later. Activity clocks are set at the end from the
imported messages, never moved backwards.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from conversations.legacy.bulk import (
    TableShape,
    commit_lazily,
    constants_as_column_defaults,
    copy_lines,
    indexes_built_after,
    insert_new_rows,
    make_durable,
    unique_keys_checked_after,
    values_where_in,
)
from conversations.legacy.clocks import settle_conversation_clocks
from conversations.legacy.lines import LineReader
from conversations.legacy.plain import PlainLedger, PlainMessages, start_reading_lines
from conversations.legacy.reader import LegacyDatabase, LegacyReadError
from conversations.legacy.report import ImportReport, Progress
from conversations.legacy.rows import (
    CLIENT_PROFILES,
    MESSAGES,
    PROCESSED_MESSAGES,
    LegacyConversation,
    LegacyMessage,
    LegacyProcessedMessage,
    LegacyProfile,
)
from conversations.models import Conversation, Direction, Message, MessageStatus
from profiles.completeness import PROFILE_FIELDS, missing_profile_fields
from profiles.models import ClientProfile, FieldSource, ProfileFieldSource
from webhooks.models import ProcessedMessage

BULK_UPDATE_SIZE = 500
# wa_id → (conversation pk, created_at), so a batch of messages rarely has to look them up.
CONVERSATION_CACHE_SIZE = 200_000
FILLABLE_PROFILE_FIELDS = (*PROFILE_FIELDS, "notes")
MAX_SOURCE_VALUE = ProfileFieldSource._meta.get_field("value").max_length


@dataclass(frozen=True, slots=True)
class BatchResult:
    imported: int
    duplicate: int


def _earliest(*values: datetime | None) -> datetime | None:
    return min((v for v in values if v is not None), default=None)


def _latest(*values: datetime | None) -> datetime | None:
    return max((v for v in values if v is not None), default=None)


def merge_conversation(first: LegacyConversation, other: LegacyConversation) -> LegacyConversation:
    """Two spellings of one phone: the first row's values, its blanks filled by the other."""
    return dataclasses.replace(
        first,
        openai_conversation_id=first.openai_conversation_id or other.openai_conversation_id,
        created_at=_earliest(first.created_at, other.created_at),
        updated_at=_latest(first.updated_at, other.updated_at),
    )


def merge_profile(first: LegacyProfile, other: LegacyProfile) -> LegacyProfile:
    filled = {f: getattr(first, f) or getattr(other, f) for f in FILLABLE_PROFILE_FIELDS}
    if not first.ai_draft:
        filled.update(ai_draft=other.ai_draft, ai_draft_created_at=other.ai_draft_created_at)
    return dataclasses.replace(
        first,
        created_at=_earliest(first.created_at, other.created_at),
        updated_at=_latest(first.updated_at, other.updated_at),
        **filled,
    )


def by_wa_id(rows: Iterable, merge) -> dict:
    """The batch's rows keyed by wa_id, rows of one phone merged in legacy order."""
    merged: dict = {}
    for row in rows:
        merged[row.wa_id] = merge(merged[row.wa_id], row) if row.wa_id in merged else row
    return merged


def _fill_conversation(conversation: Conversation, legacy: LegacyConversation) -> bool:
    """An existing conversation keeps its thread id; it only started earlier, if anything."""
    changed = False
    if legacy.openai_conversation_id and not conversation.openai_conversation_id:
        conversation.openai_conversation_id = legacy.openai_conversation_id
        changed = True
    if legacy.created_at and legacy.created_at < conversation.created_at:
        conversation.created_at = legacy.created_at
        changed = True
    return changed


def fill_blank_profile_fields(
    profile: ClientProfile, legacy: LegacyProfile, *, now: datetime
) -> list[str]:
    """Fill what the profile lacks from the legacy row; returns the value fields filled."""
    filled = []
    for name in FILLABLE_PROFILE_FIELDS:
        if not getattr(profile, name).strip() and getattr(legacy, name):
            setattr(profile, name, getattr(legacy, name))
            filled.append(name)
    if not profile.ai_draft and legacy.ai_draft:
        profile.ai_draft = legacy.ai_draft
        profile.ai_draft_created_at = legacy.ai_draft_created_at or now
        filled.append("ai_draft")
    return filled


class DatabaseWriter:
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
                    _latest(legacy.updated_at, legacy.created_at) or self.now,
                )
                for wa_id, legacy in merged.items()
                if wa_id not in existing
            ]
            result = insert_new_rows(self._conversations, new_rows)
            changed = [
                conversation
                for conversation in existing.values()
                if _fill_conversation(conversation, merged[conversation.wa_id])
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
        updated = _latest(legacy.updated_at, created)
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

    # bulk loads

    @contextmanager
    def _in_bulk(
        self, table: str, model, total: int, *, online: bool, steps: Iterable
    ) -> Iterator[None]:
        """On PostgreSQL, unless `online`, a first import of a legacy table (the model
        holds fewer rows than the file) is one transaction, lazily committed, inside the
        bulk-load `steps` (context managers, entered in order); a file that breaks
        meanwhile says that none of the table's rows were kept. Otherwise each batch
        commits on its own, and the steps are never entered."""
        if online or connection.vendor != "postgresql" or model.objects.count() >= total:
            yield
            return
        self.report.loaded_in_bulk.append(table)
        try:
            with transaction.atomic(), ExitStack() as stack:
                commit_lazily()
                for step in steps:
                    stack.enter_context(step)
                yield
        except LegacyReadError as error:
            raise LegacyReadError(
                f"{error} The {table.replace('_', ' ')} were being loaded in one transaction: "
                "none of them were kept."
            ) from error

    def loading_profiles(
        self, total: int, progress: Progress, *, online: bool
    ) -> AbstractContextManager[None]:
        """Around the profiles table: in bulk (see _in_bulk), the profiles' and their
        field sources' secondary indexes and foreign keys are built at the end; checking
        a foreign key per row at each commit took a third of the table's time."""
        return self._in_bulk(
            CLIENT_PROFILES.name,
            ClientProfile,
            total,
            online=online,
            steps=(
                indexes_built_after(ClientProfile, progress, "profile indexes"),
                indexes_built_after(ProfileFieldSource, progress, "profile source indexes"),
            ),
        )

    def loading_messages(
        self, total: int, progress: Progress, *, online: bool
    ) -> AbstractContextManager[None]:
        """Around the messages table: in bulk (see _in_bulk), the table's secondary indexes
        and foreign keys are built at the end (bulk.indexes_built_after), about three
        times faster, its unique wamid and legacy id keys are checked once at the end
        (a message already stored, a webhook's or an earlier run's, counts as the
        duplicate), and its constant columns are defaults meanwhile; the table is locked
        and a failure keeps none of the messages. Otherwise each batch commits on its own
        into the live indexes."""
        return self._in_bulk(
            MESSAGES.name,
            Message,
            total,
            online=online,
            steps=(
                indexes_built_after(Message, progress, "message indexes"),
                constants_as_column_defaults(self._messages),
                # last, so its repeats are removed before the other indexes are built
                self._keys_checked_after(
                    Message, MESSAGES.name, ("wamid", "legacy_id"), progress, "message keys"
                ),
            ),
        )

    @contextmanager
    def _keys_checked_after(
        self, model, table: str, columns: tuple[str, ...], progress: Progress, label: str
    ) -> Iterator[None]:
        """bulk.unique_keys_checked_after, its removed repeats counted as duplicates of
        the legacy `table`."""
        with unique_keys_checked_after(model, progress, label, columns) as repeated:
            yield
        self.report.tables[table].drop_repeated(repeated.removed)

    def loading_ledger(
        self, total: int, progress: Progress, *, online: bool
    ) -> AbstractContextManager[None]:
        """Around the processed-message ledger: in bulk (see _in_bulk), its unique wamid
        key is checked once at the end (bulk.unique_keys_checked_after), and a wamid it
        already held (a webhook's, an earlier run's) counts as a duplicate. The table is
        locked meanwhile: the worker's reply claims wait for it."""
        return self._in_bulk(
            PROCESSED_MESSAGES.name,
            ProcessedMessage,
            total,
            online=online,
            steps=(
                self._keys_checked_after(
                    ProcessedMessage, PROCESSED_MESSAGES.name, ("wamid",), progress, "ledger keys"
                ),
            ),
        )

    # messages

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

    def reading_lines(self, legacy: LegacyDatabase, *, online: bool) -> LineReader | None:
        """The process that reads plain rows as COPY lines (lines.py, plain.py), started at
        the beginning of an import that may load tables in bulk: on PostgreSQL, unless
        `online`. The caller closes it."""
        if connection.vendor != "postgresql" or online:
            return None
        return start_reading_lines(legacy)

    def plain_messages(
        self, legacy: LegacyDatabase, lines: LineReader | None
    ) -> PlainMessages | None:
        """SQLite's own COPY lines for the plain legacy messages (plain.py), where the
        messages load in bulk (their keys checked at the end: no line can meet one); None
        elsewhere: every row is then read as values and written by `messages`."""
        if (
            lines is None
            or MESSAGES.name not in self.report.loaded_in_bulk
            or not PlainMessages.suit(legacy)
        ):
            return None
        known = (
            Conversation.objects.filter(wa_id__isnull=False)
            .values_list("wa_id", "pk")
            .iterator(chunk_size=10_000)
        )
        return PlainMessages(legacy, lines, self._messages.given_columns, known)

    def message_lines(self, lines: str, count: int) -> BatchResult:
        """Plain messages' COPY lines straight into the table (see plain_messages); their
        keys are checked at the end of the bulk load."""
        copy_lines(self._messages, lines)
        return BatchResult(count, 0)

    # processed messages

    def processed(self, batch: list[LegacyProcessedMessage]) -> BatchResult:
        rows = [self._processed.row(p.wamid, p.processed_at or self.now) for p in batch]
        with transaction.atomic():
            commit_lazily()
            result = insert_new_rows(self._processed, rows)
        return BatchResult(result.inserted, len(batch) - result.inserted)

    def plain_ledger(self, legacy: LegacyDatabase, lines: LineReader | None) -> PlainLedger | None:
        """SQLite's own COPY lines for the plain ledger rows (plain.py), where the ledger
        loads in bulk (its unique key checked at the end: no line can meet it); None
        elsewhere."""
        if (
            lines is None
            or PROCESSED_MESSAGES.name not in self.report.loaded_in_bulk
            or not PlainLedger.suit(legacy)
        ):
            return None
        return PlainLedger(legacy, lines, self._processed.given_columns)

    def ledger_lines(self, lines: str, count: int) -> BatchResult:
        copy_lines(self._processed, lines)
        return BatchResult(count, 0)

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
        rows = [self._profile_row(pk, _blank_profile(created_at)) for pk, created_at in without]
        return insert_new_rows(self._profiles, rows).inserted


def _blank_profile(created_at: datetime) -> LegacyProfile:
    return LegacyProfile(
        row=0,
        phone_number="",
        wa_id=None,
        name="",
        last_name="",
        company="",
        email="",
        manual_mode=False,
        created_at=created_at,
    )
