"""Error reporting to Sentry, on only when SENTRY_DSN is set, with no secrets or message text.

Imported by settings only when a DSN is set, so the project runs without sentry-sdk. Leads'
words and phone numbers must not leave for a third party: the SDK is told to send no PII,
locals or request bodies, and `scrub_event` keeps only what locates a fault (exception type,
code location, a log's template, numeric ids), whatever a log call or an exception carried.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

FILTERED = "[Filtered]"
# Request headers worth sending; every other (Authorization, Cookie, X-Hub-Signature-256) goes.
SAFE_HEADERS = frozenset({"content-type", "content-length", "user-agent", "x-forwarded-proto"})
# Settings whose values are secrets: replaced anywhere they still appear in an event.
SECRET_SETTINGS = (
    "SECRET_KEY",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_ACCESS_TOKEN",
    "OPENAI_API_KEY",
    "OPS_TOKEN",
)
# Shorter values would match ordinary words.
MIN_SECRET_LENGTH = 6
EXCEPTION_VALUE_CHARS = 200
# Python quotes the offending value in single quotes (int('…'), KeyError('…')); PostgreSQL
# quotes identifiers in double quotes on its first line and puts row values on DETAIL lines.
_SINGLE_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'")


def init_sentry(*, dsn: str, environment: str, release: str | None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    off = {"mode": "off"}
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        # sentry-sdk 2.75 replaces send_default_pii=False by `data_collection` (setting both
        # warns): no user, cookies, headers, bodies, query strings, SQL values, AI prompts or
        # local variables. scrub_event below still checks every event.
        data_collection={
            "user_info": False,
            "cookies": off,
            "http_headers": {"request": off},
            "http_bodies": [],
            "url_query_params": off,
            "graphql": {"document": False, "variables": False},
            "gen_ai": {"inputs": False, "outputs": False},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        include_local_variables=False,
        max_request_body_size="never",
        # Only the integrations chosen here: auto-enabled ones (OpenAI, Redis) record more.
        auto_enabling_integrations=False,
        integrations=[DjangoIntegration()],
        before_send=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
    )


def _numbers_only(data: Any) -> dict:
    """Keep ids, codes and counts; strings (an error text, a body, argv) may hold words."""
    if not isinstance(data, dict):
        return {}
    return {
        key: value
        for key, value in data.items()
        if isinstance(value, int | float | bool) or value is None
    }


def _without_query(url: Any) -> Any:
    if not isinstance(url, str):
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def scrub_exception_value(value: Any) -> Any:
    """First line only, quoted values out: enough to recognise an error, not a lead's words."""
    if not isinstance(value, str):
        return value
    first_line = value.split("\n", 1)[0]
    return _SINGLE_QUOTED.sub(f"'{FILTERED}'", first_line)[:EXCEPTION_VALUE_CHARS]


def _scrub_frames(container: dict | None) -> None:
    for entry in (container or {}).get("values") or ():
        for frame in (entry.get("stacktrace") or {}).get("frames") or ():
            frame.pop("vars", None)


def _secret_values() -> list[str]:
    from django.conf import settings

    values = [str(getattr(settings, name, "") or "") for name in SECRET_SETTINGS]
    for database in settings.DATABASES.values():
        values.append(str(database.get("PASSWORD") or ""))
    s3_options = settings.STORAGES.get("default", {}).get("OPTIONS", {})
    values.append(str(s3_options.get("secret_key") or ""))
    values.append(urlsplit(getattr(settings, "REDIS_URL", "") or "").password or "")
    return sorted({v for v in values if len(v) >= MIN_SECRET_LENGTH}, key=len, reverse=True)


def _replace_secrets(node: Any, secrets: list[str]) -> Any:
    if isinstance(node, str):
        for secret in secrets:
            if secret in node:
                node = node.replace(secret, FILTERED)
        return node
    if isinstance(node, dict):
        return {key: _replace_secrets(value, secrets) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_replace_secrets(value, secrets) for value in node]
    return node


def scrub_breadcrumb(crumb: dict, hint: dict | None) -> dict:
    record = (hint or {}).get("log_record")
    if record is not None:
        # The call's template ("Outbound message failed"), not the text formatted into it.
        crumb["message"] = record.msg if isinstance(record.msg, str) else ""
    data = crumb.get("data")
    crumb["data"] = _numbers_only(data)
    if isinstance(data, dict) and "url" in data:
        crumb["data"]["url"] = _without_query(data["url"])
    return crumb


def scrub_event(event: dict, hint: dict | None) -> dict:
    """Sentry's before_send: everything that may carry a lead's words or a secret goes."""
    event["extra"] = _numbers_only(event.get("extra"))
    event.pop("user", None)
    if isinstance(request := event.get("request"), dict):
        headers = request.get("headers") or {}
        event["request"] = {
            "method": request.get("method"),
            "url": _without_query(request.get("url")),
            "headers": {k: v for k, v in headers.items() if k.lower() in SAFE_HEADERS},
        }
    if isinstance(logentry := event.get("logentry"), dict):
        event["logentry"] = {"message": logentry.get("message") or ""}
    for entry in (event.get("exception") or {}).get("values") or ():
        entry["value"] = scrub_exception_value(entry.get("value"))
    _scrub_frames(event.get("exception"))
    _scrub_frames(event.get("threads"))
    if isinstance(breadcrumbs := event.get("breadcrumbs"), dict):
        breadcrumbs["values"] = [
            scrub_breadcrumb(crumb, None) for crumb in breadcrumbs.get("values") or ()
        ]
    return _replace_secrets(event, _secret_values())
