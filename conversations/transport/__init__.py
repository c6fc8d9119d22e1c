"""Sending to WhatsApp: `console` (default, logs) or `graph` (Meta's API), per settings."""

from django.conf import settings

from conversations.transport.base import (
    Outgoing,
    OutgoingMedia,
    OutgoingTemplate,
    OutgoingText,
    SendError,
    SendResult,
    Transport,
    send,
)

__all__ = [
    "Outgoing",
    "OutgoingMedia",
    "OutgoingTemplate",
    "OutgoingText",
    "SendError",
    "SendResult",
    "Transport",
    "get_transport",
    "send",
]


def get_transport() -> Transport:
    if settings.WHATSAPP_TRANSPORT == "graph":
        from conversations.transport.graph import GraphTransport

        return GraphTransport.from_settings()
    from conversations.transport.console import ConsoleTransport

    return ConsoleTransport()
