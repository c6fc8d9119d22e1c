"""Live events for staff screens: written with the change, pushed after commit.

Each event is a `LiveEvent` row in the caller's transaction (so it exists exactly when the
change does), then pushed to the `dashboard` group of the channel layer on commit. With
Redis (production) that reaches every web process, whichever process made the change;
with the in-memory layer (local, no Redis) the worker's events cannot cross processes,
so dashboard connections also poll the table (`LIVE_EVENTS_POLL_SECONDS`). Clients drop
an id they have already seen, so an event arriving both ways is applied once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from conversations.models import (
    Conversation,
    HandoffState,
    LiveEvent,
    Message,
    MessageStatus,
)
from conversations.selectors import unanswered_count
from conversations.services import live_publisher

logger = logging.getLogger(__name__)

GROUP = "dashboard"
# How much of a message's text an event carries: enough for a dashboard row.
PREVIEW_CHARS = 200


class Kind:
    MESSAGE = "message"  # a new inbound or outbound message
    STATUS = "status"  # an outbound message's delivery state changed
    PROFILE = "profile"  # profile fields or completeness changed
    DRAFT = "draft"  # a draft was written, approved or discarded
    HANDOFF = "handoff"  # manual mode or handoff state changed
    MESSAGE_CHANGED = "message_changed"  # a message was edited or deleted on WhatsApp
    MEDIA = "media"  # a message's file was stored, refused or became unavailable
    ASSIGNMENT = "assignment"  # the conversation was assigned to someone, or unassigned


def _push(message: dict) -> None:
    """After commit: a failed push (Redis down) must never fail the change that was made.

    With Redis the push is queued for this process's one persistent connection and sent
    from another thread (see live_publisher), so the change never waits for Redis.
    """
    try:
        live_publisher.push(GROUP, {"type": "live.event", "event": message})
    except Exception:
        logger.warning(
            "Live push failed; dashboards catch up from the event table",
            exc_info=True,
            extra={"event_id": message.get("id")},
        )


# Events published inside `written_together()`, waiting for its one INSERT.
_together: ContextVar[list[LiveEvent] | None] = ContextVar("live_events_together", default=None)


def publish(kind: str, conversation_id: int | None, **payload) -> LiveEvent:
    """Write the event in the caller's transaction and push it once that commits.

    Inside `written_together()` the row is written when the block ends (its id is set only
    then); the push is lined up now all the same, so that pushes keep the order in which
    things happened, also among other work done on commit (a reply sent at once).
    """
    event = LiveEvent(kind=kind, conversation_id=conversation_id, payload=payload)
    together = _together.get()
    if together is None:
        _write([event])
    else:
        together.append(event)
    transaction.on_commit(lambda: _push(event.as_message()))
    return event


@contextmanager
def written_together() -> Iterator[None]:
    """The events published inside are written with one INSERT as the block ends, in order.

    For a change that publishes several at once (a bot turn changes the profile and queues
    the reply): one statement instead of one per event. The block is atomic (joining the
    caller's transaction), so no push can run before its event is written; a block left by
    an exception writes nothing.
    """
    events: list[LiveEvent] = []
    with transaction.atomic(savepoint=False):
        token = _together.set(events)
        try:
            yield
        finally:
            _together.reset(token)
        _write(events)


def _write(events: list[LiveEvent]) -> None:
    if not events:
        return
    if len(events) == 1:
        events[0].save(force_insert=True)
    else:
        LiveEvent.objects.bulk_create(events)
    if any(event.pk % 1000 == 0 for event in events):
        prune_live_events()


def prune_live_events() -> int:
    """Events only serve screens catching up; a day's worth is plenty."""
    cutoff = timezone.now() - timedelta(hours=settings.LIVE_EVENTS_KEEP_HOURS)
    deleted, _ = LiveEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def latest_event_id() -> int:
    return LiveEvent.objects.aggregate(latest=Max("id"))["latest"] or 0


def event_ids_between(first: int, last: int) -> list[int]:
    return list(LiveEvent.objects.filter(id__gt=first, id__lte=last).values_list("id", flat=True))


def events_after(event_id: int, *, limit: int = 500) -> list[dict]:
    return [
        event.as_message()
        for event in LiveEvent.objects.filter(id__gt=event_id).order_by("id")[:limit]
    ]


def conversation_summary(conversation: Conversation, *, reply: Message | None = None) -> dict:
    """What a dashboard row shows for a conversation, as plain JSON (`reply`: a message the
    business has just written to it)."""
    profile_id = getattr(getattr(conversation, "profile", None), "pk", None)
    return {
        "id": conversation.pk,
        "label": str(conversation),
        "handoff_state": conversation.handoff_state,
        "handoff_label": HandoffState(conversation.handoff_state).label,
        "handoff_reason": conversation.handoff_reason,
        "assigned_to_id": conversation.assigned_to_id,
        "unanswered": unanswered_count(conversation, reply=reply),
        "url": reverse("admin:profiles_clientprofile_change", args=[profile_id])
        if profile_id
        else reverse("admin:conversations_conversation_change", args=[conversation.pk]),
    }


def message_fields(message: Message) -> dict:
    return {
        "message_id": message.pk,
        "direction": message.direction,
        "sender": message.sender,
        "type": message.type,
        # A deleted message's words never travel, whatever is still stored.
        "text": "" if message.revoked_at else Truncator(message.text).chars(PREVIEW_CHARS),
        "edited": message.edited_at is not None,
        "revoked": message.revoked_at is not None,
        "status": message.status,
        "status_label": MessageStatus(message.status).label if message.status else "",
        "timestamp": message.timestamp.isoformat(),
    }


def message_created(
    message: Message, *, conversation: Conversation | None = None, queued_now: bool = False
) -> None:
    """A new message: open threads and the dashboard's row show it.

    Pass `conversation` only when it cannot have changed under the message (one we are
    writing to); else it is read through the message: storing an inbound message may have
    merged its conversation into another (a user who changed number), deleting the one it had.
    `queued_now`: an outbound message we have just queued, so the business's latest.
    """
    if conversation is None:
        conversation = (
            Conversation.objects.select_related("profile").filter(messages__pk=message.pk).get()
        )
    message.conversation_id = conversation.pk
    publish(
        Kind.MESSAGE,
        conversation.pk,
        message=message_fields(message),
        conversation=conversation_summary(conversation, reply=message if queued_now else None),
    )


def message_changed(message: Message) -> None:
    """An edit or deletion: open threads re-render, a dashboard row showing it updates."""
    publish(Kind.MESSAGE_CHANGED, message.conversation_id, message=message_fields(message))


def media_changed(message: Message) -> None:
    """A file downloaded (or given up on): an open thread re-renders to show it."""
    state = Message.objects.filter(pk=message.pk).values_list("media__state", flat=True).first()
    publish(Kind.MEDIA, message.conversation_id, message=message_fields(message), media=state)


def message_status_changed(message_ids: list[int]) -> None:
    for message in Message.objects.filter(pk__in=message_ids):
        status_changed(message)


def status_changed(message: Message) -> None:
    """An outbound message's delivery state, as `message` has it now."""
    publish(Kind.STATUS, message.conversation_id, message=message_fields(message))


def profile_changed(profile, *, fields: list[str] | tuple[str, ...] = ()) -> None:
    publish(
        Kind.PROFILE,
        profile.conversation_id,
        profile={
            "id": profile.pk,
            "label": str(profile),
            "complete": profile.completion_status,
            "what_is_missing": profile.what_is_missing,
            "fields": list(fields),
        },
    )


def draft_changed(profile, *, action: str) -> None:
    publish(
        Kind.DRAFT,
        profile.conversation_id,
        draft={"profile_id": profile.pk, "action": action, "waiting": bool(profile.ai_draft)},
    )


def handoff_changed(conversation_id: int, *, conversation: Conversation | None = None) -> None:
    """`conversation`: the row as the caller holds it locked (with its profile), not read again."""
    if conversation is None:
        conversation = Conversation.objects.select_related("profile").get(pk=conversation_id)
    publish(
        Kind.HANDOFF,
        conversation_id,
        conversation=conversation_summary(conversation),
        manual_mode=getattr(getattr(conversation, "profile", None), "manual_mode", False),
    )


def assignment_changed(conversation: Conversation, *, assignee_name: str) -> None:
    """Dashboards re-read their rows (a "Mine" view gains or loses it); open pages say so."""
    publish(
        Kind.ASSIGNMENT,
        conversation.pk,
        assignment={"assigned_to_id": conversation.assigned_to_id, "name": assignee_name},
    )
