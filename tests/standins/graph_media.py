"""The Graph API stand-in's media endpoints (whatsapp.md §13): info, download and upload.

Files live in `stand_in.media[media_id] = (bytes, mime_type)`. `GET /vXX/{media_id}` answers
Meta's JSON with a download URL pointing back at the stand-in, which serves the bytes only
with the bearer token and a User-Agent. Tests script the rest on `stand_in.media_script`:
an expired URL, a lying sha256 or file_size, a chunked body without Content-Length.
Uploads (`POST /vXX/{phone-number-id}/media`) are parsed like Meta parses them and recorded.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import itertools
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from tests.standins import Recorded, Reply

DOWNLOAD_PREFIX = "/whatsapp_business/attachments/"
MEDIA_KINDS = ("image", "audio", "video", "document", "sticker")
CAPTION_MAX_CHARACTERS = 1024


@dataclass(frozen=True, slots=True)
class Upload:
    media_id: str
    type: str  # the `type` field: a mime type
    filename: str
    content_type: str  # of the file part
    data: bytes


@dataclass
class MediaScript:
    """How the stand-in misbehaves, per media id (tests set these before the download)."""

    expired: dict[str, int] = field(default_factory=dict)  # next N downloads answer 404
    failures: dict[str, list[int]] = field(default_factory=dict)  # next info answers: statuses
    sha256: dict[str, str] = field(default_factory=dict)  # reported instead of the real one
    file_size: dict[str, int] = field(default_factory=dict)  # reported instead of the real one
    served_type: dict[str, str] = field(default_factory=dict)  # download Content-Type
    chunked: set[str] = field(default_factory=set)  # no Content-Length on the download
    # Answers to the next image/document sends (after the upload went through), in order.
    send_failures: list[Reply] = field(default_factory=list)


def _error(status: int, code: int, message: str) -> Reply:
    return Reply(
        status=status,
        body={"error": {"message": message, "type": "OAuthException", "code": code}},
    )


def b64_sha256(data: bytes) -> str:
    """How Meta reports a file's sha256: base64 of the digest."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def install_media_routes(stand_in) -> None:
    """Add `GET /{media-id}`, the download URL and `POST /{phone-number-id}/media`."""
    stand_in.media = {}
    stand_in.uploads = []
    stand_in.media_script = MediaScript()
    stand_in.media_downloads = []  # media ids whose bytes were served
    upload_ids = itertools.count(880000000000001)

    def authorised(request: Recorded) -> bool:
        return request.headers.get("authorization") == f"Bearer {stand_in.access_token}"

    def info(request: Recorded) -> Reply:
        media_id = urlsplit(request.path).path.rsplit("/", 1)[1]
        if not authorised(request):
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        failures = stand_in.media_script.failures.get(media_id)
        if failures:
            status = failures.pop(0)
            return _error(status, 131000 if status >= 500 else 100, f"(#{status}) scripted")
        if media_id not in stand_in.media:
            return _error(
                404 if media_id.isdigit() else 400,
                100,
                f"Unsupported get request. Object with ID '{media_id}' does not exist",
            )
        data, mime_type = stand_in.media[media_id]
        script = stand_in.media_script
        return Reply(
            body={
                "messaging_product": "whatsapp",
                "url": f"{stand_in.url}{DOWNLOAD_PREFIX}?mid={media_id}",
                "mime_type": mime_type,
                "sha256": script.sha256.get(media_id, b64_sha256(data)),
                # Meta's reference shows it as a string; the client must take both.
                "file_size": str(script.file_size.get(media_id, len(data))),
                "id": media_id,
            }
        )

    def download(request: Recorded) -> Reply:
        media_id = parse_qs(urlsplit(request.path).query).get("mid", [""])[0]
        if not authorised(request) or not request.headers.get("user-agent"):
            return Reply(status=401, raw=b"Unauthorized", headers={"Content-Type": "text/plain"})
        script = stand_in.media_script
        if script.expired.get(media_id, 0) > 0:
            script.expired[media_id] -= 1
            return Reply(
                status=404, raw=b"URL signature expired", headers={"Content-Type": "text/plain"}
            )
        if media_id not in stand_in.media:
            return Reply(status=404, raw=b"Not found", headers={"Content-Type": "text/plain"})
        data, mime_type = stand_in.media[media_id]
        stand_in.media_downloads.append(media_id)
        headers = {"Content-Type": script.served_type.get(media_id, mime_type)}
        if media_id in script.chunked:
            headers["Transfer-Encoding"] = "chunked"
            data = f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n"
        return Reply(raw=data, headers=headers)

    def upload(request: Recorded) -> Reply:
        if not authorised(request):
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        fields, files = _parse_multipart(request)
        if fields.get("messaging_product") != "whatsapp":
            return _error(400, 100, "(#100) The parameter messaging_product is required.")
        if not fields.get("type"):
            return _error(400, 100, "(#100) The parameter type is required.")
        if "file" not in files:
            return _error(400, 100, "(#100) The parameter file is required.")
        filename, content_type, data = files["file"]
        if content_type != fields["type"]:
            return _error(400, 131053, "(#131053) Media upload error: the type does not match")
        media_id = str(next(upload_ids))
        with stand_in._lock:
            stand_in.uploads.append(Upload(media_id, fields["type"], filename, content_type, data))
            stand_in.media[media_id] = (data, content_type)
        return Reply(body={"id": media_id})

    stand_in.add_route("GET", r"^/v\d+\.\d+/[A-Za-z0-9_.-]+$", info)
    stand_in.add_route("GET", rf"^{re.escape(DOWNLOAD_PREFIX)}$", download)
    stand_in.add_route("POST", r"^/v\d+\.\d+/\d+/media$", upload)


def _parse_multipart(request: Recorded) -> tuple[dict[str, str], dict[str, tuple]]:
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    fields, files = {}, {}
    if not parsed.is_multipart():
        return fields, files
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is not None:
            files[name] = (filename, part.get_content_type(), payload)
        else:
            fields[name] = payload.decode()
    return fields, files


def media_refusal(stand_in, body: dict) -> Reply | None:
    """What Meta answers to an image or document send it would not take, else None."""
    if stand_in.media_script.send_failures:
        return stand_in.media_script.send_failures.pop(0)
    kind = body.get("type")
    media = body.get(kind)
    if not isinstance(media, dict) or not (media.get("id") or media.get("link")):
        return _error(400, 100, f"(#100) Param {kind}['id'] or {kind}['link'] is required.")
    if media.get("id") and media["id"] not in stand_in.media:
        return _error(400, 131053, "(#131053) Media upload error: unknown media id")
    if len(media.get("caption") or "") > CAPTION_MAX_CHARACTERS:
        return _error(400, 100, "(#100) Param caption must be at most 1024 characters long.")
    if kind in ("audio", "sticker") and "caption" in media:
        return _error(400, 100, f"(#100) Param {kind}['caption'] is not allowed.")
    return None
