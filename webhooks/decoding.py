"""From signed bytes to a JSON object, refusing shapes Meta never sends before they cost us.

Every refusal is a `NotAJsonObject` with a reason the view answers as 400 and the admin shows
as the event's error; nothing here recurses, so no body can overflow the stack.
"""

import json
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from webhooks.payloads._coerce import clip

# Meta's envelope is about 8 levels deep (whatsapp.md §4) and its deepest messages (orders,
# Flows, shared contacts) add a handful more; 64 leaves a wide margin, far below the
# interpreter's recursion limit, which `json` and every later `json.dumps` would hit.
MAX_DEPTH = 64
# Meta batches at most 1,000 updates in one POST (whatsapp.md §3); twice that is not Meta.
MAX_UPDATES = 2_000
UPDATE_ARRAYS = ("messages", "statuses", "message_echoes", "user_preferences", "errors")

_UTF8_BOM = b"\xef\xbb\xbf"
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_NOT_A_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_BRACKET_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATES_REPLACED = "lone UTF-16 surrogates replaced by U+FFFD"


class NotAJsonObject(ValueError):
    """The signed body is not a JSON object Meta could have sent: we keep it and answer 400."""


@dataclass(frozen=True, slots=True)
class DecodedBody:
    data: dict[str, Any]
    repairs: tuple[str, ...]  # what was changed to make the body storable, for the summary


def nesting_depth(body: bytes) -> int:
    """How deep arrays and objects nest, counted on the bytes, without decoding or recursing.

    Escapes and strings are dropped first, so brackets inside text do not count; on a body
    that is not valid JSON the count can only come out higher than what the decoder reaches.
    """
    brackets = _STRING.sub(b"", _ESCAPE.sub(b"", body)).translate(None, _NOT_A_BRACKET)
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0)


def count_updates(data: dict[str, Any], stop_after: int = MAX_UPDATES) -> int:
    """Meta's unit of batching: each message, status, echo, preference or error of a change.

    A change carrying none of them (a template update) and an entry without changes count
    as one each, so thousands of empty entries are not free. Stops counting past `stop_after`.
    """
    total = 0
    for entry in _list(data.get("entry")):
        changes = _list(entry.get("changes")) if isinstance(entry, dict) else []
        total += 0 if changes else 1
        for change in changes:
            value = change.get("value") if isinstance(change, dict) else None
            value = value if isinstance(value, dict) else {}
            total += max(1, sum(len(_list(value.get(key))) for key in UPDATE_ARRAYS))
        if total > stop_after:
            break
    return total


def read_body(body: bytes) -> DecodedBody:
    """Decode a signed body, or raise `NotAJsonObject` saying what is wrong with it."""
    body = body.removeprefix(_UTF8_BOM)  # RFC 8259 lets a parser ignore it; Meta sends none
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        # UTF-16 and UTF-32 too: json would guess them, but JSON between systems is UTF-8.
        raise NotAJsonObject(f"body is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    depth = nesting_depth(body)
    if depth > MAX_DEPTH:
        raise NotAJsonObject(f"body nests {depth} levels deep, more than {MAX_DEPTH}")
    try:
        data = json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_object_without_duplicates
        )
    except (ValueError, RecursionError) as exc:
        raise NotAJsonObject(f"body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise NotAJsonObject(f"body is JSON {type(data).__name__}, not an object")
    updates = count_updates(data)
    if updates > MAX_UPDATES:
        raise NotAJsonObject(f"body carries more than {MAX_UPDATES} updates")
    repairs = ()
    if _SURROGATE_ESCAPE.search(text) and _replace_lone_surrogates(data):
        repairs = (SURROGATES_REPLACED,)
    return DecodedBody(data=data, repairs=repairs)


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _reject_constant(name: str):
    # Python's json accepts NaN and Infinity; JSON (and Postgres' jsonb) does not.
    raise ValueError(f"{name} is not valid JSON")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Parsers disagree on which duplicate wins (first or last); Meta never sends one.
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"duplicate key {clip(duplicate)!r} in an object")
    return data


def _replace_lone_surrogates(data: dict[str, Any]) -> bool:
    """Replace, in place, the lone surrogates `\\ud800` escapes decode to: no database stores them.

    A pair (an emoji) is decoded to one character, so any surrogate left is lone. Iterative:
    the depth is already bounded, but nothing here needs the stack.
    """
    changed = False
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in list(node):
                value = node[key]
                if isinstance(value, str) and _SURROGATE.search(value):
                    node[key] = value = _SURROGATE.sub("\ufffd", value)
                    changed = True
                if isinstance(key, str) and _SURROGATE.search(key):
                    node[_SURROGATE.sub("\ufffd", key)] = node.pop(key)
                    changed = True
                stack.append(value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                if isinstance(value, str) and _SURROGATE.search(value):
                    node[index] = _SURROGATE.sub("\ufffd", value)
                    changed = True
                stack.append(value)
    return changed
