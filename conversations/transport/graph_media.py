"""Meta's media endpoints (whatsapp.md §13): a media id's info, its download, an upload.

`GET /{media-id}` answers a short-lived URL (5 minutes) with the file's type, size and
sha256; `GET <url>` with the same bearer token streams the bytes; `POST
/{phone-number-id}/media` uploads a file for sending. Bodies are streamed both ways: a
100 MB document never sits in memory whole.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

import requests

from conversations.transport.base import OutgoingMedia, SendError
from conversations.transport.graph_api import PhoneNumberClient, graph_error, retryable_status

logger = logging.getLogger(__name__)

# Some of Meta's media hosts refuse a request without one (whatsapp.md §13).
USER_AGENT = "whatsapp-backoffice/1.0 (+https://developers.facebook.com/docs/whatsapp)"
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """`GET /{media-id}`'s answer; `file_size` arrives as a number or a numeric string."""

    media_id: str
    url: str
    mime_type: str
    sha256: str
    file_size: int | None


class MediaFetchError(Exception):
    """A media id's info or bytes could not be had; `retryable` says whether to try later.

    `expired` marks a 404 on the short-lived URL: a fresh URL from `GET /{media-id}` helps.
    """

    def __init__(self, title: str, *, retryable: bool, expired: bool = False, status=None):
        super().__init__(title)
        self.title = title
        self.retryable = retryable
        self.expired = expired
        self.status = status


def _refusal(response: requests.Response) -> tuple[int | None, str]:
    """Meta's error code and message; unlike a message send's, the title leaves out `details`."""
    error = graph_error(response)
    return error.code, (error.message or f"HTTP {response.status_code}")[:200]


def _as_size(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


class GraphMediaClient(PhoneNumberClient):
    @property
    def headers(self) -> dict[str, str]:
        return {**super().headers, "User-Agent": USER_AGENT}

    # Inbound: info, then the bytes -------------------------------------------------------

    def media_info(self, media_id: str) -> MediaInfo:
        params = {"phone_number_id": self.phone_number_id} if self.phone_number_id else None
        response = self._get(f"{self.base_url}/{media_id}", params=params)
        if not response.ok:
            code, title = _refusal(response)
            status = response.status_code
            if status in (400, 404) or code == 100:
                # Unknown id, or past the 7 days Meta keeps inbound media.
                title = f"WhatsApp no longer has this file (media ids last 7 days): {title}"
            raise MediaFetchError(title, retryable=retryable_status(status), status=status)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("url"), str) or not data["url"]:
            raise MediaFetchError("WhatsApp's media info has no download URL", retryable=True)
        return MediaInfo(
            media_id=str(data.get("id") or media_id),
            url=data["url"],
            mime_type=str(data.get("mime_type") or ""),
            sha256=str(data.get("sha256") or ""),
            file_size=_as_size(data.get("file_size")),
        )

    @contextmanager
    def download(self, url: str) -> Iterator[requests.Response]:
        """The streamed response for a media URL; read it with `iter_content`, then it closes."""
        response = self._get(url, stream=True)
        try:
            if response.status_code in (404, 410):
                raise MediaFetchError(
                    "The download URL expired", retryable=True, expired=True, status=404
                )
            if not response.ok:
                status = response.status_code
                raise MediaFetchError(
                    f"WhatsApp refused the download (HTTP {status})",
                    retryable=retryable_status(status),
                    status=status,
                )
            yield response
        finally:
            response.close()

    def _get(self, url: str, **kwargs) -> requests.Response:
        """A signed GET; not reaching Meta at all is worth another try."""
        try:
            return self.session.get(url, headers=self.headers, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise MediaFetchError(
                f"Could not reach WhatsApp ({type(exc).__name__})", retryable=True
            ) from exc

    # Outbound: an upload ------------------------------------------------------------------

    def upload(self, file: BinaryIO, *, mime_type: str, filename: str) -> str:
        """Upload a file for sending; its media id, or SendError (retryable on 429/5xx)."""
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
        body = MultipartBody(
            fields={"messaging_product": "whatsapp", "type": mime_type},
            file=file,
            size=size,
            filename=filename,
            mime_type=mime_type,
        )
        try:
            response = self.session.post(
                f"{self.base_url}/{self.phone_number_id}/media",
                data=body,
                headers={**self.headers, "Content-Type": body.content_type},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            # Nothing was sent yet: an upload without its answer only leaves an unused file.
            raise SendError(
                f"Could not upload the file to WhatsApp ({type(exc).__name__})", retryable=True
            ) from exc
        if not response.ok:
            code, title = _refusal(response)
            status = response.status_code
            logger.warning(
                "WhatsApp refused a media upload", extra={"status": status, "code": code}
            )
            raise SendError(
                f"Upload refused: {title}", code=code, retryable=retryable_status(status)
            )
        try:
            media_id = response.json().get("id")
        except (ValueError, AttributeError):
            media_id = None
        if not isinstance(media_id, str) or not media_id:
            raise SendError("WhatsApp took the upload but gave no media id", retryable=True)
        return media_id


def media_payload(message: OutgoingMedia) -> dict:
    """The send of an uploaded file by its id (the recipient is added by the transport)."""
    media: dict = {"id": message.media_id}
    if message.caption:
        media["caption"] = message.caption
    if message.kind == "document" and message.filename:
        media["filename"] = message.filename
    body: dict = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "type": message.kind,
        message.kind: media,
        "biz_opaque_callback_data": message.idempotency_key,
    }
    if message.reply_to_wamid:
        body["context"] = {"message_id": message.reply_to_wamid}
    return body


class MultipartBody:
    """A multipart/form-data body read in chunks, with its length known up front.

    `requests` streams any object with `read` and a length, and sends Content-Length, so
    the file goes out straight from storage instead of being encoded into memory first.
    """

    def __init__(
        self, *, fields: dict[str, str], file: BinaryIO, size: int, filename: str, mime_type: str
    ):
        boundary = uuid.uuid4().hex
        self.content_type = f"multipart/form-data; boundary={boundary}"
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
            for name, value in fields.items()
        )
        safe_name = filename.replace('"', "").replace("\r", "").replace("\n", "") or "file"
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{safe_name}"\r\nContent-Type: {mime_type}\r\n\r\n'
        ).encode()
        self._parts = [head, file, f"\r\n--{boundary}--\r\n".encode()]
        self._length = len(head) + size + len(self._parts[2])
        self._current = 0
        self._offset = 0

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while self._current < len(self._parts) and (size < 0 or len(out) < size):
            part = self._parts[self._current]
            want = -1 if size < 0 else size - len(out)
            if isinstance(part, bytes):
                chunk = (
                    part[self._offset :] if want < 0 else part[self._offset : self._offset + want]
                )
                self._offset += len(chunk)
                if self._offset >= len(part):
                    self._current, self._offset = self._current + 1, 0
            else:
                chunk = part.read(CHUNK_BYTES if want < 0 else min(want, CHUNK_BYTES))
                if not chunk:
                    self._current += 1
            out += chunk
        return bytes(out)
