"""What every client of Meta's Graph API shares: where it is, how to sign in, how Meta says no.

`GraphTransport` (messages), `GraphMediaClient` (media) and `TemplateListClient` (templates)
each add the id their endpoints hang off and the paths under it; the connection, its settings
and the reading of Meta's error envelope (whatsapp.md §9) live here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import requests
from django.conf import settings

DEFAULT_TIMEOUT = (5.0, 20.0)


class GraphClient:
    """A base URL, a bearer token, (connect, read) timeouts and one pooled session."""

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.timeout = timeout
        self.session = session or requests.Session()

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


class PhoneNumberClient(GraphClient):
    """A client of the endpoints under one business phone number (messages, media)."""

    def __init__(
        self,
        *,
        base_url: str,
        phone_number_id: str,
        access_token: str,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
    ):
        super().__init__(
            base_url=base_url, access_token=access_token, timeout=timeout, session=session
        )
        self.phone_number_id = phone_number_id

    @classmethod
    def from_settings(cls) -> Self:
        return cls(phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID, **graph_settings())


def graph_settings() -> dict[str, Any]:
    """The connection keywords every client's `from_settings` passes on, next to its own id."""
    return {
        "base_url": settings.WHATSAPP_GRAPH_URL,
        "access_token": settings.WHATSAPP_ACCESS_TOKEN,
        "timeout": (settings.WHATSAPP_CONNECT_TIMEOUT, settings.WHATSAPP_READ_TIMEOUT),
    }


@dataclass(frozen=True, slots=True)
class GraphError:
    """Meta's error envelope, parsed once; empty strings where Meta said nothing.

    The clients word their titles differently (with or without `details`, cut at 255 or 200),
    so each builds its own title from these parts.
    """

    code: int | None
    message: str
    details: str


def graph_error(response: requests.Response) -> GraphError:
    """`{"error": {"message", "code", "error_data": {"details"}}}`, whatever arrived instead."""
    try:
        data = response.json()
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    error_data = error.get("error_data")
    details = error_data.get("details") if isinstance(error_data, dict) else None
    return GraphError(
        code=code if isinstance(code, int) else None,
        message=str(error.get("message") or ""),
        details=str(details or ""),
    )


def retryable_status(status: int) -> bool:
    """Rate limited or a fault on Meta's side: worth another try whatever the error code."""
    return status == 429 or status >= 500
