"""Following up incomplete leads who went silent: one approved utility template per silence.

Off unless FOLLOW_UP_ENABLED. A lead is due when their profile is incomplete and their last
message (`last_inbound_at`) is FOLLOW_UP_AFTER_HOURS old; never when the conversation is
in manual mode, with an agent (`human`) or paused, blocked, or opted out of marketing.
The claim is one conditional UPDATE that records which silence was answered
(`followed_up_silence_of` = that `last_inbound_at`): two workers, or the deferred check and
the sweep, cannot both send, and only a new message from the lead starts a new silence.

Triggers: a deferred check enqueued when an inbound message is stored
(`reply_queue.schedule_follow_up`), and `manage.py send_follow_ups` for a cron and for
leads that went silent before the feature was turned on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conversations.models import (
    Conversation,
    HandoffState,
    LogAction,
    MessageTemplate,
    Sender,
    TemplateCategory,
    TemplateStatus,
)
from conversations.selectors.templates import conversations_due_for_follow_up
from conversations.services.log import log_action
from conversations.services.outbound import CannotSend
from conversations.services.templates import (
    TemplateVariable,
    queue_template,
    template_variables,
    unsupported_reason,
)
from profiles.models import ClientProfile

logger = logging.getLogger(__name__)

# Named template variables filled from the profile; `{{1}}` is the lead's name.
NAME_VARIABLES = frozenset({"1", "name", "first_name", "customer_name", "contact_name"})
PROFILE_VARIABLES = {"last_name": "last_name", "company": "company", "email": "email"}


@dataclass(frozen=True, slots=True)
class SweepSummary:
    sent: int
    skipped: int

    def __str__(self) -> str:
        plural = "s" if self.sent != 1 else ""
        return f"{self.sent} follow-up{plural} queued, {self.skipped} skipped"


def follow_up_template() -> MessageTemplate | None:
    """The configured template, if it may be sent as a follow-up; else None and a warning."""
    name, language = settings.FOLLOW_UP_TEMPLATE, settings.FOLLOW_UP_TEMPLATE_LANGUAGE
    template = MessageTemplate.objects.filter(name=name, language=language).first()
    problem = ""
    if not name:
        problem = "FOLLOW_UP_TEMPLATE is not set"
    elif template is None:
        problem = "the template is not synced from Meta"
    elif template.status != TemplateStatus.APPROVED or template.missing_since is not None:
        problem = f"the template is {template.status.lower()}, not approved"
    elif template.category != TemplateCategory.UTILITY:
        problem = f"the template is {template.category.lower()}, not a utility template"
    elif reason := unsupported_reason(template):
        problem = reason
    if problem:
        logger.warning(
            "No follow-up sent: %s",
            problem,
            extra={"template": name, "language": language},
        )
        return None
    return template


def profile_value(variable: TemplateVariable, conversation: Conversation, profile) -> str:
    """What the profile says for one variable: the name (else the WhatsApp name), or ""."""
    key = variable.key.lower()
    if key in NAME_VARIABLES:
        value = (profile.name if profile else "") or conversation.display_name
    elif key in PROFILE_VARIABLES and profile is not None:
        value = getattr(profile, PROFILE_VARIABLES[key])
    else:
        value = ""
    return (value or "").strip()


def follow_up_values(
    template: MessageTemplate, conversation: Conversation, profile: ClientProfile
) -> dict[str, str] | None:
    """The template's variables filled from the profile; None when one cannot be filled."""
    values = {}
    for variable in template_variables(template):
        value = profile_value(variable, conversation, profile)
        if not value:
            return None
        values[variable.field] = value
    return values


def _not_due(conversation: Conversation | None, now: datetime) -> str:
    """Why this conversation gets no follow-up now, or "" when it is due."""
    if conversation is None:
        return "no such conversation"
    profile = getattr(conversation, "profile", None)
    if conversation.last_inbound_at is None:
        return "the lead never wrote"
    if conversation.last_inbound_at > now - timedelta(hours=settings.FOLLOW_UP_AFTER_HOURS):
        return "not silent long enough"
    if conversation.followed_up_silence_of == conversation.last_inbound_at:
        return "already followed up for this silence"
    if profile is None or profile.completion_status:
        return "profile complete"
    if profile.manual_mode:
        return "manual mode"
    if conversation.handoff_state != HandoffState.BOT:
        return f"handoff state {conversation.handoff_state}"
    if conversation.blocked_at is not None:
        return "blocked"
    if conversation.marketing_opt_out_at is not None:
        return "opted out of marketing"
    return ""


def _claim(conversation: Conversation, now: datetime) -> bool:
    """One conditional UPDATE: only one caller answers a given silence, whoever runs."""
    silence_of = conversation.last_inbound_at
    return bool(
        Conversation.objects.filter(
            pk=conversation.pk,
            last_inbound_at=silence_of,
            handoff_state=HandoffState.BOT,
            blocked_at__isnull=True,
            marketing_opt_out_at__isnull=True,
        )
        .filter(Q(followed_up_silence_of__isnull=True) | Q(followed_up_silence_of__lt=silence_of))
        .update(followed_up_silence_of=silence_of, followed_up_at=now)
    )


def follow_up_conversation(conversation_id: int, *, now: datetime | None = None) -> str:
    """Send the follow-up to one lead if due; returns what happened, for the task result."""
    if not settings.FOLLOW_UP_ENABLED:
        return "follow-ups are off"
    now = now or timezone.now()
    conversation = Conversation.objects.select_related("profile").filter(pk=conversation_id).first()
    if reason := _not_due(conversation, now):
        return reason
    template = follow_up_template()
    if template is None:
        return "no usable follow-up template"
    values = follow_up_values(template, conversation, conversation.profile)
    if values is None:
        logger.warning(
            "No follow-up sent: a template variable cannot be filled from the profile",
            extra={"conversation_id": conversation_id, "template": template.name},
        )
        return "a variable cannot be filled"
    try:
        with transaction.atomic():
            if not _claim(conversation, now):
                return "already followed up for this silence"
            message = queue_template(conversation, template, values, sender=Sender.BOT)
            hours = (now - conversation.last_inbound_at).total_seconds() / 3600
            log_action(
                conversation.pk,
                LogAction.FOLLOW_UP,
                detail=f"{template} after {hours:.0f} h of silence, message {message.pk}",
            )
    except CannotSend as refusal:
        # Refused under the lock (blocked or opted out meanwhile): the claim rolled back.
        logger.info(
            "Follow-up refused", extra={"conversation_id": conversation_id, "reason": str(refusal)}
        )
        return f"refused: {refusal}"
    logger.info(
        "Follow-up queued", extra={"conversation_id": conversation_id, "message_id": message.pk}
    )
    return "sent"


def send_due_follow_ups(*, now: datetime | None = None) -> SweepSummary:
    """Follow up every due lead (the cron's sweep); each is claimed like the deferred check."""
    if not settings.FOLLOW_UP_ENABLED or follow_up_template() is None:
        return SweepSummary(sent=0, skipped=0)
    now = now or timezone.now()
    sent = skipped = 0
    ids = list(conversations_due_for_follow_up(now).values_list("pk", flat=True))
    for conversation_id in ids:
        if follow_up_conversation(conversation_id, now=now) == "sent":
            sent += 1
        else:
            skipped += 1
    return SweepSummary(sent=sent, skipped=skipped)
