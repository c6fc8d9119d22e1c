"""Outbound media: an agent's image or document, stored, queued, uploaded to Meta, sent by id.

The file is checked (type by content, size) and saved through the storage API before the
message is queued; the worker uploads it to Meta in the same attempt as the send, keeps
the media id on the row (a retry does not upload twice) and sends by id.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from pathlib import PurePath

from django.db import transaction

from conversations.models import (
    Conversation,
    MediaState,
    Message,
    MessageMedia,
    MessageType,
    Sender,
)
from conversations.selectors import within_customer_service_window
from conversations.services.media.caps import (
    KINDS,
    MediaRefused,
    check_size,
    extension_for,
    name_matches_type,
    sniff_mime_type,
)
from conversations.services.outbound import WINDOW_CLOSED_TITLE, CannotSend, queue_outbound
from conversations.transport import OutgoingMedia

logger = logging.getLogger(__name__)

# WhatsApp's limit on a media caption.
MAX_CAPTION_LENGTH = 1024
HASH_CHUNK = 64 * 1024


def check_media_window(conversation: Conversation) -> None:
    """A file is free-form like text: only inside the 24-hour window (a caption is optional)."""
    if not within_customer_service_window(conversation):
        raise CannotSend(WINDOW_CLOSED_TITLE)


def _checked_upload(upload, caption: str) -> tuple[str, str, str, str]:
    """(kind, mime type, file name, caption) of an agent's file, or CannotSend saying why."""
    if upload is None or not getattr(upload, "size", 0):
        raise CannotSend("Choose an image or a document to send.")
    caption = (caption or "").replace("\x00", "").strip()
    if len(caption) > MAX_CAPTION_LENGTH:
        raise CannotSend(
            f"WhatsApp captions are at most {MAX_CAPTION_LENGTH} characters "
            f"(this one has {len(caption)})."
        )
    filename = PurePath((upload.name or "").replace("\\", "/")).name.replace("\x00", "")[:200]
    mime_type = sniff_mime_type(upload, filename)
    if mime_type is None:
        raise CannotSend(
            "WhatsApp only takes JPEG or PNG images, and PDF, Word, Excel, PowerPoint or "
            "plain-text documents; this file is none of them."
        )
    if not name_matches_type(filename, mime_type):
        raise CannotSend(
            f"The file's name ({filename}) does not match its content ({mime_type}): "
            "rename it or pick the right file."
        )
    kind = "image" if mime_type in KINDS["image"].mime_types else "document"
    try:
        check_size(KINDS[kind], upload.size)
    except MediaRefused as refusal:
        raise CannotSend(str(refusal)) from refusal
    return kind, mime_type, filename or f"file{extension_for(mime_type)}", caption


def _sha256_of(upload) -> str:
    hasher = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(HASH_CHUNK), b""):
        hasher.update(chunk)
    upload.seek(0)
    return base64.b64encode(hasher.digest()).decode()


def queue_agent_media(conversation: Conversation, upload, *, caption: str = "", actor) -> Message:
    """Check, store and queue an agent's image or document (caption as its text).

    The caller holds the conversation's lock and does what follows an agent's reply (the
    handoff, the log): see `services.agent.send_agent_media`.
    """
    check_media_window(conversation)
    kind, mime_type, filename, caption = _checked_upload(upload, caption)
    media = MessageMedia(
        mime_type=mime_type,
        filename=filename,
        file_size=upload.size,
        sha256=_sha256_of(upload),
        state=MediaState.STORED,
    )
    # Storage is not transactional: the file goes first, and goes away if the rows do not.
    stored_name = f"agent-{kind}{extension_for(mime_type)}"
    media.file.save(stored_name, upload, save=False)
    try:
        with transaction.atomic():
            message = queue_outbound(
                conversation,
                type=MessageType.IMAGE if kind == "image" else MessageType.DOCUMENT,
                text=caption,
                sender=Sender.AGENT,
                actor=actor,
            )
            media.message = message
            media.stored_at = message.timestamp
            media.save()
    except BaseException:
        media.file.delete(save=False)
        raise
    logger.info(
        "Agent media queued",
        extra={"message_id": message.pk, "kind": kind, "bytes": upload.size},
    )
    return message


def outgoing_media(message: Message, transport, *, to_wa_id, to_bsuid) -> OutgoingMedia:
    """The send request for a queued image or document, uploading its file to Meta first.

    The media id Meta returns is kept on the row at once, so a send that fails after the
    upload (429, 5xx) is retried by id, without a second upload.
    """
    media = MessageMedia.objects.get(message=message)
    media_id = media.media_id
    if not media_id:
        with media.file.open("rb") as file:
            media_id = transport.upload_media(
                file, mime_type=media.mime_type, filename=media.filename
            )
        MessageMedia.objects.filter(pk=media.pk, media_id="").update(media_id=media_id)
        logger.info("Media uploaded to WhatsApp", extra={"message_id": message.pk})
    return OutgoingMedia(
        to_wa_id=to_wa_id,
        to_bsuid=to_bsuid,
        kind=message.type,
        media_id=media_id,
        caption=message.text,
        filename=media.filename if message.type == MessageType.DOCUMENT else "",
        idempotency_key=str(message.idempotency_key),
        reply_to_wamid=message.reply_to_wamid or None,
    )
