"""What the profile page's Bot panel shows: who answers, who looks after the lead, the thread,
the draft, and which buttons the viewer gets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from conversations.admin import staff_name
from conversations.models import ConversationLog, HandoffState
from conversations.selectors.dashboard import assignable_staff
from conversations.selectors.templates import TemplatePickerData
from conversations.services.assignment import ASSIGN_OTHERS, may_handle
from conversations.services.outbound import MAX_TEXT_LENGTH
from profiles.models import ClientProfile


@dataclass(frozen=True)
class AssignmentPanel:
    """Who looks after the conversation, and what the viewer may do about it: an agent takes
    an unassigned one or gives back their own; an Admin picks anyone (`choices`)."""

    assigned_name: str
    mine: bool
    can_take: bool
    can_release: bool
    choices: list = field(default_factory=list)
    assigned_id: int | None = None


def assignment_panel(user, conversation) -> AssignmentPanel:
    assigned = conversation.assigned_to
    others = user.has_perm(ASSIGN_OTHERS) and may_handle(user)
    mine = assigned is not None and assigned.pk == user.pk
    return AssignmentPanel(
        assigned_name=staff_name(assigned),
        mine=mine,
        can_take=may_handle(user) and not mine and (assigned is None or others),
        can_release=assigned is not None and (mine or others) and may_handle(user),
        choices=[(u.pk, staff_name(u)) for u in assignable_staff()] if others else [],
        assigned_id=assigned.pk if assigned else None,
    )


@dataclass(frozen=True)
class BotPanel:
    """What the "Bot" panel above the profile form shows; `can_change` decides the buttons."""

    can_change: bool
    who_answers: str
    handoff_label: str
    manual_mode: bool
    show_manual_on: bool
    show_hand_back: bool
    show_pause: bool
    window_open: bool
    window_closes_at: datetime | None
    window_closed_notice: str
    draft: str
    draft_created_at: datetime | None
    draft_token: str
    thread: str
    log: list[ConversationLog]
    log_url: str
    urls: dict[str, str]
    conversation_id: int
    # The page is current as of this live event; the websocket brings anything newer.
    live_since: int
    thread_url: str
    max_length: int = MAX_TEXT_LENGTH
    # Set by the user's "stop" in WhatsApp: marketing templates are refused while it is.
    marketing_opt_out_at: datetime | None = None
    # The template picker (None for Viewers) and the business's block on this contact.
    template_picker: TemplatePickerData | None = None
    blocked_at: datetime | None = None
    assignment: AssignmentPanel | None = None


def who_answers(profile: ClientProfile) -> str:
    """The handoff state and manual mode in one sentence an agent can act on."""
    state = profile.conversation.handoff_state
    if state == HandoffState.PAUSED:
        return "Paused: the bot neither answers nor drafts. Agents can still reply from here."
    reason = profile.conversation.handoff_reason
    if state == HandoffState.HUMAN and reason:
        return (
            f"The bot handed this conversation to a person ({reason}): reply here; the bot "
            "only writes drafts until someone hands it back."
        )
    if state == HandoffState.HUMAN:
        return (
            "An agent handles this conversation: the bot only writes drafts, "
            "until someone hands it back to the bot."
        )
    if profile.manual_mode:
        return "Manual mode: the bot writes drafts, and an agent approves each one before it goes."
    return "The bot answers on its own."
