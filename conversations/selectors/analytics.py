"""Figures of the analytics page: one aggregate query per widget, grouped by day in the database.

Days are the site's (`TIME_ZONE`), inclusive at both ends, and every day of the range is
present: a day without data is zero (or None for a rate or median, which has no value then).
"Cohort" widgets group leads by the day their conversation started and report what became of
them since, so a recent day's rate can still grow.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from datetime import timezone as dt_timezone
from statistics import fmean

from django.db import connection, connections
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Concat, RowNumber, TruncDate
from django.utils import timezone

from conversations.models import (
    Conversation,
    ConversationLog,
    ConversationStat,
    Direction,
    DraftOutcome,
    DraftReview,
    HandoffState,
    LogAction,
    Message,
    MessageStatus,
    Sender,
    StatKind,
)
from profiles.completeness import MISSING_SEPARATOR, PROFILE_FIELDS

Row = dict[str, int]


@dataclass(frozen=True, slots=True)
class DayRange:
    """Calendar days `first`..`last` (both included) in time zone `tz`."""

    first: date
    last: date
    tz: tzinfo

    @classmethod
    def last_days(cls, count: int, *, today: date | None = None) -> DayRange:
        """The `count` days ending today, in the site's time zone."""
        tz = timezone.get_current_timezone()
        last = today or timezone.localdate(timezone=tz)
        return cls(first=last - timedelta(days=count - 1), last=last, tz=tz)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def start(self) -> datetime:
        """The first day's midnight, as an aware time (DST-safe through zoneinfo)."""
        return datetime.combine(self.first, time.min, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        """Midnight after the last day: the range is `start <= t < end`."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=self.tz)

    @property
    def day_zone(self) -> tzinfo:
        """The zone the database converts each row's time to, to find its day.

        A named zone costs PostgreSQL a rules lookup per row, a third of the cost of the
        busiest query; when every midnight of the range has the same UTC offset (no
        daylight-saving change inside it), that fixed offset gives the same days.
        """
        midnights = [*self.days, self.last + timedelta(days=1)]
        offsets = {datetime.combine(day, time.min, tzinfo=self.tz).utcoffset() for day in midnights}
        return dt_timezone(offsets.pop()) if len(offsets) == 1 else self.tz


def _per_day(span: DayRange, rows: Iterable[dict], columns: Iterable[str]) -> dict[date, Row]:
    """Every day of `span`, in order, with the database's figures or zeros."""
    columns = tuple(columns)
    found = {row["day"]: row for row in rows}
    return {
        day: {column: found.get(day, {}).get(column) or 0 for column in columns}
        for day in span.days
    }


def _by_day(queryset: QuerySet, field: str, span: DayRange) -> QuerySet:
    """`queryset` within the range on `field`, grouped by that field's local day."""
    return (
        queryset.filter(**{f"{field}__gte": span.start, f"{field}__lt": span.end})
        .annotate(day=TruncDate(field, tzinfo=span.day_zone))
        .order_by()
        .values("day")
    )


# --- the widgets ------------------------------------------------------------------------


def new_conversations_and_completions(span: DayRange) -> dict[date, Row]:
    """Conversations started and profiles completed each day, from `conversation_stats`."""
    rows = _by_day(ConversationStat.objects.all(), "happened_at", span).annotate(
        new_conversations=Count("pk", filter=Q(kind=StatKind.CONVERSATION_STARTED)),
        completed_profiles=Count("pk", filter=Q(kind=StatKind.PROFILE_COMPLETED)),
    )
    return _per_day(span, rows, ("new_conversations", "completed_profiles"))


# Handed to a human: an agent took the conversation over (handoff state "Agent handles": an
# agent replied or sent something, someone answered from the business phone, or an agent
# switched it), or manual mode was switched on (the bot only drafts, an agent sends). Read
# from the log, so a conversation handed back to the bot later still counts.
HANDED_TO_HUMAN = Q(action=LogAction.HANDOFF, detail__contains=f"→ {HandoffState.HUMAN.label}") | Q(
    action=LogAction.MANUAL_ON
)
COHORT_COLUMNS = ("leads", "complete", "incomplete", *PROFILE_FIELDS, "handed")


def lead_cohorts(span: DayRange) -> dict[date, Row]:
    """The leads who started each day, and what became of them since: one pass for three widgets.

    `leads`; `complete` and `incomplete` profiles now (a lead may have no profile yet); per
    profile field, the incomplete profiles that lack it (one may lack several); `handed`: the
    leads ever handed to a human. The completion rate, missing-fields and handoff widgets
    read the same rows, so one query serves them rather than three scans and joins of the
    range's conversations.
    """
    # `IN (SELECT ...)`, hashed once, rather than EXISTS: the same rows, but PostgreSQL's
    # estimate for EXISTS (as if probed per lead) crosses jit_above_cost, and compiling took
    # longer than the query. A lead's log starts with the lead: older rows cannot match.
    handed = ConversationLog.objects.filter(HANDED_TO_HUMAN, created_at__gte=span.start).values(
        "conversation_id"
    )
    incomplete = Q(profile__completion_status=False)
    # ", name, " in ", last_name, email, " finds the field as `missing_field_regex` does, and a
    # LIKE costs a fraction of a regex on every row.
    leads = Conversation.objects.annotate(
        padded=Concat(
            Value(MISSING_SEPARATOR), "profile__what_is_missing", Value(MISSING_SEPARATOR)
        )
    )
    rows = _by_day(leads, "created_at", span).annotate(
        leads=Count("pk"),
        complete=Count("pk", filter=Q(profile__completion_status=True)),
        incomplete=Count("pk", filter=incomplete),
        **{
            field: Count(
                "pk",
                filter=incomplete
                & Q(padded__contains=f"{MISSING_SEPARATOR}{field}{MISSING_SEPARATOR}"),
            )
            for field in PROFILE_FIELDS
        },
        handed=Count("pk", filter=Q(pk__in=handed)),
    )
    return _per_day(span, rows, COHORT_COLUMNS)


def draft_reviews(span: DayRange) -> dict[date, Row]:
    """Bot drafts an agent decided on each day: sent as written, sent edited, discarded."""
    approved = Q(outcome=DraftOutcome.APPROVED)
    rows = _by_day(DraftReview.objects.all(), "reviewed_at", span).annotate(
        unedited=Count("pk", filter=approved & Q(edited=False)),
        edited=Count("pk", filter=approved & Q(edited=True)),
        discarded=Count("pk", filter=Q(outcome=DraftOutcome.DISCARDED)),
    )
    return _per_day(span, rows, ("unedited", "edited", "discarded"))


def message_traffic(span: DayRange) -> dict[date, Row]:
    """Messages from users and to them each day (by WhatsApp's time), and sends that failed.

    Inbound counts the user's own messages, as the dashboard's counters do.
    """
    outbound = Q(direction=Direction.OUT)
    rows = _by_day(Message.objects.all(), "timestamp", span).annotate(
        inbound=Count("pk", filter=Q(direction=Direction.IN, sender=Sender.USER)),
        outbound=Count("pk", filter=outbound),
        failed=Count("pk", filter=outbound & Q(status=MessageStatus.FAILED)),
    )
    return _per_day(span, rows, ("inbound", "outbound", "failed"))


@dataclass(frozen=True, slots=True)
class TimeToComplete:
    """Median time from a lead's first message to their complete profile, per completion day."""

    per_day: dict[date, timedelta | None]
    completed: dict[date, int]
    overall: timedelta | None
    overall_completed: int


def time_to_complete(span: DayRange) -> TimeToComplete:
    """Profiles completed in the range, measured from their conversation's start.

    A conversation starts when its first message is stored (the legacy importer moves it
    back to the first imported message), so its `created_at` is the first message's time
    without a subquery per profile. A profile completed before that (typed in by an agent
    before the lead wrote) has no such time and is left out.

    One query on both databases: window functions rank each duration within its day and
    within the range, and only the middle one or two of each are read back (SQLite has no
    `percentile_cont`).
    """
    from profiles.models import ClientProfile

    shortest_first = [F("took"), F("pk")]
    ranked = (
        ClientProfile.objects.filter(
            completed_at__gte=span.start,
            completed_at__lt=span.end,
            conversation__created_at__lte=F("completed_at"),
        )
        .order_by()
        .annotate(
            day=TruncDate("completed_at", tzinfo=span.day_zone),
            took=ExpressionWrapper(
                F("completed_at") - F("conversation__created_at"), output_field=DurationField()
            ),
        )
        .annotate(
            day_rank=Window(RowNumber(), partition_by=[F("day")], order_by=shortest_first),
            day_size=Window(Count("pk"), partition_by=[F("day")]),
            rank=Window(RowNumber(), order_by=shortest_first),
            size=Window(Count("pk")),
        )
    )
    # The middle rank is (n + 1) / 2 for odd n; (n + 1) / 2 and (n + 2) / 2 for even n.
    middle = ranked.filter(
        Q(day_rank__gte=(F("day_size") + 1) / 2, day_rank__lte=(F("day_size") + 2) / 2)
        | Q(rank__gte=(F("size") + 1) / 2, rank__lte=(F("size") + 2) / 2)
    ).values_list("day", "took", "day_rank", "day_size", "rank", "size")

    per_day: dict[date, list[timedelta]] = {}
    completed: dict[date, int] = {}
    overall: list[timedelta] = []
    overall_completed = 0
    for day, took, day_rank, day_size, rank, size in middle:
        if (day_size + 1) // 2 <= day_rank <= (day_size + 2) // 2:
            per_day.setdefault(day, []).append(took)
            completed[day] = day_size
        if (size + 1) // 2 <= rank <= (size + 2) // 2:
            overall.append(took)
            overall_completed = size
    return TimeToComplete(
        per_day={day: _mean(per_day.get(day, [])) for day in span.days},
        completed={day: completed.get(day, 0) for day in span.days},
        overall=_mean(overall),
        overall_completed=overall_completed,
    )


def _mean(durations: list[timedelta]) -> timedelta | None:
    if not durations:
        return None
    return timedelta(seconds=fmean(d.total_seconds() for d in durations))


# --- the page ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeadAnalytics:
    """Every figure of the analytics page for one range: five queries, whatever the volume."""

    span: DayRange
    new_and_completed: dict[date, Row]
    cohorts: dict[date, Row]
    time_to_complete: TimeToComplete
    drafts: dict[date, Row]
    messages: dict[date, Row]


def lead_analytics(span: DayRange) -> LeadAnalytics:
    """Every figure, the busiest query (messages, half the time) beside the four others.

    On PostgreSQL outside a transaction it runs on a second connection in a thread while this
    one runs the rest, so the page takes about as long as the slower half, not the sum (at
    100,000 leads and 1,000,000 messages, bench/analytics.py). One extra connection, not one
    per widget: the web process's pool also serves the webhook. Inside a transaction (a test's)
    a second connection would not see its rows, so everything runs here, one after the other.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return _analytics(span, messages=message_traffic(span))
    with ThreadPoolExecutor(max_workers=1) as beside:
        messages = beside.submit(_on_own_connection, message_traffic, span)
        return _analytics(span, messages=messages.result)


def _analytics(span: DayRange, *, messages) -> LeadAnalytics:
    """`messages`: the figures, or a callable that waits for them, read last."""
    new_and_completed = new_conversations_and_completions(span)
    cohorts = lead_cohorts(span)
    completion_times = time_to_complete(span)
    drafts = draft_reviews(span)
    return LeadAnalytics(
        span=span,
        new_and_completed=new_and_completed,
        cohorts=cohorts,
        time_to_complete=completion_times,
        drafts=drafts,
        messages=messages() if callable(messages) else messages,
    )


def _on_own_connection(read, span: DayRange):
    """Django's connections are per thread: this thread's goes back once it has read."""
    try:
        return read(span)
    finally:
        connections.close_all()
