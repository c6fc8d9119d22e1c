"""Message templates: synced from Meta, kept current by its webhooks, and sent by staff.

`sync`: the list from the Graph API. `updates`: the status, quality and category webhooks.
`rendering`: variables, preview and send components. `sending`: the one send service.
"""

from conversations.services.templates.rendering import (
    TemplateVariable,
    render_preview,
    template_variables,
    unsupported_reason,
)
from conversations.services.templates.sending import (
    BLOCKED_REFUSAL,
    MARKETING_OPT_OUT_REFUSAL,
    check_template_resend,
    check_template_send,
    marketing_refused,
    outgoing_template,
    queue_template,
)
from conversations.services.templates.sync import SyncSummary, TemplateListError, sync_templates
from conversations.services.templates.updates import apply_template_update

__all__ = [
    "BLOCKED_REFUSAL",
    "MARKETING_OPT_OUT_REFUSAL",
    "SyncSummary",
    "TemplateListError",
    "TemplateVariable",
    "apply_template_update",
    "check_template_resend",
    "check_template_send",
    "marketing_refused",
    "outgoing_template",
    "queue_template",
    "render_preview",
    "sync_templates",
    "template_variables",
    "unsupported_reason",
]
