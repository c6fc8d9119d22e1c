"""Reads of conversations and their threads, the 24-hour window and the live dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import (
    Count,
    F,
    Q,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from conversations.models import (
    Conversation,
    Direction,
    Message,
    MessageStatus,
    MessageType,
    ReplyState,
    Sender,
)


@dataclass(frozen=True, slots=True)
class ThreadTail:
    """The newest messages of a thread in reading order, and how many there are in all."""

    messages: list[Message]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.messages)


# Messages that change another message (a user's edit or deletion) rather than add words:
# they are applied to the message they name, which the thread shows as edited or deleted.
APPLIED_TYPES = (MessageType.EDIT, MessageType.REVOKE)


def thread_tail(conversation: Conversation, *, limit: int = 50) -> ThreadTail:
    shown = Message.objects.filter(conversation=conversation).exclude(type__in=APPLIED_TYPES)
    newest = list(
        shown.select_related("sent_by", "media")
        .prefetch_related("edits")
        .order_by("-timestamp", "-id")
        .only(
            "id",
            "sent_by__username",
            "sent_by__first_name",
            "sent_by__last_name",
            "reply_state",
            "reply_error",
            "direction",
            "sender",
            "type",
            "text",
            "content",
            "status",
            "error_code",
            "error_title",
            "timestamp",
            "revoked_at",
            "edited_at",
            "media__id",
            "media__state",
            "media__mime_type",
            "media__filename",
            "media__file_size",
            "media__error",
        )[:limit]
    )
    total = len(newest) if len(newest) < limit else shown.count()
    return ThreadTail(messages=newest[::-1], total=total)


# WhatsApp's customer service window (whatsapp.md §10): free-form replies only within 24 h
# of the user's last message; outside it only an approved template may be sent.
CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)


def window_closes_at(conversation: Conversation) -> datetime | None:
    if conversation.last_inbound_at is None:
        return None
    return conversation.last_inbound_at + CUSTOMER_SERVICE_WINDOW


def within_customer_service_window(
    conversation: Conversation, *, at: datetime | None = None
) -> bool:
    closes = window_closes_at(conversation)
    return closes is not None and (at or timezone.now()) < closes


def messages_awaiting_reply(conversation_id: int) -> list[Message]:
    """The user's messages the bot has not answered yet, oldest first."""
    return list(
        Message.objects.filter(
            conversation_id=conversation_id, reply_state=ReplyState.PENDING
        ).order_by("timestamp", "id")
    )


def recent_history(conversation_id: int, *, exclude: list[int], limit: int = 20) -> list[Message]:
    """The last `limit` messages with words, oldest first, leaving out `exclude`.

    What the brain reads as context before the messages it answers: the user's earlier
    messages and what the bot or an agent sent, never drafts or failed sends.
    """
    newest = (
        Message.objects.filter(conversation_id=conversation_id)
        .exclude(text="")
        .exclude(pk__in=exclude)
        .exclude(type__in=APPLIED_TYPES)  # their words are already the edited message's
        .filter(revoked_at__isnull=True)
        .exclude(direction=Direction.OUT, status=MessageStatus.FAILED)
        .order_by("-timestamp", "-id")
        .only("id", "direction", "text", "timestamp", "asked_for")[:limit]
    )
    return list(newest)[::-1]


# --- the live dashboard -----------------------------------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ACTIVE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class TodayCounters:
    new_leads: int
    messages_in: int
    messages_out: int
    profiles_completed: int
    drafts_waiting: int


def start_of_today() -> datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def today_counters() -> TodayCounters:
    """Three queries, whatever the volume: one per table."""
    from profiles.models import ClientProfile

    start = start_of_today()
    messages = Message.objects.filter(timestamp__gte=start).aggregate(
        inbound=Count("pk", filter=Q(direction=Direction.IN, sender=Sender.USER)),
        outbound=Count("pk", filter=Q(direction=Direction.OUT)),
    )
    profiles = ClientProfile.objects.aggregate(
        completed=Count("pk", filter=Q(completed_at__gte=start)),
        drafts=Count("pk", filter=~Q(ai_draft="")),
    )
    return TodayCounters(
        new_leads=Conversation.objects.filter(created_at__gte=start).count(),
        messages_in=messages["inbound"],
        messages_out=messages["outbound"],
        profiles_completed=profiles["completed"],
        drafts_waiting=profiles["drafts"],
    )


def unanswered_count(conversation: Conversation, *, reply: Message | None = None) -> int:
    """The user's messages since the business last wrote: what the dashboard's rows show.

    `reply`: a message the business has just written, which is therefore its last (saves
    looking that up: this runs for every message stored, for the live dashboard).
    """
    if reply is not None and reply.type not in APPLIED_TYPES:
        last_out = reply.timestamp
    else:
        last_out = (
            Message.objects.filter(conversation=conversation, direction=Direction.OUT)
            .exclude(type__in=APPLIED_TYPES)
            .order_by("-timestamp", "-id")
            .values_list("timestamp", flat=True)
            .first()
        )
    waiting = Message.objects.filter(
        conversation=conversation, direction=Direction.IN, sender=Sender.USER
    ).exclude(type__in=APPLIED_TYPES)
    return (waiting.filter(timestamp__gt=last_out) if last_out else waiting).count()


@dataclass(frozen=True, slots=True)
class MissingGroup:
    what_is_missing: str
    count: int
    profiles: list

    @property
    def label(self) -> str:
        from profiles.completeness import stored_labels  # profiles imports this app

        return stored_labels(self.what_is_missing)


def incomplete_profiles(*, per_group: int = 5) -> tuple[dict[str, int], list[MissingGroup]]:
    """Per-field counts of incomplete profiles, and the profiles grouped by what is missing.

    Two queries for the counts and groups, one for the newest profiles of every group.
    """
    from profiles.completeness import PROFILE_FIELDS, missing_field_regex
    from profiles.models import ClientProfile

    incomplete = ClientProfile.objects.filter(completion_status=False)
    per_field = incomplete.aggregate(
        **{
            field: Count("pk", filter=Q(what_is_missing__regex=missing_field_regex(field)))
            for field in PROFILE_FIELDS
        }
    )
    groups = list(
        incomplete.order_by()
        .values_list("what_is_missing")
        .annotate(n=Count("pk"))
        .order_by("-n", "what_is_missing")[:20]
    )
    ranked = (
        incomplete.filter(what_is_missing__in=[missing for missing, _ in groups])
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("what_is_missing")],
                order_by=[F("updated_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=per_group)
        .select_related("conversation")
        .order_by("what_is_missing", "rank")
    )
    members: dict[str, list] = {}
    for profile in ranked:
        members.setdefault(profile.what_is_missing, []).append(profile)
    return per_field, [
        MissingGroup(what_is_missing=missing, count=n, profiles=members.get(missing, []))
        for missing, n in groups
    ]
