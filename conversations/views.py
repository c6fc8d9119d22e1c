"""The live dashboard inside the admin: a server-rendered page that websockets keep current."""

from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from conversations.admin import render_thread
from conversations.models import Conversation
from conversations.selectors import active_conversations, incomplete_profiles, today_counters
from conversations.services.live import latest_event_id
from profiles.completeness import FIELD_LABELS

# Parts the page re-fetches when events say they changed (counters, incomplete profiles).
PARTS = {
    "counters": "admin/dashboard/_counters.html",
    "incomplete": "admin/dashboard/_incomplete.html",
    "conversations": "admin/dashboard/_conversations.html",
}


def _context(part: str | None) -> dict:
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
        context["conversations"] = active_conversations()
    return context


@require_GET
@permission_required("conversations.view_conversation", raise_exception=True)
def dashboard(request):
    """`?part=counters|incomplete|conversations` renders one section, for live refreshes."""
    part = request.GET.get("part")
    if part in PARTS:
        return render(request, PARTS[part], _context(part))
    context = {
        **admin.site.each_context(request),
        **_context(None),
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
