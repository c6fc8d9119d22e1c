"""What WhatsApp accepts per kind of media: content types and sizes (whatsapp.md §13).

Meta's "Supported media types" table is the authority: one list serves the files a user
sends us (refused above the cap or outside the list, so nothing odd is stored or served)
and the files an agent sends (checked before they are uploaded to Meta). Types are
recognised by their first bytes, not by the name a browser or a phone gave them.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

KB = 1024
MB = 1024 * KB


@dataclass(frozen=True, slots=True)
class MediaKind:
    name: str
    max_bytes: int
    mime_types: frozenset[str]
    label: str

    def allows(self, mime_type: str | None) -> bool:
        return base_mime_type(mime_type) in self.mime_types


DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "audio/aac": ".aac",
    "audio/amr": ".amr",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/ogg": ".ogg",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
    "video/3gp": ".3gp",
    **DOCUMENT_TYPES,
}

KINDS: dict[str, MediaKind] = {
    kind.name: kind
    for kind in (
        MediaKind("image", 5 * MB, frozenset({"image/jpeg", "image/png"}), "image"),
        # Voice notes are "audio/ogg; codecs=opus": the parameters are not part of the type.
        MediaKind(
            "audio",
            16 * MB,
            frozenset({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}),
            "audio",
        ),
        # Meta's table says video/3gp; the registered name is video/3gpp. Both are the same.
        MediaKind("video", 16 * MB, frozenset({"video/mp4", "video/3gp", "video/3gpp"}), "video"),
        MediaKind("document", 100 * MB, frozenset(DOCUMENT_TYPES), "document"),
        # 100 KB static, 500 KB animated: the larger cap, since both arrive as image/webp.
        MediaKind("sticker", 500 * KB, frozenset({"image/webp"}), "sticker"),
    )
}


class MediaRefused(ValueError):
    """A file WhatsApp would not carry (too large, or a type it does not support)."""


def base_mime_type(mime_type: str | None) -> str:
    return (mime_type or "").split(";", 1)[0].strip().lower()


def human_size(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} MB".replace(".0 MB", " MB")
    return f"{max(1, round(size / KB))} KB"


def check_size(kind: MediaKind, size: int | None) -> None:
    if size is not None and size > kind.max_bytes:
        raise MediaRefused(
            f"Too large for a WhatsApp {kind.label}: {human_size(size)} "
            f"(at most {human_size(kind.max_bytes)})."
        )


def check_type(kind: MediaKind, mime_type: str | None) -> None:
    if not kind.allows(mime_type):
        raise MediaRefused(
            f"Not a type WhatsApp allows for a {kind.label}: {base_mime_type(mime_type) or 'none'}."
        )


def extension_for(mime_type: str | None) -> str:
    return EXTENSIONS.get(base_mime_type(mime_type), ".bin")


# --- recognising an agent's upload by its content --------------------------------------------

# Legacy Office files are OLE2 containers: the name says which application wrote it.
_OLE2_BY_EXTENSION = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
# An Office Open XML file is a zip whose parts live under the application's folder.
_OOXML_BY_FOLDER = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_SNIFF_BYTES = 8 * KB


def sniff_mime_type(file: BinaryIO, filename: str) -> str | None:
    """The type of an uploaded file, read from its content; None when WhatsApp takes none.

    Reads a few KB (a zip's directory for Office files), never the whole file.
    """
    file.seek(0)
    head = file.read(_SNIFF_BYTES)
    file.seek(0)
    suffix = PurePath(filename or "").suffix.lower()
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _OLE2_BY_EXTENSION.get(suffix)
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_type(file)
    if suffix == ".txt" and _is_text(head):
        return "text/plain"
    return None


def _ooxml_type(file: BinaryIO) -> str | None:
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for folder, mime_type in _OOXML_BY_FOLDER.items():
        if any(name.startswith(folder) for name in names):
            return mime_type
    return None


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The sample may end inside a multi-byte character.
        return exc.start >= len(head) - 3
    return True


def name_matches_type(filename: str, mime_type: str) -> bool:
    """False when the name claims another type than the content (photo.pdf that is a PNG)."""
    suffix = PurePath(filename or "").suffix.lower()
    if not suffix:
        return True
    expected = {extension_for(mime_type)}
    if mime_type == "image/jpeg":
        expected |= {".jpeg", ".jpe"}
    return suffix in expected
