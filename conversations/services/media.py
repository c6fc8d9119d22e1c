"""Media files of messages: downloaded from Meta into storage, uploaded to Meta to send."""

from __future__ import annotations

from conversations.models import Message
from conversations.transport import OutgoingMedia


def outgoing_media(message: Message, transport, *, to_wa_id, to_bsuid) -> OutgoingMedia:
    """The send request for a queued image or document, uploading its file to Meta first."""
    raise NotImplementedError
