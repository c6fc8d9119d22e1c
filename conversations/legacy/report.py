"""What an import did, table by table: the numbers the command's closing summary shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from conversations.legacy.rows import Issue, Outcome

SAMPLE_SIZE = 5


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What writing one batch did: rows new here, and rows already here (or repeated)."""

    imported: int
    duplicate: int


@dataclass
class TableReport:
    """Counters for one legacy table, filled in while the import runs.

    rows = imported + duplicate + not placed. A placed row counts once in each of
    normalised / null / unparseable when any of its values did; `not_placed` rows were not
    imported at all (no usable phone, unknown sender).
    """

    table: str
    total: int = 0
    read: int = 0
    imported: int = 0
    duplicate: int = 0
    normalised: int = 0
    null: int = 0
    unparseable: int = 0
    not_placed: int = 0
    missing_columns: tuple[str, ...] = ()
    not_placed_sample: list[str] = field(default_factory=list)
    unparseable_sample: list[str] = field(default_factory=list)

    def drop_repeated(self, removed: int) -> None:
        """Rows counted as imported were removed at the end, as repeats of a key."""
        self.imported -= removed
        self.duplicate += removed

    def count_issues(self, where: str, issues: tuple[Issue, ...], rejection: str | None) -> None:
        """One row read with issues, or not placed at all (`rejection` says why)."""
        if rejection is not None:
            self.not_placed += 1
            if len(self.not_placed_sample) < SAMPLE_SIZE:
                self.not_placed_sample.append(f"{where}: {rejection}")
            return
        outcomes = {issue.outcome for issue in issues}
        self.normalised += Outcome.NORMALISED in outcomes
        self.null += Outcome.NULL in outcomes
        if Outcome.UNPARSEABLE in outcomes:
            self.unparseable += 1
            if len(self.unparseable_sample) < SAMPLE_SIZE:
                unreadable = [i for i in issues if i.outcome is Outcome.UNPARSEABLE]
                self.unparseable_sample.append(
                    f"{where}: " + "; ".join(i.describe() for i in unreadable)
                )


@dataclass
class ImportReport:
    path: str
    dry_run: bool
    tables: dict[str, TableReport]
    conversations_added: int = 0  # for phones known only from messages or profiles
    profiles_filled: int = 0  # existing profiles (e.g. from webhooks) whose blanks were filled
    blank_profiles_added: int = 0  # for conversations with no legacy profile
    dated_by_fallback: int = 0  # messages without a usable timestamp
    # messages imported before their identity had a digest, found in this file and given it
    messages_carried_over: int = 0
    invalid_utf8_values: int = 0
    # Legacy tables loaded in one transaction each, their indexes built at the end.
    loaded_in_bulk: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Progress(Protocol):
    """Told how far each table (or step: `unit` says what it counts) has got; the command
    draws a bar or prints lines."""

    def start(self, table: str, total: int, unit: str = "rows") -> None: ...

    def advance(self, table: str, done: int) -> None: ...

    def finish(self, table: str) -> None: ...


class NoProgress:
    def start(self, table: str, total: int, unit: str = "rows") -> None:
        pass

    def advance(self, table: str, done: int) -> None:
        pass

    def finish(self, table: str) -> None:
        pass
