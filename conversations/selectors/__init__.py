"""Reads of conversations, one module per concern.

`threads`: threads, the 24-hour window, the bot's queue and the dashboard's counters and
incomplete profiles, and `analytics`: the analytics page's figures per day (both re-exported
here). `dashboard`: the dashboard's conversation list (filters, paging, what waits for a
person) and who may be assigned a conversation. `templates`: the template picker and the
leads due for a follow-up; import it as
`conversations.selectors.templates` (it reads the template services, which need `threads`).
"""

from conversations.selectors.analytics import DayRange, LeadAnalytics, lead_analytics
from conversations.selectors.threads import (
    ACTIVE_WINDOW,
    APPLIED_TYPES,
    CUSTOMER_SERVICE_WINDOW,
    EPOCH,
    MissingGroup,
    ThreadTail,
    TodayCounters,
    incomplete_profiles,
    messages_awaiting_reply,
    recent_history,
    start_of_today,
    thread_tail,
    today_counters,
    unanswered_count,
    window_closes_at,
    within_customer_service_window,
)

__all__ = [
    "ACTIVE_WINDOW",
    "APPLIED_TYPES",
    "CUSTOMER_SERVICE_WINDOW",
    "EPOCH",
    "DayRange",
    "LeadAnalytics",
    "MissingGroup",
    "ThreadTail",
    "TodayCounters",
    "incomplete_profiles",
    "lead_analytics",
    "messages_awaiting_reply",
    "recent_history",
    "start_of_today",
    "thread_tail",
    "today_counters",
    "unanswered_count",
    "window_closes_at",
    "within_customer_service_window",
]
