"""The analytics page's widgets: each figure of `LeadAnalytics` as a chart, a table and CSV.

One description per widget serves all three, so the chart, the table beside it and the
downloaded file cannot disagree. Rates and medians of a day without data are None: shown
as "—", a gap in the chart and an empty CSV cell, never as a misleading zero.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from conversations.selectors.analytics import LeadAnalytics, Row
from profiles.completeness import FIELD_LABELS, PROFILE_FIELDS

Unit = Literal["count", "percent", "hours"]
Figure = int | float | None


@dataclass(frozen=True, slots=True)
class Column:
    """One figure per day, its value for the whole range, and how it is shown."""

    key: str  # the CSV header
    label: str  # the table header and the chart's legend
    values: list[Figure]
    total: Figure
    unit: Unit = "count"
    charted: bool = True

    def cell(self, value: Figure) -> str:
        if value is None:
            return "—"
        if self.unit == "percent":
            return f"{value:.1f} %"
        if self.unit == "hours":
            return f"{value:.1f} h"
        return str(value)

    @property
    def cells(self) -> list[str]:
        return [self.cell(value) for value in self.values]

    @property
    def total_cell(self) -> str:
        return self.cell(self.total)


@dataclass(frozen=True, slots=True)
class Widget:
    key: str
    title: str
    note: str  # what exactly is counted: the definitions a reader needs
    columns: list[Column]
    chart: Literal["bar", "line"] = "bar"
    stacked: bool = False
    days: list[date] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[date, list[str]]]:
        cells = [column.cells for column in self.columns]
        return [(day, [column[n] for column in cells]) for n, day in enumerate(self.days)]

    def chart_data(self) -> dict:
        """What static/backoffice/analytics.js needs to draw the chart (via json_script)."""
        charted = [column for column in self.columns if column.charted]
        return {
            "key": self.key,
            "type": self.chart,
            "stacked": self.stacked,
            "unit": charted[0].unit,
            "labels": [day.isoformat() for day in self.days],
            "datasets": [{"label": column.label, "data": column.values} for column in charted],
        }


def _counts(
    per_day: dict[date, Row], labels: dict[str, str], *, prefix: str = "", **options
) -> list[Column]:
    """A count column per key of `labels`, summed over the range; `prefix` + key in the CSV."""
    return [
        Column(
            key=prefix + key,
            label=label,
            values=[row[key] for row in per_day.values()],
            total=sum(row[key] for row in per_day.values()),
            **options,
        )
        for key, label in labels.items()
    ]


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _share(
    key: str, label: str, per_day: dict[date, Row], part: str, whole: str, **options
) -> Column:
    """`part` / `whole` in percent, per day and for the range (from the sums, not an average)."""
    rows = per_day.values()
    return Column(
        key=key,
        label=label,
        values=[_percent(row[part], row[whole]) for row in rows],
        total=_percent(sum(row[part] for row in rows), sum(row[whole] for row in rows)),
        unit="percent",
        **options,
    )


def _hours(duration: timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 3600, 2)


def build_widgets(figures: LeadAnalytics) -> list[Widget]:
    days = figures.span.days
    drafts = {
        day: {**row, "approved": row["unedited"] + row["edited"]}
        for day, row in figures.drafts.items()
    }
    time_to_complete = figures.time_to_complete
    return [
        Widget(
            key="new_conversations",
            title="New conversations and completed profiles per day",
            note="From the conversation_stats view: conversations started, and profiles "
            "that became complete, each on its own day.",
            columns=_counts(
                figures.new_and_completed,
                {"new_conversations": "New conversations", "completed_profiles": "Completed"},
            ),
            days=days,
        ),
        Widget(
            key="completion",
            title="Profile completion rate",
            note="Leads by the day they first wrote, and the share of them whose profile "
            "is complete now (a recent day's rate can still grow).",
            columns=[
                *_counts(
                    figures.cohorts,
                    {"leads": "New leads", "complete": "Complete now"},
                    charted=False,
                ),
                _share(
                    "completion_rate_percent",
                    "Completion rate",
                    figures.cohorts,
                    "complete",
                    "leads",
                ),
            ],
            chart="line",
            days=days,
        ),
        Widget(
            key="missing_fields",
            title="What incomplete profiles are missing",
            note="Of each day's new leads whose profile is still incomplete, how many lack "
            "each field (one profile can lack several). An invalid email counts as missing.",
            columns=[
                *_counts(
                    figures.cohorts, {"incomplete": "Incomplete"}, prefix="missing_", charted=False
                ),
                *_counts(
                    figures.cohorts,
                    {field: f"No {FIELD_LABELS[field]}" for field in PROFILE_FIELDS},
                    prefix="missing_",
                ),
            ],
            chart="line",
            days=days,
        ),
        Widget(
            key="time_to_complete",
            title="Median time from first message to complete profile",
            note="Profiles completed each day, in hours from the lead's first message "
            "(the conversation's start). The range's figure is the median of all of them.",
            columns=[
                Column(
                    key="profiles_completed_measured",
                    label="Completed",
                    values=list(time_to_complete.completed.values()),
                    total=time_to_complete.overall_completed,
                    charted=False,
                ),
                Column(
                    key="median_hours_to_complete",
                    label="Median hours",
                    values=[_hours(d) for d in time_to_complete.per_day.values()],
                    total=_hours(time_to_complete.overall),
                    unit="hours",
                ),
            ],
            chart="line",
            days=days,
        ),
        Widget(
            key="handoffs",
            title="Conversations handed to a human",
            note="Leads by the day they first wrote, and the share an agent has taken over "
            "since (an agent's reply or takeover, a reply from the business phone, or manual "
            "mode on), even if handed back to the bot later. Paused is not handed over.",
            columns=[
                *_counts(
                    figures.cohorts,
                    {"leads": "New leads", "handed": "Handed to a human"},
                    prefix="handoff_",
                    charted=False,
                ),
                _share("handed_percent", "Share handed over", figures.cohorts, "handed", "leads"),
            ],
            chart="line",
            days=days,
        ),
        Widget(
            key="drafts",
            title="Bot drafts reviewed by agents",
            note="Drafts an agent decided on each day: approved as written, approved after "
            "editing, or discarded; and the share of approved drafts sent unedited.",
            columns=[
                *_counts(
                    drafts,
                    {
                        "unedited": "Approved unedited",
                        "edited": "Approved edited",
                        "discarded": "Discarded",
                    },
                    prefix="drafts_",
                ),
                _share(
                    "drafts_unedited_percent",
                    "Unedited share",
                    drafts,
                    "unedited",
                    "approved",
                    charted=False,
                ),
            ],
            stacked=True,
            days=days,
        ),
        Widget(
            key="messages",
            title="Messages in and out, and failed sends",
            note="By WhatsApp's time: the leads' own messages, everything sent to them (bot, "
            "agents, business phone, templates), and sends that failed.",
            columns=_counts(
                figures.messages,
                {"inbound": "In", "outbound": "Out", "failed": "Failed sends"},
                prefix="messages_",
            ),
            days=days,
        ),
    ]


def write_csv(widgets: list[Widget], out) -> None:
    """One row per day, a column per figure of every widget; the last row is the range's."""
    writer = csv.writer(out)
    columns = [column for widget in widgets for column in widget.columns]
    writer.writerow(["day", *(column.key for column in columns)])

    def raw(value: Figure) -> str:
        return "" if value is None else str(value)

    for n, day in enumerate(widgets[0].days):
        writer.writerow([day.isoformat(), *(raw(column.values[n]) for column in columns)])
    writer.writerow(["range", *(raw(column.total) for column in columns)])
