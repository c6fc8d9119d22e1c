"""Message templates: synced from Meta, kept current by its webhooks, and sent by staff."""

from __future__ import annotations

from conversations.models import Message
from conversations.transport import OutgoingTemplate
from webhooks.payloads import TemplateUpdate


def apply_template_update(update: TemplateUpdate) -> bool:
    """Apply a template status, quality or category webhook; False for a template we lack."""
    raise NotImplementedError


def outgoing_template(message: Message, *, to_wa_id, to_bsuid) -> OutgoingTemplate:
    """The send request for a queued template message."""
    raise NotImplementedError
