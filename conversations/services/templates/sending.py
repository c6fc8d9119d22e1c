"""Sending an approved template: one service for the agent's picker, the follow-up and an API.

The checks run under a lock on the conversation, so a block or a marketing opt-out that
lands meanwhile is seen. The row is queued like a text (same task, key and retries); the
24-hour window does not apply to templates (`deliver_message` skips it for them).
"""

from __future__ import annotations

from django.db import transaction

from conversations.models import (
    Conversation,
    Message,
    MessageTemplate,
    MessageType,
    TemplateCategory,
    TemplateStatus,
)
from conversations.services.outbound import CannotSend, queue_outbound
from conversations.services.templates.rendering import (
    BODY_PARAM_MAX,
    HEADER_PARAM_MAX,
    clean_value,
    render_preview,
    send_components,
    template_variables,
    unsupported_reason,
)
from conversations.transport import OutgoingTemplate

BLOCKED_REFUSAL = (
    "This contact is blocked: no template or follow-up is sent to them. Unblock them first."
)
MARKETING_OPT_OUT_REFUSAL = (
    "The user stopped marketing messages on WhatsApp: marketing templates cannot be sent to "
    "them until they resume. A utility template can still be sent."
)


def marketing_refused(conversation: Conversation, template: MessageTemplate) -> bool:
    return (
        template.category == TemplateCategory.MARKETING
        and conversation.marketing_opt_out_at is not None
    )


def check_template_send(
    conversation: Conversation, template: MessageTemplate, params: dict[str, object]
) -> dict[str, str]:
    """The cleaned values to send, or CannotSend with what is wrong, in an agent's words."""
    if conversation.blocked_at is not None:
        raise CannotSend(BLOCKED_REFUSAL)
    if template.status != TemplateStatus.APPROVED or template.missing_since is not None:
        status = (
            "no longer listed by Meta"
            if template.missing_since is not None
            else TemplateStatus(template.status).label.lower()
            if template.status in TemplateStatus.values
            else template.status
        )
        raise CannotSend(
            f"The template {template} is {status}: only approved templates can be sent."
        )
    if reason := unsupported_reason(template):
        raise CannotSend(reason)
    if marketing_refused(conversation, template):
        raise CannotSend(MARKETING_OPT_OUT_REFUSAL)

    variables = template_variables(template)
    expected = {variable.field for variable in variables}
    given = set(params)
    if given != expected:
        wanted = ", ".join(variable.label for variable in variables) or "none"
        if len(given) != len(expected):
            raise CannotSend(
                f"The template {template} takes {len(expected)} variable"
                f"{'s' if len(expected) != 1 else ''} ({wanted}); {len(given)} given."
            )
        unknown = ", ".join(sorted(given - expected))
        raise CannotSend(f"The template {template} has no variable {unknown}; it takes {wanted}.")
    values = {}
    for variable in variables:
        value = clean_value(params[variable.field])
        if not value:
            raise CannotSend(f"Fill in every variable: {variable.label} is empty.")
        limit = HEADER_PARAM_MAX if variable.component == "header" else BODY_PARAM_MAX
        if len(value) > limit:
            raise CannotSend(
                f"{variable.label} is {len(value)} characters long; WhatsApp allows {limit}."
            )
        values[variable.field] = value
    return values


def check_template_resend(message: Message) -> None:
    """Retrying a failed template: it goes out again only where a new send would be allowed.

    The stored components are resent as they are; the 24-hour window does not apply.
    """
    conversation = message.conversation
    template = (
        MessageTemplate.objects.filter(pk=message.template_id).first()
        if message.template_id
        else None
    )
    if conversation.blocked_at is not None:
        raise CannotSend(BLOCKED_REFUSAL)
    if template is None:
        raise CannotSend("The template this message was sent from is no longer stored.")
    if template.status != TemplateStatus.APPROVED or template.missing_since is not None:
        raise CannotSend(f"The template {template} is not approved now: sync the templates.")
    if marketing_refused(conversation, template):
        raise CannotSend(MARKETING_OPT_OUT_REFUSAL)


def queue_template(
    conversation: Conversation,
    template: MessageTemplate,
    params: dict[str, object],
    *,
    sender: str,
    actor=None,
) -> Message:
    """Queue one template message; refused (CannotSend) before anything is written.

    `params` maps each variable's field ("body.1", "header.1", "body.customer_name") to its
    value. The row's text is the preview a person reads; `content` holds what Meta gets.
    """
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        template = MessageTemplate.objects.get(pk=template.pk)
        values = check_template_send(conversation, template, params)
        return queue_outbound(
            conversation,
            type=MessageType.TEMPLATE,
            text=render_preview(template, values),
            sender=sender,
            actor=actor,
            template=template,
            content={
                "template": {
                    "name": template.name,
                    "language": template.language,
                    "category": template.category,
                    "components": send_components(template, values),
                },
                "params": values,
            },
        )


def outgoing_template(message: Message, *, to_wa_id, to_bsuid) -> OutgoingTemplate:
    """The send request for a queued template message, from what was stored when queued."""
    stored = (message.content or {}).get("template") or {}
    return OutgoingTemplate(
        to_wa_id=to_wa_id,
        to_bsuid=to_bsuid,
        name=str(stored.get("name", "")),
        language=str(stored.get("language", "")),
        components=tuple(stored.get("components") or ()),
        idempotency_key=str(message.idempotency_key),
    )
