"""The Graph API stand-in's template endpoint, `GET /{WABA_ID}/message_templates`."""

from __future__ import annotations


def install_template_routes(stand_in) -> None:
    """Add the paginated template list; template sends are checked in `_refusal`."""
