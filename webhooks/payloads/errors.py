"""Error objects, which Meta nests in three places: value, message and status (whatsapp.md §8)."""

from dataclasses import dataclass

from ._coerce import as_int, as_str, dict_items, obj


@dataclass(frozen=True, slots=True)
class WebhookError:
    """One `errors[]` item; build logic on `code` and `details`, titles are being deprecated."""

    code: int | None
    title: str | None
    message: str | None
    details: str | None
    href: str | None


def parse_error(data: dict) -> WebhookError:
    # Current payloads nest details in error_data; the legacy `unknown` type puts it top-level.
    details = as_str(obj(data.get("error_data")).get("details"))
    if details is None:
        details = as_str(data.get("details"))
    return WebhookError(
        code=as_int(data.get("code")),
        title=as_str(data.get("title")),
        message=as_str(data.get("message")),
        details=details,
        href=as_str(data.get("href")),
    )


def parse_errors(value: object) -> tuple[WebhookError, ...]:
    return tuple(parse_error(item) for item in dict_items(value))
