"""Inbound media: a row and a download task with the message, then the worker's download.

The file is streamed from Meta in chunks into a temporary file while it is hashed and
counted, checked against Meta's sha256 and WhatsApp's caps, and only then saved through
Django's storage API (local files, or an S3 bucket). No database connection is held
while the bytes flow, and no file is ever read into memory whole.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from conversations.models import MediaState, Message, MessageMedia
from conversations.services import live
from conversations.services.media.caps import (
    KINDS,
    MediaRefused,
    base_mime_type,
    check_size,
    check_type,
    extension_for,
)
from conversations.transport.graph_media import CHUNK_BYTES, GraphMediaClient, MediaFetchError
from webhooks.payloads import MediaContent

logger = logging.getLogger(__name__)

DOWNLOADS_OFF = "Not downloaded: media downloads are off (WHATSAPP_MEDIA_DOWNLOAD=false)."
NO_CONNECTION = "Not downloaded: no WhatsApp connection (console transport)."
# A pending download untouched this long lost its worker (default backoffs wait 4 min at most).
STALE_PENDING = timedelta(minutes=30)
# A host that labels bytes this way says nothing about them; the media info's type decides.
GENERIC_TYPES = {"application/octet-stream", "binary/octet-stream"}
_HEX_DIGEST = re.compile(r"^[0-9a-fA-F]{64}$")


def _clean(value: str | None, max_length: int) -> str:
    return (value or "").replace("\x00", "")[:max_length]


def _not_downloadable_reason() -> str:
    """Why this install fetches nothing, or "" when it downloads from Meta."""
    if not settings.WHATSAPP_MEDIA_DOWNLOAD:
        return DOWNLOADS_OFF
    if settings.WHATSAPP_TRANSPORT != "graph":
        return NO_CONNECTION
    return ""


def attach_inbound_media(message: Message, content: MediaContent) -> MessageMedia | None:
    """The media row of a newly stored message, and its download task, in the caller's transaction.

    Both are committed with the message or not at all; a message Meta sent without a media id
    (an error in the webhook) gets a row that says so instead of a task.
    """
    from conversations.tasks import download_media_task

    if content.kind not in KINDS:
        return None
    media = MessageMedia(
        message=message,
        media_id=_clean(content.media_id, 255),
        mime_type=_clean(content.mime_type, 255),
        sha256=_clean(content.sha256, 128),
        filename=_clean(content.filename, 255),
    )
    reason = _not_downloadable_reason()
    if not media.media_id:
        media.state, media.error = MediaState.FAILED, "WhatsApp sent no media id for this file."
    elif reason:
        media.state, media.error = MediaState.DISABLED, reason
    media.save()
    if media.state == MediaState.PENDING:
        download_media_task.enqueue(media.pk, 0)
    return media


def download_media(media_pk: int, attempt: int) -> str:
    """One download attempt of an inbound file; safe to run twice (the claim decides).

    Returns the state it left the file in, for the task's result.
    """
    media = MessageMedia.objects.select_related("message").filter(pk=media_pk).first()
    if media is None:
        return "missing"
    if media.state != MediaState.PENDING:
        return media.state
    if reason := _not_downloadable_reason():
        _finish(media, state=MediaState.DISABLED, error=reason)
        return MediaState.DISABLED
    claimed = MessageMedia.objects.filter(
        pk=media.pk, state=MediaState.PENDING, attempts=attempt
    ).update(attempts=attempt + 1, updated_at=timezone.now())
    if not claimed:
        return "claimed elsewhere"
    media.attempts = attempt + 1
    kind = KINDS[media.message.type]
    if not connection.in_atomic_block:
        # Back to the pool while the bytes flow: a slow download must not hold a connection.
        connection.close()
    try:
        with tempfile.TemporaryFile(prefix="whatsapp-media-") as spool:
            info, digest, size = _fetch(media, kind, spool)
            spool.seek(0)
            _store(media, info, digest, size, spool)
    except MediaRefused as refusal:
        _finish(media, state=MediaState.REFUSED, error=str(refusal))
        logger.warning("Inbound media refused", extra={"media_pk": media.pk, "kind": kind.name})
        return MediaState.REFUSED
    except MediaFetchError as error:
        return _failed(media, error.title, retryable=error.retryable)
    except Exception:
        # Never left "being downloaded" for good: anything unforeseen is retried like a 5xx.
        logger.exception("Media download crashed", extra={"media_pk": media.pk})
        return _failed(media, "Unexpected error while downloading", retryable=True)
    return MediaState.STORED


def _fetch(media: MessageMedia, kind, spool):
    """Info, caps, then the bytes into `spool`; a 404 on the URL gets a fresh one, once."""
    client = GraphMediaClient.from_settings()
    for fresh_url_tries in (1, 0):
        info = client.media_info(media.media_id)
        check_type(kind, info.mime_type or media.mime_type)
        check_size(kind, info.file_size)
        try:
            digest, size = _stream(client, info.url, kind, spool)
        except MediaFetchError as error:
            if error.expired and fresh_url_tries:
                logger.info("Media URL expired; fetching a fresh one", extra={"media_pk": media.pk})
                continue
            raise
        _check_sha256(info.sha256 or media.sha256, digest)
        return info, digest, size
    raise AssertionError("unreachable")


def _stream(client: GraphMediaClient, url: str, kind, spool) -> tuple[bytes, int]:
    spool.seek(0)
    spool.truncate()
    hasher, size = hashlib.sha256(), 0
    with client.download(url) as response:
        served = base_mime_type(response.headers.get("Content-Type"))
        if served and served not in GENERIC_TYPES:
            check_type(kind, served)
        declared = response.headers.get("Content-Length")
        check_size(kind, int(declared) if declared and declared.isdigit() else None)
        try:
            for chunk in response.iter_content(CHUNK_BYTES):
                size += len(chunk)
                # Stop as soon as it is too large, whatever the headers said.
                check_size(kind, size)
                hasher.update(chunk)
                spool.write(chunk)
        except MediaRefused:
            raise
        except Exception as exc:  # a connection that broke off halfway
            raise MediaFetchError(
                f"The download broke off ({type(exc).__name__})", retryable=True
            ) from exc
    return hasher.digest(), size


def _expected_digest(reported: str) -> bytes | None:
    """Meta's sha256: base64 of the digest in webhooks and media info; hex is accepted too."""
    reported = reported.strip()
    if _HEX_DIGEST.match(reported):
        return bytes.fromhex(reported)
    try:
        digest = base64.b64decode(reported + "=" * (-len(reported) % 4), validate=True)
    except (binascii.Error, ValueError):
        digest = None
    return digest if digest is not None and len(digest) == 32 else None


def _check_sha256(reported: str, digest: bytes) -> None:
    if not reported:
        return  # Meta said nothing to check against
    expected = _expected_digest(reported)
    if expected is None or not hmac.compare_digest(expected, digest):
        raise MediaFetchError(
            "The file's sha256 does not match what WhatsApp reported", retryable=True
        )


def _store(media: MessageMedia, info, digest: bytes, size: int, spool) -> None:
    """Save through the storage API first, then record it; a failed save is retried."""
    mime_type = _clean(info.mime_type or media.mime_type, 255)
    name = f"{media.message.type}-{media.pk}{extension_for(mime_type)}"
    try:
        media.file.save(name, File(spool, name=name), save=False)
    except OSError as exc:
        raise MediaFetchError(
            f"Could not save the file ({type(exc).__name__})", retryable=True
        ) from exc
    with transaction.atomic():
        MessageMedia.objects.filter(pk=media.pk).update(
            state=MediaState.STORED,
            file=media.file.name,
            mime_type=mime_type,
            file_size=size,
            sha256=media.sha256 or base64.b64encode(digest).decode(),
            error="",
            stored_at=timezone.now(),
            updated_at=timezone.now(),
        )
        live.media_changed(media.message)
    logger.info("Inbound media stored", extra={"media_pk": media.pk, "bytes": size})


def _finish(media: MessageMedia, *, state: str, error: str) -> None:
    with transaction.atomic():
        MessageMedia.objects.filter(pk=media.pk).update(
            state=state, error=error[:255], updated_at=timezone.now()
        )
        live.media_changed(media.message)


def _failed(media: MessageMedia, title: str, *, retryable: bool) -> str:
    """Retried with backoff while attempts remain; then "Media unavailable" for an agent."""
    from conversations.tasks import download_media_task, enqueue_later

    attempt = media.attempts
    if retryable and attempt < settings.WHATSAPP_MEDIA_MAX_ATTEMPTS:
        delay = settings.WHATSAPP_MEDIA_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
        with transaction.atomic():
            MessageMedia.objects.filter(pk=media.pk, state=MediaState.PENDING).update(
                error=f"Will retry: {title}"[:255], updated_at=timezone.now()
            )
            enqueue_later(download_media_task, delay, media.pk, attempt)
        logger.info(
            "Media download failed; will retry",
            extra={"media_pk": media.pk, "attempt": attempt, "delay": delay},
        )
        return MediaState.PENDING
    _finish(media, state=MediaState.FAILED, error=title)
    logger.warning("Media download failed", extra={"media_pk": media.pk, "attempts": attempt})
    return MediaState.FAILED


def retry_media_download(media: MessageMedia, *, actor) -> bool:
    """An agent's Retry on "Media unavailable": a fresh round of attempts, now.

    A download stuck "pending" for long (its worker died mid-download) may be retried too.
    """
    from conversations.tasks import download_media_task

    stale = timezone.now() - STALE_PENDING
    retryable = Q(state=MediaState.FAILED) | Q(state=MediaState.PENDING, updated_at__lt=stale)
    with transaction.atomic():
        if not MessageMedia.objects.filter(retryable, pk=media.pk).update(
            state=MediaState.PENDING, attempts=0, error="", updated_at=timezone.now()
        ):
            return False
        download_media_task.enqueue(media.pk, 0)
        live.media_changed(Message.objects.get(pk=media.message_id))
    logger.info(
        "Media download retried by an agent",
        extra={"media_pk": media.pk, "actor_id": getattr(actor, "pk", None)},
    )
    return True
