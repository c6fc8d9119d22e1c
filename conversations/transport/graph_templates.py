"""Meta's template list: `GET {WHATSAPP_GRAPH_URL}/{WABA_ID}/message_templates`, page by page.

Meta paginates with cursors (`paging.cursors.after`, and `paging.next` while more pages
follow). Each template is parsed once into a `RemoteTemplate`; the rest of the code never
reads Graph JSON. Failures (no WABA id, a refused token, 5xx, an unreadable answer) raise
`TemplateListError` with words an Admin can act on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings

from conversations.transport.graph_api import (
    DEFAULT_TIMEOUT,
    GraphClient,
    graph_error,
    graph_settings,
)

logger = logging.getLogger(__name__)

# What the list returns by default lacks the quality score and the rejection reason.
TEMPLATE_FIELDS = (
    "id,name,language,status,category,components,quality_score,rejected_reason,parameter_format"
)
PAGE_SIZE = 100
# A WABA holds at most a few thousand templates; this only stops a server that never ends.
MAX_PAGES = 500


class TemplateListError(Exception):
    """The template list could not be read; the message says why, for an Admin."""


@dataclass(frozen=True, slots=True)
class RemoteTemplate:
    """One template in one language, as Meta lists it; missing keys read as None/empty."""

    meta_id: str | None
    name: str | None
    language: str | None
    status: str | None
    category: str | None
    rejected_reason: str | None
    quality_score: str | None
    components: tuple[dict[str, Any], ...]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def parse_remote_template(data: dict[str, Any]) -> RemoteTemplate:
    quality = data.get("quality_score")
    # Meta answers {"score": "GREEN", "date": ...}; older answers a bare string.
    score = _text(quality.get("score")) if isinstance(quality, dict) else _text(quality)
    components = data.get("components")
    return RemoteTemplate(
        meta_id=_text(data.get("id")),
        name=_text(data.get("name")),
        language=_text(data.get("language")),
        status=(_text(data.get("status")) or "").upper() or None,
        category=(_text(data.get("category")) or "").upper() or None,
        rejected_reason=_text(data.get("rejected_reason")),
        quality_score=(score or "").upper() or None,
        components=tuple(c for c in components if isinstance(c, dict))
        if isinstance(components, list)
        else (),
        raw=data,
    )


class TemplateListClient(GraphClient):
    def __init__(
        self,
        *,
        base_url: str,
        business_account_id: str,
        access_token: str,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
    ):
        super().__init__(
            base_url=base_url, access_token=access_token, timeout=timeout, session=session
        )
        self.business_account_id = business_account_id
        self.url = f"{self.base_url}/{business_account_id}/message_templates"

    @classmethod
    def from_settings(cls) -> TemplateListClient:
        if not settings.WHATSAPP_BUSINESS_ACCOUNT_ID:
            raise TemplateListError(
                "No WhatsApp Business Account id is configured: set "
                "WHATSAPP_BUSINESS_ACCOUNT_ID to sync templates from Meta."
            )
        if not settings.WHATSAPP_ACCESS_TOKEN:
            raise TemplateListError(
                "No WhatsApp access token is configured: set WHATSAPP_ACCESS_TOKEN."
            )
        return cls(business_account_id=settings.WHATSAPP_BUSINESS_ACCOUNT_ID, **graph_settings())

    def templates(self) -> Iterator[RemoteTemplate]:
        """Every template, following the `after` cursor until Meta says there is no next page."""
        after: str | None = None
        for _ in range(MAX_PAGES):
            data = self._page(after)
            for item in data.get("data") or ():
                if isinstance(item, dict):
                    yield parse_remote_template(item)
            paging = data.get("paging") if isinstance(data.get("paging"), dict) else {}
            cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
            next_after = _text(cursors.get("after"))
            # Meta omits `next` on the last page (the cursor may still be there).
            if not paging.get("next") or not next_after or next_after == after:
                return
            after = next_after
        raise TemplateListError(f"Meta's template list did not end after {MAX_PAGES} pages.")

    def _page(self, after: str | None) -> dict[str, Any]:
        params = {"fields": TEMPLATE_FIELDS, "limit": PAGE_SIZE}
        if after:
            params["after"] = after
        try:
            response = self.session.get(
                self.url, params=params, headers=self.headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            logger.warning("Template list unreachable", extra={"error": type(exc).__name__})
            raise TemplateListError(
                f"Could not reach WhatsApp to read the templates ({type(exc).__name__})."
            ) from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.ok and isinstance(data, dict):
            return data
        error = graph_error(response)
        code, title = error.code, error.message[:200]
        logger.warning(
            "Meta refused the template list", extra={"status": response.status_code, "code": code}
        )
        if response.status_code in (401, 403) or code == 190:
            raise TemplateListError(
                "Meta refused the access token (check WHATSAPP_ACCESS_TOKEN and its "
                f"whatsapp_business_management permission): {title or response.status_code}"
            )
        if response.ok:
            raise TemplateListError("Meta's template list answer was not readable JSON.")
        described = f"error {code}: {title}" if code is not None else title
        raise TemplateListError(
            f"Meta could not list the templates (HTTP {response.status_code}"
            f"{', ' + described if described else ''}). Try again later."
        )
