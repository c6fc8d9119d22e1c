"""A small, fixed set of leads around a three-day range in a time zone six hours behind UTC.

The range is 2026-03-01..2026-03-03 in America/Mexico_City (UTC-6, no daylight saving time
since 2022): local midnight is 06:00 UTC, so a row at 05:59 UTC belongs to the day before.
Nothing happens on 2026-03-02, and each kind of row also sits one minute before the range
and on the first minute after it. The figures each widget must show are in the tests.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.models import (
    Conversation,
    ConversationLog,
    Direction,
    DraftOutcome,
    DraftReview,
    LogAction,
    MessageStatus,
    Sender,
)
from conversations.selectors.analytics import DayRange
from profiles.models import ClientProfile
from tests.factories import make_conversation, make_message

SITE_ZONE = "America/Mexico_City"
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 3)
DAY1, DAY2, DAY3 = FIRST, date(2026, 3, 2), LAST


def local(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A local time in March 2026 (day 0 is February 28th), as UTC."""
    moment = datetime(2026, 3, 1, hour, minute, tzinfo=ZoneInfo(SITE_ZONE))
    return (moment + timedelta(days=day - 1)).astimezone(UTC)


BEFORE = local(0, 23, 59)  # 2026-03-01 05:59 UTC: still February 28th here
AFTER = local(4)  # 2026-03-04 06:00 UTC: the first minute after the range


@pytest.fixture
def site_zone(settings):
    settings.TIME_ZONE = SITE_ZONE
    return ZoneInfo(SITE_ZONE)


@pytest.fixture
def span(site_zone) -> DayRange:
    return DayRange(first=FIRST, last=LAST, tz=site_zone)


def lead(created_at: datetime, *, profile: dict | None = None, completed_at=None):
    """A conversation started at `created_at`; `profile`: its fields, None for no profile."""
    conversation = make_conversation(with_profile=False)
    Conversation.objects.filter(pk=conversation.pk).update(created_at=created_at)
    if profile is not None:
        saved = ClientProfile.objects.create(conversation=conversation, **profile)
        if completed_at is not None:
            assert saved.completion_status, profile
            ClientProfile.objects.filter(pk=saved.pk).update(completed_at=completed_at)
    return conversation


COMPLETE = {"name": "Ana", "last_name": "Ruiz", "company": "Acme", "email": "ana@example.com"}


def log(conversation, action: str, detail: str = "") -> None:
    ConversationLog.objects.create(conversation=conversation, action=action, detail=detail)


def review(conversation, at: datetime, outcome: str, *, edited: bool = False) -> None:
    draft = DraftReview.objects.create(
        conversation=conversation, outcome=outcome, original_draft="Hi", edited=edited
    )
    DraftReview.objects.filter(pk=draft.pk).update(reviewed_at=at)


def seed_leads() -> dict[str, Conversation]:
    out = {"direction": Direction.OUT, "sender": Sender.BOT}
    # Started a minute before the range, complete on day 3: 60 h 01 min after its first message.
    early = lead(BEFORE, profile=COMPLETE, completed_at=local(3, 12))
    make_message(early, timestamp=BEFORE)
    # Day 1, its first minute: complete two hours later, handed to an agent.
    first = lead(local(1), profile=COMPLETE, completed_at=local(1, 2))
    make_message(first, timestamp=local(1))
    make_message(first, timestamp=local(1, 0, 1), **out, status=MessageStatus.SENT)
    make_message(first, timestamp=local(3, 23, 59), **out, status=MessageStatus.FAILED)
    log(first, LogAction.HANDOFF, "Bot replies → Agent handles (agent replied)")
    # Day 1: still missing last name and email; manual mode on (a human sends).
    second = lead(local(1, 10), profile={"name": "Luis", "company": "Beta", "email": "x@"})
    make_message(second, timestamp=local(1, 10))
    make_message(second, timestamp=local(1, 10, 5), sender=Sender.SYSTEM)
    log(second, LogAction.MANUAL_ON)
    # Day 3: complete an hour after its first message; handed over and later handed back.
    fourth = lead(local(3, 8), profile=COMPLETE, completed_at=local(3, 9))
    make_message(fourth, timestamp=local(3, 8))
    make_message(fourth, timestamp=local(3, 8, 30), direction=Direction.OUT, sender=Sender.AGENT)
    log(fourth, LogAction.HANDOFF, "Bot replies → Agent handles (agent replied)")
    log(fourth, LogAction.HANDOFF, "Agent handles → Bot replies")
    # Day 3, its last minute: nothing filled in; paused, which is nobody handling it.
    third = lead(local(3, 23, 59), profile={})
    make_message(third, timestamp=local(3, 23, 59))
    log(third, LogAction.HANDOFF, "Bot replies → Paused")
    # Day 3: no profile (yet) and no message: a lead all the same.
    lead(local(3, 15))
    # Completed before the conversation started (an agent typed it in): no time to complete.
    typed = lead(local(3, 16), profile=COMPLETE, completed_at=local(3, 15, 30))
    make_message(typed, timestamp=local(3, 16))
    # The first minute after the range: in no figure.
    after = lead(AFTER, profile=COMPLETE, completed_at=AFTER)
    make_message(after, timestamp=AFTER)
    log(after, LogAction.MANUAL_ON)

    review(first, BEFORE, DraftOutcome.APPROVED)
    review(first, local(1), DraftOutcome.APPROVED)
    review(first, local(1, 23, 59), DraftOutcome.APPROVED, edited=True)
    review(second, local(1, 12), DraftOutcome.APPROVED, edited=True)
    review(fourth, local(3, 9), DraftOutcome.DISCARDED)
    review(fourth, AFTER, DraftOutcome.DISCARDED)
    return {"early": early, "first": first, "second": second, "third": third, "fourth": fourth}


@pytest.fixture
def seeded(db, site_zone):
    return seed_leads()
