"""Messages the business typed in the WhatsApp Business app on its own phone (coexistence)."""

from __future__ import annotations

from webhooks.payloads import Contact, MessageEcho


def record_message_echo(echo: MessageEcho, contact: Contact | None) -> bool:
    """Store the echo as an outbound message once per wamid; False when it was already stored."""
    raise NotImplementedError
