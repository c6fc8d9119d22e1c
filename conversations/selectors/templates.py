"""Reads about templates: what the picker offers a conversation, and who is due a follow-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q

from conversations.models import (
    Conversation,
    HandoffState,
    MessageTemplate,
    TemplateStatus,
)
from conversations.services.templates.rendering import (
    PreviewSection,
    TemplateVariable,
    clean_value,
    preview_sections,
    template_variables,
    unsupported_reason,
)
from conversations.services.templates.sending import (
    MARKETING_OPT_OUT_REFUSAL,
    marketing_refused,
)


@dataclass(frozen=True, slots=True)
class TemplateChoice:
    """One language of one template in the picker; `refusal` says why it cannot be picked."""

    template: MessageTemplate
    refusal: str

    @property
    def marketing(self) -> bool:
        return self.template.category == "MARKETING"


@dataclass(frozen=True, slots=True)
class TemplateGroup:
    name: str
    choices: tuple[TemplateChoice, ...]


@dataclass(frozen=True, slots=True)
class VariableInput:
    variable: TemplateVariable
    value: str


@dataclass(frozen=True, slots=True)
class TemplatePickerData:
    groups: tuple[TemplateGroup, ...]
    selected: TemplateChoice | None
    inputs: tuple[VariableInput, ...]
    preview: tuple[PreviewSection, ...]
    suggestions: tuple[tuple[str, str], ...]  # (label, value) from the profile


def sendable_templates():
    """Approved templates Meta still lists: the only ones worth offering."""
    return MessageTemplate.objects.filter(
        status=TemplateStatus.APPROVED, missing_since__isnull=True
    ).order_by("name", "language")


def template_picker(
    conversation: Conversation,
    *,
    selected_id: str | None,
    values: dict[str, str],
    suggestions: tuple[tuple[str, str], ...],
    prefill: Callable[[TemplateVariable], str] | None = None,
) -> TemplatePickerData:
    """Everything the picker shows, in one query for the templates.

    A variable shows the value typed (`values`), else `prefill`'s (from the profile).
    """
    groups: dict[str, list[TemplateChoice]] = {}
    selected = None
    for template in sendable_templates():
        refusal = unsupported_reason(template) or (
            MARKETING_OPT_OUT_REFUSAL if marketing_refused(conversation, template) else ""
        )
        choice = TemplateChoice(template=template, refusal=refusal)
        groups.setdefault(template.name, []).append(choice)
        if selected_id and str(template.pk) == selected_id:
            selected = choice
    inputs: tuple[VariableInput, ...] = ()
    preview: tuple[PreviewSection, ...] = ()
    if selected is not None:
        variables = template_variables(selected.template)
        shown = {
            v.field: (values[v.field] if v.field in values else prefill(v) if prefill else "")
            for v in variables
        }
        inputs = tuple(VariableInput(v, shown[v.field]) for v in variables)
        shown = {field: clean_value(value) for field, value in shown.items()}
        preview = tuple(preview_sections(selected.template, shown))
    return TemplatePickerData(
        groups=tuple(TemplateGroup(name, tuple(choices)) for name, choices in groups.items()),
        selected=selected,
        inputs=inputs,
        preview=preview,
        suggestions=suggestions,
    )


def conversations_due_for_follow_up(now: datetime):
    """Leads silent for FOLLOW_UP_AFTER_HOURS, incomplete, bot in charge, not yet followed up.

    The follow-up service checks each again and claims it; this only narrows the sweep.
    """
    silent_since = now - timedelta(hours=settings.FOLLOW_UP_AFTER_HOURS)
    return (
        Conversation.objects.filter(
            last_inbound_at__lte=silent_since,
            handoff_state=HandoffState.BOT,
            blocked_at__isnull=True,
            marketing_opt_out_at__isnull=True,
            profile__completion_status=False,
            profile__manual_mode=False,
        )
        .filter(
            Q(followed_up_silence_of__isnull=True)
            | Q(followed_up_silence_of__lt=F("last_inbound_at"))
        )
        .order_by("last_inbound_at", "pk")
    )
