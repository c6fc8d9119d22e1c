"""The live dashboard inside the admin: a server-rendered page that websockets keep current."""

from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from botproject.ops.selectors import worker_is_running
from conversations.admin import render_thread
from conversations.models import Conversation, HandoffState
from conversations.selectors import incomplete_profiles, today_counters
from conversations.selectors.dashboard import (
    ASSIGNED_VIEWS,
    DashboardFilters,
    dashboard_conversations,
)
from conversations.services.live import latest_event_id
from profiles.completeness import FIELD_LABELS

# Parts the page re-fetches when events say they changed (counters, incomplete profiles).
PARTS = {
    "counters": "admin/dashboard/_counters.html",
    "incomplete": "admin/dashboard/_incomplete.html",
    "conversations": "admin/dashboard/_conversations.html",
}


def _context(request, part: str | None) -> dict:
    context: dict = {}
    if part in (None, "counters"):
        context["counters"] = today_counters()
    if part in (None, "incomplete"):
        per_field, groups = incomplete_profiles()
        context["missing_per_field"] = [
            (field, FIELD_LABELS[field], count) for field, count in per_field.items()
        ]
        context["missing_groups"] = groups
    if part in (None, "conversations"):
        filters = DashboardFilters.from_query(request.GET)
        listing = dashboard_conversations(filters, user=request.user)
        context["listing"] = listing
        context["conversations"] = listing.conversations
        context["filter_links"] = _filter_links(filters)
    return context


def _filter_links(filters: DashboardFilters) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """The list's filters as link groups: (group, [(label, query string, current)])."""
    states = [("", "Any")] + [(state.value, state.label) for state in HandoffState]
    return [
        (
            "Assigned",
            [
                (label, filters.query_string(assigned=view), filters.assigned == view)
                for view, label in ASSIGNED_VIEWS.items()
            ],
        ),
        (
            "Who answers",
            [
                (label, filters.query_string(state=state), filters.state == state)
                for state, label in states
            ],
        ),
        (
            "Profile",
            [
                ("Any", filters.query_string(incomplete=False), not filters.incomplete),
                ("Incomplete", filters.query_string(incomplete=True), filters.incomplete),
            ],
        ),
    ]


@require_GET
@permission_required("conversations.view_conversation", raise_exception=True)
def dashboard(request):
    """`?part=counters|incomplete|conversations` renders one section, for live refreshes;
    `assigned`, `state`, `incomplete` and `page` choose which conversations are listed."""
    part = request.GET.get("part")
    if part == "worker":  # polled by live.js: the status line says so when replies stop
        return JsonResponse({"running": worker_is_running()})
    if part in PARTS:
        return render(request, PARTS[part], _context(request, part))
    context = {
        **admin.site.each_context(request),
        **_context(request, None),
        "title": "Dashboard",
        # The page is current as of this event: the websocket replays anything newer.
        "last_event_id": latest_event_id(),
    }
    return render(request, "admin/dashboard/dashboard.html", context)


@require_GET
@permission_required("conversations.view_conversation", raise_exception=True)
def conversation_thread(request, conversation_id: int):
    """One conversation's thread as the profile page shows it, for live refreshes."""
    conversation = get_object_or_404(Conversation, pk=conversation_id)
    return HttpResponse(render_thread(conversation, request=request))
