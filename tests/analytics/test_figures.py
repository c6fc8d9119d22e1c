"""Each analytics widget's figures on the fixed leads of conftest.py, one query per widget."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.selectors.analytics import (
    DayRange,
    draft_reviews,
    lead_analytics,
    lead_cohorts,
    message_traffic,
    new_conversations_and_completions,
    time_to_complete,
)
from tests.analytics.conftest import DAY1, DAY2, DAY3, FIRST, LAST, lead, seed_leads

pytestmark = pytest.mark.django_db


def cohorts(span: DayRange, *columns: str) -> dict[date, dict[str, int]]:
    """Some columns of `lead_cohorts`, which three widgets share."""
    return {day: {c: row[c] for c in columns} for day, row in lead_cohorts(span).items()}


def test_new_conversations_and_completions_count_local_days_with_empty_days_as_zero(seeded, span):
    assert new_conversations_and_completions(span) == {
        DAY1: {"new_conversations": 2, "completed_profiles": 1},
        DAY2: {"new_conversations": 0, "completed_profiles": 0},
        DAY3: {"new_conversations": 4, "completed_profiles": 3},
    }


def test_a_utc_site_counts_the_same_rows_on_other_days(seeded, settings):
    """05:59 UTC on March 1st is February 28th in Mexico City but March 1st in UTC."""
    settings.TIME_ZONE = "UTC"
    span = DayRange(first=FIRST, last=LAST, tz=ZoneInfo("UTC"))

    figures = new_conversations_and_completions(span)

    # The lead who started a minute before the Mexican range is in; the one at 23:59 on
    # March 3rd there (05:59 UTC on March 4th) is out; the 10:00 and 08:00 ones stay.
    assert figures[DAY1]["new_conversations"] == 3
    assert figures[DAY3]["new_conversations"] == 3


def test_completion_rate_counts_each_days_leads_and_their_complete_profiles(seeded, span):
    assert cohorts(span, "leads", "complete") == {
        DAY1: {"leads": 2, "complete": 1},
        DAY2: {"leads": 0, "complete": 0},
        # A lead without a profile counts as a lead, not as complete.
        DAY3: {"leads": 4, "complete": 2},
    }


def test_missing_fields_count_each_field_of_the_incomplete_profiles(seeded, span):
    missing = ("incomplete", "name", "last_name", "company", "email")
    assert cohorts(span, *missing) == {
        # "last_name, email": last_name is not name; an invalid email is missing.
        DAY1: {"incomplete": 1, "name": 0, "last_name": 1, "company": 0, "email": 1},
        DAY2: {"incomplete": 0, "name": 0, "last_name": 0, "company": 0, "email": 0},
        DAY3: {"incomplete": 1, "name": 1, "last_name": 1, "company": 1, "email": 1},
    }


def test_handed_to_a_human_means_an_agent_took_over_or_manual_mode(seeded, span):
    assert cohorts(span, "leads", "handed") == {
        # An agent's takeover and manual mode on.
        DAY1: {"leads": 2, "handed": 2},
        DAY2: {"leads": 0, "handed": 0},
        # Handed over then back to the bot counts; paused (nobody answers) does not.
        DAY3: {"leads": 4, "handed": 1},
    }


def test_draft_reviews_split_approved_as_written_edited_and_discarded(seeded, span):
    assert draft_reviews(span) == {
        DAY1: {"unedited": 1, "edited": 2, "discarded": 0},
        DAY2: {"unedited": 0, "edited": 0, "discarded": 0},
        DAY3: {"unedited": 0, "edited": 0, "discarded": 1},
    }


def test_message_traffic_counts_users_messages_sends_and_failures(seeded, span):
    assert message_traffic(span) == {
        # A system message is not the user's; the bot's and the agent's sends are outbound.
        DAY1: {"inbound": 2, "outbound": 1, "failed": 0},
        DAY2: {"inbound": 0, "outbound": 0, "failed": 0},
        DAY3: {"inbound": 3, "outbound": 2, "failed": 1},
    }


def test_time_to_complete_is_the_median_from_the_start_per_day_and_overall(seeded, span):
    figures = time_to_complete(span)

    # Day 3: 1 h and 60 h 01 min (an even count: their mean); the profile completed before
    # its conversation started is left out. Overall: 1 h, 2 h, 60 h 01 min.
    assert figures.per_day == {
        DAY1: timedelta(hours=2),
        DAY2: None,
        DAY3: timedelta(hours=30, minutes=30, seconds=30),
    }
    assert figures.completed == {DAY1: 1, DAY2: 0, DAY3: 2}
    assert (figures.overall, figures.overall_completed) == (timedelta(hours=2), 3)


def test_time_to_complete_of_a_range_with_no_completion_is_none(db, span):
    figures = time_to_complete(span)

    assert (figures.overall, figures.overall_completed) == (None, 0)
    assert set(figures.per_day.values()) == {None}


def test_the_page_costs_five_queries_however_many_rows(
    db, site_zone, span, django_assert_num_queries
):
    for _ in range(3):
        seed_leads()

    with django_assert_num_queries(5):
        figures = lead_analytics(span)

    assert figures.new_and_completed[DAY3] == {"new_conversations": 12, "completed_profiles": 9}
    assert figures.time_to_complete.overall_completed == 9


def test_the_default_range_is_the_last_thirty_days_in_the_site_zone(site_zone):
    span = DayRange.last_days(30, today=date(2026, 3, 30))

    assert (span.first, span.last, span.tz) == (date(2026, 3, 1), date(2026, 3, 30), site_zone)
    assert len(span.days) == 30
    assert span.start.isoformat() == "2026-03-01T00:00:00-06:00"
    assert span.end.isoformat() == "2026-03-31T00:00:00-06:00"


def test_a_range_across_a_daylight_saving_change_keeps_each_rows_local_day(db, settings):
    """Madrid moves from +01:00 to +02:00 on 2026-03-29: one offset cannot serve the range."""
    settings.TIME_ZONE = "Europe/Madrid"
    madrid = ZoneInfo("Europe/Madrid")
    across = DayRange(first=date(2026, 3, 28), last=date(2026, 3, 30), tz=madrid)
    # 00:30 on March 30th in Madrid is 22:30 UTC on the 29th: at +01:00 it would be the 29th.
    lead(datetime(2026, 3, 30, 0, 30, tzinfo=madrid))
    lead(datetime(2026, 3, 28, 23, 30, tzinfo=madrid))

    figures = new_conversations_and_completions(across)

    assert across.day_zone == madrid
    assert [row["new_conversations"] for row in figures.values()] == [1, 0, 1]


def test_a_range_with_one_utc_offset_is_grouped_at_that_offset(site_zone, span):
    assert span.day_zone.utcoffset(None) == timedelta(hours=-6)
    summer = DayRange(first=date(2026, 7, 1), last=date(2026, 7, 31), tz=ZoneInfo("Europe/Madrid"))
    assert summer.day_zone.utcoffset(None) == timedelta(hours=2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_messages_query_runs_beside_and_the_figures_agree(
    site_zone, span
):
    """Production's path: the messages figures read on a second connection in a thread."""
    from django.db import connection, transaction

    seed_leads()
    together = lead_analytics(span)
    with transaction.atomic():  # a second connection would not see the rows: one connection
        assert connection.in_atomic_block
        apart = lead_analytics(span)

    assert together == apart
    assert sum(row["inbound"] for row in together.messages.values()) > 0
