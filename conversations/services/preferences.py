"""A user's marketing-message preference, from WhatsApp's user_preferences webhook."""

from __future__ import annotations

from webhooks.payloads import Contact, UserPreference


def apply_user_preference(preference: UserPreference, contact: Contact | None) -> bool:
    """Store a stop or resume on the user's conversation; False when nothing changed."""
    raise NotImplementedError
