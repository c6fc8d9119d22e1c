"""`seed_demo`: demo leads written through the same path as a lead's real messages.

Each message is a Meta-shaped webhook body stored as a `WebhookEvent` and processed by the
worker's own function (`process_webhook_event`); the bot answers through its real pipeline
and the console transport, manual mode is switched by the agent service, and Meta's
delivered, read and failed reports arrive as status webhooks. The tasks those enqueue (the
bot's turn, the send) are kept in memory and run here in order, as a worker would run them,
so the whole history exists when the command ends and no task is left for the worker.

Services stamp what they write with the present; a demo needs history over the last days
so the dashboard and reports have something to show. After each step the rows it wrote are
moved back to that step's moment (`_move_back`): the one write here outside the services.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Max
from django.tasks import task_backends
from django.test.utils import override_settings
from django.utils import timezone

from conversations.demo.leads import DemoLead, demo_leads
from conversations.models import Conversation, ConversationLog, Direction, Message
from conversations.services.agent import set_manual_mode
from profiles.models import ClientProfile, ProfileFieldSource
from webhooks.services import new_event, process_webhook_event, store_event
from webhooks.simulator.payloads import (
    SimulatedUser,
    StatusError,
    StatusKind,
    inbound_body,
    status_body,
)

logger = logging.getLogger(__name__)

DEFAULT_LEADS = 24
# The newest lead wrote a few minutes ago, the oldest about a week ago; more of them lately.
NEWEST_HOURS_AGO = 0.25
OLDEST_HOURS_AGO = 7 * 24
STEP = timedelta(minutes=2)
DELIVERED_AFTER = timedelta(seconds=20)
READ_AFTER = timedelta(minutes=1)
# Not the immediate backend: it would run the bot's turn inside the transaction that stores
# the message, before the conversation's 24-hour window is opened by it.
IN_MEMORY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
# A claim no worker takes over: this process processes the events it stores itself.
OWN_LEASE = timedelta(hours=1)

# Every date a step writes, per model, and how to find that lead's rows.
MOVABLE_DATES = (
    (
        Message,
        "conversation_id",
        ("timestamp", "created_at", "sent_at", "delivered_at", "read_at", "last_send_attempt_at"),
    ),
    (Conversation, "pk", ("created_at", "updated_at", "last_message_at", "last_inbound_at")),
    (ClientProfile, "conversation_id", ("created_at", "updated_at", "completed_at")),
    (ClientProfile, "conversation_id", ("ai_draft_created_at",)),
    (ProfileFieldSource, "profile__conversation_id", ("updated_at", "confirmed_at")),
    (ConversationLog, "conversation_id", ("created_at",)),
)


@dataclass(frozen=True, slots=True)
class SeedResult:
    created: int
    existing: int


def seed_demo(count: int = DEFAULT_LEADS, *, now: datetime | None = None) -> SeedResult:
    """Write `count` demo leads; those already there (by phone) are left as they are."""
    now = now or timezone.now()
    leads = demo_leads(count)
    existing = set(
        Conversation.objects.filter(wa_id__in=[lead.wa_id for lead in leads]).values_list(
            "wa_id", flat=True
        )
    )
    actor = get_user_model().objects.filter(is_superuser=True, is_active=True).first()
    created = 0
    with override_settings(TASKS=IN_MEMORY_TASKS, BOT_ENABLED=True, BOT_BURST_SECONDS=0):
        for lead in leads:
            if lead.wa_id in existing:
                continue
            _write_lead(lead, started=now - _age(lead.index, count), actor=actor)
            created += 1
    logger.info(
        "Demo data written", extra={"leads_created": created, "leads_existing": len(existing)}
    )
    return SeedResult(created=created, existing=len(existing))


def _age(index: int, count: int) -> timedelta:
    share = index / max(count - 1, 1)
    return timedelta(hours=NEWEST_HOURS_AGO + share**2 * (OLDEST_HOURS_AGO - NEWEST_HOURS_AGO))


def _post(body: bytes) -> None:
    """Store the body as the webhook view would, then process it as the worker would."""
    event = new_event(body)
    event.claimed_at = timezone.now()
    event.claimed_until = event.claimed_at + OWN_LEASE
    with transaction.atomic():
        event_id = store_event(event)
    process_webhook_event(event_id)
    _run_enqueued_tasks()


def _run_enqueued_tasks() -> None:
    """Run what the step enqueued, oldest first, and what those enqueue in turn."""
    backend = task_backends["default"]
    while backend.results:
        result = backend.results.pop(0)
        result.task.call(*result.args, **result.kwargs)


def _write_lead(lead: DemoLead, *, started: datetime, actor) -> None:
    user = SimulatedUser(wa_id=lead.wa_id, name=lead.whatsapp_name)
    for step, text in enumerate(lead.messages):
        # Whole seconds, and one earlier: WhatsApp's timestamps (the message's) have no fraction.
        real_start = timezone.now().replace(microsecond=0) - timedelta(seconds=1)
        conversation = Conversation.objects.filter(wa_id=lead.wa_id).first()
        if conversation is not None and step == lead.manual_from_step:
            set_manual_mode(conversation.profile, True, actor=actor)
        body, _ = inbound_body(user, text=text, wamid=lead.wamid(step))
        _post(body)
        conversation = Conversation.objects.get(wa_id=lead.wa_id)
        _move_back(conversation.pk, since=real_start, to=started + step * STEP)
    _report_deliveries(lead, conversation)
    _settle_clocks(conversation.pk)


def _move_back(conversation_id: int, *, since: datetime, to: datetime) -> None:
    """Dates written since `since` (this step) move to `to`, keeping their order."""
    delta = to - since
    for model, key, fields in MOVABLE_DATES:
        for field in fields:
            model.objects.filter(**{key: conversation_id, f"{field}__gte": since}).update(
                **{field: F(field) + delta}
            )


def _report_deliveries(lead: DemoLead, conversation: Conversation) -> None:
    """Meta's reports on the bot's replies: delivered and read, or the last one failed."""
    replies = list(
        Message.objects.filter(
            conversation=conversation, direction=Direction.OUT, wamid__isnull=False
        ).order_by("timestamp", "id")
    )
    for number, reply in enumerate(replies):
        last = number == len(replies) - 1
        if last and lead.failed_send is not None:
            code, title = lead.failed_send
            error = StatusError(code=code, title=title)
            _post(status_body(reply.wamid, StatusKind.FAILED, recipient=lead.wa_id, error=error))
            continue
        delivered = status_body(
            reply.wamid,
            StatusKind.DELIVERED,
            recipient=lead.wa_id,
            at=reply.timestamp + DELIVERED_AFTER,
        )
        _post(delivered)
        if not (last and lead.index % 3 == 0):  # some leads have not read the last one yet
            at = reply.timestamp + READ_AFTER
            _post(status_body(reply.wamid, StatusKind.READ, recipient=lead.wa_id, at=at))


def _settle_clocks(conversation_id: int) -> None:
    """The conversation's activity clocks from its (moved) messages."""
    messages = Message.objects.filter(conversation_id=conversation_id)
    Conversation.objects.filter(pk=conversation_id).update(
        last_message_at=messages.aggregate(at=Max("timestamp"))["at"],
        last_inbound_at=messages.filter(direction=Direction.IN).aggregate(at=Max("timestamp"))[
            "at"
        ],
    )
