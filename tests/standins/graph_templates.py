"""The Graph API stand-in's templates: the paginated list, and template sends checked like Meta.

`stand_in.templates` is the list of template dicts (the shape `GET /{WABA_ID}/message_templates`
returns) that the stand-in serves and checks `type: template` sends against:
132001 when no template has that name in that language, 132015 / 132016 when it is paused /
disabled, 132000 when a component has the wrong number of parameters (whatsapp.md §11).
"""

from __future__ import annotations

import base64
import itertools
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.standins import Recorded, Reply

TEMPLATES_PATH = r"^/v\d+\.\d+/\d+/message_templates$"
DEFAULT_PAGE_SIZE = 25
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
_ids = itertools.count(1689556908129800)


def meta_template(
    name: str,
    *,
    language: str = "en_US",
    body: str = "Hello {{1}}, are you still interested?",
    category: str = "UTILITY",
    status: str = "APPROVED",
    header: str | None = None,
    footer: str | None = None,
    buttons: tuple[str, ...] = (),
    quality: str = "GREEN",
    rejected_reason: str = "NONE",
    template_id: str | None = None,
    examples: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A template as Meta lists it (with `fields=...quality_score,rejected_reason`)."""
    named = any(not key.isdigit() for key in _PLACEHOLDER.findall(body))
    body_component: dict[str, Any] = {"type": "BODY", "text": body}
    if examples and named:
        keys = list(dict.fromkeys(_PLACEHOLDER.findall(body)))
        body_component["example"] = {
            "body_text_named_params": [
                {"param_name": key, "example": value}
                for key, value in zip(keys, examples, strict=False)
            ]
        }
    elif examples:
        body_component["example"] = {"body_text": [list(examples)]}
    components: list[dict[str, Any]] = []
    if header is not None:
        components.append({"type": "HEADER", "format": "TEXT", "text": header})
    components.append(body_component)
    if footer is not None:
        components.append({"type": "FOOTER", "text": footer})
    if buttons:
        components.append(
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": b} for b in buttons]}
        )
    return {
        "name": name,
        "parameter_format": "NAMED" if named else "POSITIONAL",
        "components": components,
        "language": language,
        "status": status,
        "category": category,
        "id": template_id or str(next(_ids)),
        "quality_score": {"score": quality, "date": 1785400000},
        "rejected_reason": rejected_reason,
    }


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"index:{index}".encode()).decode()


def _index(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("index:"))
    except (ValueError, UnicodeDecodeError):
        return -1


def install_template_routes(stand_in) -> None:
    """Add the paginated template list; template sends are checked in `_refusal`."""
    from tests.standins.graph_server import graph_error

    stand_in.templates = []
    # Meta may answer fewer templates than `limit` asks for; tests lower this to get pages.
    stand_in.template_page_size = DEFAULT_PAGE_SIZE

    def list_templates(request: Recorded) -> Reply:
        if request.headers.get("authorization") != f"Bearer {stand_in.access_token}":
            return graph_error(
                190, "Invalid OAuth access token - Cannot parse access token", http_status=401
            )
        query = parse_qs(urlsplit(request.path).query)
        limit = min(
            int((query.get("limit") or [DEFAULT_PAGE_SIZE])[0]), stand_in.template_page_size
        )
        start = 0
        if after := (query.get("after") or [None])[0]:
            start = _index(after) + 1
            if start <= 0:
                return graph_error(100, "(#100) Invalid parameter", details="Invalid cursor.")
        page = stand_in.templates[start : start + limit]
        body: dict[str, Any] = {"data": page}
        if page:
            last = start + len(page) - 1
            body["paging"] = {"cursors": {"before": _cursor(start), "after": _cursor(last)}}
            if last + 1 < len(stand_in.templates):
                path = urlsplit(request.path).path
                body["paging"]["next"] = f"{stand_in.url}{path}?limit={limit}&after={_cursor(last)}"
        return Reply(status=200, body=body)

    stand_in.add_route("GET", TEMPLATES_PATH, list_templates)


def _parameter_counts(template: dict[str, Any]) -> dict[str, list[str]]:
    """The placeholders of the text header and the body, as Meta counts them."""
    wanted = {}
    for component in template.get("components", ()):
        kind = str(component.get("type", "")).lower()
        if kind in ("header", "body") and component.get("format", "TEXT") == "TEXT":
            keys = list(dict.fromkeys(_PLACEHOLDER.findall(component.get("text", ""))))
            if keys:
                wanted[kind] = keys
    return wanted


def template_refusal(stand_in, body: dict[str, Any]) -> Reply | None:
    """What Meta answers to a template send against the templates it holds, or None."""
    from tests.standins.graph_server import graph_error

    sent = body.get("template") if isinstance(body.get("template"), dict) else {}
    name = sent.get("name")
    language = (sent.get("language") or {}).get("code")
    template = next(
        (t for t in stand_in.templates if t["name"] == name and t["language"] == language), None
    )
    if template is None:
        return graph_error(
            132001,
            "(#132001) Template name does not exist in the translation",
            details=f"template name ({name}) does not exist in {language}",
        )
    if template["status"] == "PAUSED":
        return graph_error(
            132015, "(#132015) Template is Paused", details="Template is paused due to low quality."
        )
    if template["status"] == "DISABLED":
        return graph_error(
            132016,
            "(#132016) Template is Disabled",
            details="Template has been paused too many times due to low quality.",
        )
    given = {
        str(component.get("type", "")).lower(): component.get("parameters") or []
        for component in sent.get("components") or []
    }
    for kind in ("header", "body"):
        wanted = _parameter_counts(template).get(kind, [])
        parameters = given.get(kind, [])
        if len(parameters) != len(wanted):
            return graph_error(
                132000,
                "(#132000) Number of parameters does not match the expected number of params",
                details=(
                    f"{kind}: number of localizable_params ({len(parameters)}) does not match "
                    f"the expected number of params ({len(wanted)})"
                ),
            )
        if any(not (p.get("text") or "").strip() for p in parameters):
            return graph_error(
                100, "(#100) Invalid parameter", details=f"{kind}: a parameter text is empty"
            )
    return None
