"""Reads of the live dashboard's conversation list: filters, paging, and what waits for a person.

One query per page whatever its length: each row carries the lead's own last message (not the
bot's reply, which says nothing about what the lead wants), how many of the lead's messages
are unanswered, and whether a bot reply failed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from conversations.message_display import summary
from conversations.models import Conversation, Direction, HandoffState, Message, ReplyState, Sender
from conversations.selectors.threads import ACTIVE_WINDOW, APPLIED_TYPES, EPOCH

PER_PAGE = 25
ASSIGNED_VIEWS = {"all": "All", "mine": "Mine", "unassigned": "Unassigned"}


@dataclass(frozen=True, slots=True)
class DashboardFilters:
    """What the list shows, read from the page's query string (anything unknown is ignored)."""

    assigned: str = "all"
    state: str = ""
    incomplete: bool = False
    page: int = 1

    @classmethod
    def from_query(cls, query) -> DashboardFilters:
        assigned = query.get("assigned", "all")
        state = query.get("state", "")
        try:
            page = max(1, int(query.get("page", 1)))
        except ValueError:
            page = 1
        return cls(
            assigned=assigned if assigned in ASSIGNED_VIEWS else "all",
            state=state if state in HandoffState.values else "",
            incomplete=query.get("incomplete") == "1",
            page=page,
        )

    @property
    def filtered(self) -> bool:
        return (self.assigned, self.state, self.incomplete) != ("all", "", False)

    def query_string(self, **changes) -> str:
        """This view's query string with `changes`; a filter change goes back to page 1."""
        changed = replace(self, **{"page": 1, **changes})
        params = {
            "assigned": "" if changed.assigned == "all" else changed.assigned,
            "state": changed.state,
            "incomplete": "1" if changed.incomplete else "",
            "page": "" if changed.page == 1 else changed.page,
        }
        return urlencode({key: value for key, value in params.items() if value})


@dataclass(frozen=True, slots=True)
class DashboardPage:
    conversations: list[Conversation]
    filters: DashboardFilters
    has_next: bool

    @property
    def previous_query(self) -> str | None:
        page = self.filters.page
        return self.filters.query_string(page=page - 1) if page > 1 else None

    @property
    def next_query(self) -> str | None:
        return self.filters.query_string(page=self.filters.page + 1) if self.has_next else None


def _filtered(filters: DashboardFilters, user) -> QuerySet[Conversation]:
    conversations = Conversation.objects.filter(last_message_at__gte=timezone.now() - ACTIVE_WINDOW)
    if filters.assigned == "mine":
        conversations = conversations.filter(assigned_to=user)
    elif filters.assigned == "unassigned":
        conversations = conversations.filter(assigned_to__isnull=True)
    if filters.state:
        conversations = conversations.filter(handoff_state=filters.state)
    if filters.incomplete:
        conversations = conversations.filter(profile__completion_status=False)
    return conversations


def dashboard_conversations(
    filters: DashboardFilters, *, user, per_page: int = PER_PAGE
) -> DashboardPage:
    """A page of the last 24 hours' conversations, newest first, in one query.

    Each carries the lead's last message (`lead_text`, `lead_type`, `lead_content`,
    `lead_revoked_at`, `lead_at`, `lead_message_id`), `unanswered` (the lead's messages since
    the business last wrote), `reply_failed`, and `waiting_for`: what a person must do.
    """
    shown = Message.objects.filter(conversation=OuterRef("pk")).exclude(type__in=APPLIED_TYPES)
    newest_out = shown.filter(direction=Direction.OUT).order_by("-timestamp", "-id")
    newest_in = shown.filter(direction=Direction.IN, sender=Sender.USER).order_by(
        "-timestamp", "-id"
    )
    unanswered = (
        shown.filter(
            direction=Direction.IN,
            sender=Sender.USER,
            timestamp__gt=Coalesce(
                OuterRef("last_out_at"), Value(EPOCH, output_field=DateTimeField())
            ),
        )
        .order_by()
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    failed = Message.objects.filter(conversation=OuterRef("pk"), reply_state=ReplyState.FAILED)
    offset = (filters.page - 1) * per_page
    rows = list(
        _filtered(filters, user)
        .select_related("profile", "assigned_to")
        .annotate(
            last_out_at=Subquery(newest_out.values("timestamp")[:1]),
            lead_message_id=Subquery(newest_in.values("id")[:1]),
            lead_text=Subquery(newest_in.values("text")[:1]),
            lead_type=Subquery(newest_in.values("type")[:1]),
            lead_content=Subquery(newest_in.values("content")[:1]),
            lead_revoked_at=Subquery(newest_in.values("revoked_at")[:1]),
            lead_at=Subquery(newest_in.values("timestamp")[:1]),
            reply_failed=Exists(failed),
        )
        .annotate(unanswered=Coalesce(Subquery(unanswered), 0))
        .order_by("-last_message_at", "-id")[offset : offset + per_page + 1]
    )
    for conversation in rows:
        conversation.waiting_for = waiting_for(conversation)
        conversation.lead_summary = (
            summary(
                conversation.lead_type,
                conversation.lead_text,
                conversation.lead_content,
                revoked=conversation.lead_revoked_at is not None,
            )
            if conversation.lead_message_id
            else "No message from the lead yet"
        )
    return DashboardPage(rows[:per_page], filters, has_next=len(rows) > per_page)


def waiting_for(conversation: Conversation) -> list[str]:
    """What a person must do about this conversation, most urgent first; [] when nothing."""
    waiting = []
    if conversation.reply_failed:
        waiting.append("Bot failed: retry")
    profile = getattr(conversation, "profile", None)
    if profile is not None and profile.ai_draft:
        waiting.append("Draft to approve")
    if conversation.handoff_state == HandoffState.HUMAN and conversation.handoff_reason:
        waiting.append(f"Handed over by the bot: {conversation.handoff_reason}")
    elif conversation.handoff_state != HandoffState.BOT and conversation.unanswered:
        waiting.append("Reply by hand")
    return waiting


def assignable_staff() -> QuerySet:
    """Active staff who may handle conversations (Agents, Admins), for an Admin's picker."""
    permission = Permission.objects.filter(
        codename="change_conversation", content_type__app_label="conversations"
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=permission)
            | Q(user_permissions__in=permission)
        )
        .distinct()
        .order_by("username")
    )
