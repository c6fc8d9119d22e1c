"""An agent's reply sent through the REST API, made safe to retry with an Idempotency-Key.

A CRM that timed out waiting for our answer cannot know whether the reply went out; it
sends the same POST again with the same key, and gets the message the first POST created
instead of a second copy on the user's phone. The key row is written in the reply's own
transaction, so two concurrent POSTs with one key cannot both send: the second one's
INSERT fails, its message and send task roll back with it, and it answers with the first.
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction

from conversations.models import ApiIdempotencyKey, Conversation, Message
from conversations.services.agent import send_agent_reply


class IdempotencyKeyReused(ValueError):
    """The key was already used by this user for a different request."""


def _digest(conversation: Conversation, text: str) -> str:
    return hashlib.sha256(f"{conversation.pk}\n{text}".encode()).hexdigest()


def _first_result(user, key: str, digest: str) -> Message | None:
    row = (
        ApiIdempotencyKey.objects.select_related("message")
        .filter(user=user, key=key)
        .only("request_digest", "message")
        .first()
    )
    if row is None:
        return None
    if row.request_digest != digest:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for another request; use a new key."
        )
    return row.message


def send_reply_once(
    conversation: Conversation, text: str, *, actor, key: str | None
) -> tuple[Message, bool]:
    """The message, and whether this call created it (False: a retry got the first one).

    Same guard as the admin's reply box (`send_agent_reply`: empty, too long, 24 hours).
    """
    if not key:
        return send_agent_reply(conversation, text, actor=actor), True
    digest = _digest(conversation, text)
    first = _first_result(actor, key, digest)
    if first is not None:
        return first, False
    try:
        with transaction.atomic():
            message = send_agent_reply(conversation, text, actor=actor)
            ApiIdempotencyKey.objects.create(
                user=actor, key=key, request_digest=digest, message=message
            )
    except IntegrityError:
        first = _first_result(actor, key, digest)
        if first is None:
            raise
        return first, False
    return message, True
