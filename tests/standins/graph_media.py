"""The Graph API stand-in's media endpoints (whatsapp.md §13): info, download and upload."""

from __future__ import annotations


def install_media_routes(stand_in) -> None:
    """Add `GET /{media-id}`, the download URL and `POST /{phone-number-id}/media`."""
