"""`--dry-run`: what an import would do, found by reading the database and writing nothing.

Each batch asks the database which of its keys already exist, and remembers the keys the
run itself would have created (wa_ids only, plus the few whatsapp_ids the legacy file holds
more than once), so the counts match those of a real import of the same file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from conversations.legacy.carry_over import CarriedOver, carry_over_old_keys
from conversations.legacy.merging import by_wa_id, fill_blank_profile_fields, merge_profile
from conversations.legacy.reader import LegacyDatabase
from conversations.legacy.report import BatchResult, ImportReport, Progress
from conversations.legacy.rows import (
    LegacyConversation,
    LegacyMessage,
    LegacyProcessedMessage,
    LegacyProfile,
)
from conversations.models import Conversation, Message
from profiles.models import ClientProfile
from webhooks.models import ProcessedMessage


class DryRunWriter:
    """Counts what DatabaseWriter would write, batch by batch, without writing."""

    def __init__(self, legacy: LegacyDatabase, report: ImportReport, *, now: datetime):
        self.report = report
        self.now = now
        self._conversations: set[str] = set()  # wa_ids that exist or would be created
        self._profiles: set[str] = set()  # wa_ids whose conversation has or would get one
        self._repeated_wamids = legacy.duplicated_whatsapp_ids()
        self._wamids_taken: set[str] = set()  # of those repeated, the ones already placed
        self._carried_over = CarriedOver()  # messages here under the old key, in this file

    def _new_conversations(self, wa_ids: list[str]) -> list[str]:
        unknown = [w for w in wa_ids if w not in self._conversations]
        existing = set(
            Conversation.objects.filter(wa_id__in=unknown).values_list("wa_id", flat=True)
        )
        self._conversations.update(wa_ids)
        return [w for w in unknown if w not in existing]

    def conversations(self, batch: list[LegacyConversation]) -> BatchResult:
        new = self._new_conversations(list(dict.fromkeys(row.wa_id for row in batch)))
        return BatchResult(len(new), len(batch) - len(new))

    def profiles(self, batch: list[LegacyProfile]) -> BatchResult:
        merged = by_wa_id(batch, merge_profile)
        self.report.conversations_added += len(self._new_conversations(list(merged)))
        unknown = [w for w in merged if w not in self._profiles]
        existing = ClientProfile.objects.filter(conversation__wa_id__in=unknown).select_related(
            "conversation"
        )
        for profile in existing:
            legacy = merged[profile.conversation.wa_id]
            if fill_blank_profile_fields(profile, legacy, now=self.now):
                self.report.profiles_filled += 1
        new = len(unknown) - len(existing)
        self._profiles.update(merged)
        return BatchResult(new, len(batch) - new)

    @contextmanager
    def loading_profiles(self, total: int, progress: Progress, *, online: bool) -> Iterator[None]:
        yield

    @contextmanager
    def loading_ledger(self, total: int, progress: Progress, *, online: bool) -> Iterator[None]:
        yield

    @contextmanager
    def loading_messages(self, total: int, progress: Progress, *, online: bool) -> Iterator[None]:
        yield

    def carry_over(self, legacy: LegacyDatabase, progress: Progress, *, page_size: int) -> None:
        """Find the messages here under the old key that this file holds (carry_over.py),
        as DatabaseWriter.carry_over would give them their digest."""
        self._carried_over = carry_over_old_keys(legacy, progress, page_size=page_size, write=False)
        self.report.messages_carried_over += len(self._carried_over.legacy_ids)

    def messages(self, batch: list[LegacyMessage]) -> BatchResult:
        wa_ids = list(dict.fromkeys(m.wa_id for m in batch))
        self.report.conversations_added += len(self._new_conversations(wa_ids))
        ids = Message.objects.filter(legacy_id__in=[m.legacy_id for m in batch])
        taken_keys = set(ids.values_list("legacy_id", "legacy_digest"))
        carried_over = self._carried_over.legacy_ids
        wamids = Message.objects.filter(wamid__in=[m.wamid for m in batch if m.wamid])
        taken_wamids = set(wamids.values_list("wamid", flat=True))
        new = 0
        for message in batch:
            self.report.dated_by_fallback += message.timestamp is None
            if (
                (message.legacy_id, message.legacy_digest) in taken_keys
                or message.legacy_id in carried_over
                or message.wamid in taken_wamids
            ):
                continue
            if message.wamid in self._repeated_wamids:
                if message.wamid in self._wamids_taken:
                    continue
                self._wamids_taken.add(message.wamid)
            new += 1
        return BatchResult(new, len(batch) - new)

    def reading_lines(self, legacy: LegacyDatabase, *, online: bool) -> None:
        return None

    def plain_messages(self, legacy: LegacyDatabase, lines: None) -> None:
        """Every row is read as values: a dry run counts what parse_message reads."""
        return None

    def message_lines(self, lines: str, count: int) -> None:
        raise RuntimeError("a dry run reads no plain message lines")

    def plain_ledger(self, legacy: LegacyDatabase, lines: None) -> None:
        return None

    def ledger_lines(self, lines: str, count: int) -> None:
        raise RuntimeError("a dry run reads no plain ledger lines")

    def processed(self, batch: list[LegacyProcessedMessage]) -> BatchResult:
        wamids = {p.wamid for p in batch}
        existing = ProcessedMessage.objects.filter(wamid__in=wamids).count()
        new = len(wamids) - existing
        return BatchResult(new, len(batch) - new)

    @contextmanager
    def settling(self, progress: Progress) -> Iterator[None]:
        yield

    def finish(
        self, progress: Progress, *, page_size: int, share: tuple[int, int] = (0, 1)
    ) -> None:
        """Nothing to settle: no conversation changed."""

    def can_write_beside(self) -> bool:
        return False

    def make_durable(self) -> None:
        """Nothing was written."""
