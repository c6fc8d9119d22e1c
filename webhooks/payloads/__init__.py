"""Typed, total parsing of WhatsApp Cloud API webhook bodies; no Django, no I/O.

Call `parse_webhook(json.loads(request.body))` after the signature check; the rest of the code
reads these frozen dataclasses and never touches raw dicts.
"""

from .account import MessageEcho, TemplateUpdate, UserPreference
from .content import (
    ButtonContent,
    ContactsContent,
    EditContent,
    InteractiveContent,
    LocationContent,
    MediaContent,
    MessageContent,
    OrderContent,
    OrderItem,
    ReactionContent,
    RevokeContent,
    SharedContact,
    SystemContent,
    TextContent,
    UnsupportedContent,
)
from .envelope import Change, ChangeValue, Contact, Entry, WebhookPayload, parse_webhook
from .errors import WebhookError
from .messages import KNOWN_MESSAGE_TYPES, InboundMessage, MessageContext, Referral
from .statuses import Status

__all__ = [
    "KNOWN_MESSAGE_TYPES",
    "ButtonContent",
    "Change",
    "ChangeValue",
    "Contact",
    "ContactsContent",
    "EditContent",
    "Entry",
    "InboundMessage",
    "InteractiveContent",
    "LocationContent",
    "MediaContent",
    "MessageContent",
    "MessageContext",
    "MessageEcho",
    "OrderContent",
    "OrderItem",
    "ReactionContent",
    "Referral",
    "RevokeContent",
    "SharedContact",
    "Status",
    "SystemContent",
    "TemplateUpdate",
    "TextContent",
    "UnsupportedContent",
    "UserPreference",
    "WebhookError",
    "WebhookPayload",
    "parse_webhook",
]
