"""Media files of messages: downloaded from Meta into storage, uploaded to Meta to send.

`caps`: what WhatsApp accepts per kind. `download`: inbound files, fetched by the worker.
`upload`: an agent's image or document, queued, uploaded and sent by id.
"""

from conversations.services.media.caps import KINDS, MediaRefused
from conversations.services.media.download import (
    attach_inbound_media,
    download_media,
    retry_media_download,
)
from conversations.services.media.upload import (
    check_media_window,
    outgoing_media,
    queue_agent_media,
)

__all__ = [
    "KINDS",
    "MediaRefused",
    "attach_inbound_media",
    "check_media_window",
    "download_media",
    "outgoing_media",
    "queue_agent_media",
    "retry_media_download",
]
