"""What staff do to a conversation: take over, hand back, reply, approve or discard drafts.

Every transition is written to the conversation's log with who and when. An agent's own
reply puts the conversation in `human` state, so the bot stays quiet (it only drafts) until
somebody hands it back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from conversations.models import (
    Conversation,
    DraftOutcome,
    DraftReview,
    HandoffState,
    LogAction,
    Message,
    MessageTemplate,
    ReplyState,
    Sender,
)
from conversations.services import live
from conversations.services.log import log_action
from conversations.services.outbound import CannotSend, check_can_send, queue_text
from conversations.services.reply_queue import claim_reply
from profiles.models import ClientProfile

logger = logging.getLogger(__name__)


class DraftChanged(CannotSend):
    """The draft on screen is no longer the one stored: approved, discarded or rewritten."""


def _lock_profile(profile_id: int) -> ClientProfile:
    return (
        ClientProfile.objects.select_for_update().select_related("conversation").get(pk=profile_id)
    )


@transaction.atomic
def set_manual_mode(profile: ClientProfile, enabled: bool, *, actor) -> bool:
    """Manual mode on: the bot only drafts. Returns False when it already was so."""
    profile = _lock_profile(profile.pk)
    if profile.manual_mode == enabled:
        return False
    profile.manual_mode = enabled
    profile.save(update_fields=["manual_mode"])
    log_action(
        profile.conversation_id,
        LogAction.MANUAL_ON if enabled else LogAction.MANUAL_OFF,
        actor=actor,
    )
    live.handoff_changed(profile.conversation_id)
    return True


@transaction.atomic
def set_handoff_state(conversation: Conversation, state: str, *, actor, reason: str = "") -> bool:
    """Who answers: the bot, an agent (`human`: the bot only drafts) or nobody (`paused`)."""
    if state not in HandoffState.values:
        raise ValueError(f"unknown handoff state {state!r}")
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    previous = conversation.handoff_state
    if previous == state:
        return False
    conversation.handoff_state = state
    if state == HandoffState.BOT:
        conversation.handoff_reason = ""  # the bot's in charge again: nothing waits for a person
    conversation.save(update_fields=["handoff_state", "handoff_reason", "updated_at"])
    log_action(
        conversation.pk, LogAction.HANDOFF, actor=actor, detail=_moved(previous, state, reason)
    )
    live.handoff_changed(conversation.pk)
    return True


def _moved(previous: str, state: str, reason: str = "") -> str:
    """A handoff's log line, "Bot replies → Agent handles (why)": the analytics page counts
    handoffs to a person by its arrow and label (selectors.analytics.HANDED_TO_HUMAN)."""
    return f"{HandoffState(previous).label} → {HandoffState(state).label} {reason}".strip()


def bot_hands_over(conversation: Conversation, reason: str) -> bool:
    """The bot met a question only a person can answer: `human` state, logged as the bot's,
    with the reason the dashboard shows. A paused conversation stays paused.

    Called inside the bot's turn, which holds the conversation's row lock: `conversation` is
    that row as locked, so it is neither read nor locked again (one UPDATE, one log line).
    """
    previous = conversation.handoff_state
    if previous == HandoffState.PAUSED:
        return False
    conversation.handoff_state = HandoffState.HUMAN
    conversation.handoff_reason = reason[:255]
    conversation.save(update_fields=["handoff_state", "handoff_reason", "updated_at"])
    if previous != HandoffState.HUMAN:
        detail = _moved(previous, HandoffState.HUMAN, f"(bot: {reason})")
        log_action(conversation.pk, LogAction.HANDOFF, detail=detail)
    live.handoff_changed(conversation.pk, conversation=conversation)
    return True


@transaction.atomic
def hand_back_to_bot(profile: ClientProfile, *, actor) -> None:
    """One click: manual mode off and the bot in charge again."""
    set_manual_mode(profile, False, actor=actor)
    set_handoff_state(profile.conversation, HandoffState.BOT, actor=actor)


def _mark_waiting_messages_answered(conversation_id: int) -> None:
    """The agent's reply answers what the user wrote: the bot must not answer it too."""
    waiting = list(
        Message.objects.filter(conversation_id=conversation_id, reply_state=ReplyState.PENDING)
    )
    for message in waiting:
        claim_reply(message)
    Message.objects.filter(pk__in=[m.pk for m in waiting]).update(reply_state=ReplyState.BY_AGENT)


@transaction.atomic
def send_agent_reply(conversation: Conversation, text: str, *, actor) -> Message:
    """An agent's own words to the user; the conversation becomes theirs (`human`)."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    text = check_can_send(conversation, text)
    message = queue_text(conversation, text=text, sender=Sender.AGENT, actor=actor)
    _agent_answered(conversation, message, LogAction.AGENT_REPLY, actor=actor, reason="replied")
    return message


def _agent_answered(
    conversation, message: Message, action: str, *, actor, reason: str, detail: str = ""
) -> None:
    """What follows anything an agent sends: theirs now (`human`), the bot quiet, logged."""
    set_handoff_state(conversation, HandoffState.HUMAN, actor=actor, reason=f"(agent {reason})")
    _mark_waiting_messages_answered(conversation.pk)
    log_action(conversation.pk, action, actor=actor, detail=detail or f"message {message.pk}")


@transaction.atomic
def send_agent_media(conversation: Conversation, upload, *, caption: str = "", actor) -> Message:
    """An agent's image or document, with a caption; like a reply, the conversation is theirs."""
    from conversations.services.media import queue_agent_media

    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    message = queue_agent_media(conversation, upload, caption=caption, actor=actor)
    _agent_answered(conversation, message, LogAction.MEDIA_SENT, actor=actor, reason="sent a file")
    return message


@transaction.atomic
def send_agent_template(
    conversation: Conversation, template: MessageTemplate, params: dict, *, actor
) -> Message:
    """An approved template picked by an agent (any time, also after 24 hours); theirs now."""
    from conversations.services.templates import queue_template

    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    message = queue_template(conversation, template, params, sender=Sender.AGENT, actor=actor)
    _agent_answered(
        conversation,
        message,
        LogAction.TEMPLATE_SENT,
        actor=actor,
        reason="sent a template",
        detail=f"{template} as message {message.pk}",
    )
    return message


@transaction.atomic
def set_blocked(conversation: Conversation, blocked: bool, *, actor) -> bool:
    """Block: messages are still stored, but the bot stays quiet and no template goes out."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if (conversation.blocked_at is not None) == blocked:
        return False
    conversation.blocked_at = timezone.now() if blocked else None
    conversation.save(update_fields=["blocked_at", "updated_at"])
    log_action(conversation.pk, LogAction.BLOCKED if blocked else LogAction.UNBLOCKED, actor=actor)
    live.handoff_changed(conversation.pk)
    return True


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _check_draft(profile: ClientProfile, shown_created_at: datetime | None) -> str:
    if not profile.ai_draft:
        raise DraftChanged("There is no draft any more: someone approved or discarded it.")
    if shown_created_at is not None and profile.ai_draft_created_at != shown_created_at:
        raise DraftChanged("The bot wrote a newer draft meanwhile: read it before sending.")
    return profile.ai_draft


@transaction.atomic
def approve_draft(
    profile: ClientProfile, text: str, *, actor, shown_created_at: datetime | None = None
) -> Message:
    """Send the draft as the agent left it; keep the original, the sent text, who and when."""
    profile = _lock_profile(profile.pk)
    original = _check_draft(profile, shown_created_at)
    conversation = Conversation.objects.select_for_update().get(pk=profile.conversation_id)
    text = check_can_send(conversation, text)
    message = queue_text(conversation, text=text, sender=Sender.BOT, actor=actor)
    edited = not _same_words(text, original)
    DraftReview.objects.create(
        conversation=conversation,
        outcome=DraftOutcome.APPROVED,
        original_draft=original,
        sent_text=text,
        edited=edited,
        message=message,
        reviewed_by=actor,
    )
    profile.ai_draft = ""
    profile.ai_draft_created_at = None
    profile.save(update_fields=["ai_draft", "ai_draft_created_at"])
    log_action(
        conversation.pk,
        LogAction.DRAFT_APPROVED,
        actor=actor,
        detail="edited before sending" if edited else "sent as written",
    )
    live.draft_changed(profile, action="approved")
    return message


@transaction.atomic
def discard_draft(
    profile: ClientProfile, *, actor, shown_created_at: datetime | None = None
) -> DraftReview:
    profile = _lock_profile(profile.pk)
    original = _check_draft(profile, shown_created_at)
    review = DraftReview.objects.create(
        conversation_id=profile.conversation_id,
        outcome=DraftOutcome.DISCARDED,
        original_draft=original,
        reviewed_by=actor,
    )
    profile.ai_draft = ""
    profile.ai_draft_created_at = None
    profile.save(update_fields=["ai_draft", "ai_draft_created_at"])
    log_action(profile.conversation_id, LogAction.DRAFT_DISCARDED, actor=actor)
    live.draft_changed(profile, action="discarded")
    return review


def draft_created_at_token(profile: ClientProfile) -> str:
    """What the profile page sends back so a stale draft is never approved by mistake."""
    created = profile.ai_draft_created_at
    return created.isoformat() if created else ""


def parse_draft_token(token: str | None) -> datetime:
    """The draft's time as the page showed it; a missing or garbled token is refused."""
    try:
        parsed = datetime.fromisoformat(token or "")
    except ValueError:
        parsed = None
    if parsed is None or not timezone.is_aware(parsed):
        raise DraftChanged("This page does not say which draft it shows: reload it.")
    return parsed
