"""Total coercions from decoded JSON to the narrow types the dataclasses promise.

Every helper accepts any object and returns the wanted type or None; none of them raises, so the
parsers built on top stay total however malformed Meta's (or an attacker's) JSON is.
"""

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_EMPTY: Mapping[str, Any] = {}


def as_dict(value: object) -> dict[str, Any] | None:
    """The value if it is a JSON object, else None."""
    return value if isinstance(value, dict) else None


def obj(value: object) -> Mapping[str, Any]:
    """A JSON object to read keys from; non-objects read as empty so `.get` chains never fail."""
    return value if isinstance(value, dict) else _EMPTY


def items(value: object) -> tuple[Any, ...]:
    """The elements of a JSON array; anything else reads as no elements."""
    return tuple(value) if isinstance(value, list | tuple) else ()


def dict_items(value: object) -> tuple[dict[str, Any], ...]:
    """Only the object elements of an array: a stray string in `messages[]` is skipped."""
    return tuple(item for item in items(value) if isinstance(item, dict))


def as_str(value: object) -> str | None:
    """Strings as-is; numbers become their decimal text (ids sometimes arrive as JSON numbers)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # beyond Python's int-to-str digit limit
            return None
    if isinstance(value, float) and math.isfinite(value):
        # 15550001111.0 is a phone number that went through a float, not "15550001111.0".
        return str(int(value)) if value.is_integer() else repr(value)
    return None


def as_float(value: object) -> float | None:
    """Finite floats from numbers or numeric strings ("38.7"); everything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
    if not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def as_int(value: object) -> int | None:
    """Integers from ints, integral floats or digit strings ("131047"); everything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            number = as_float(value)
            return int(number) if number is not None and number.is_integer() else None
    return None


def as_bool(value: object) -> bool | None:
    """JSON booleans, plus the strings "true"/"false" that some proxies produce."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return None


def as_timestamp(value: object) -> datetime | None:
    """Aware UTC datetime from Unix seconds given as a string or number; None when out of range."""
    seconds: float | None = as_int(value)
    if seconds is None:
        seconds = as_float(value)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def json_object_from_string(value: object) -> dict[str, Any] | None:
    """Decode a JSON string that should hold an object (Flows' `response_json`); None otherwise."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        return None
    try:
        decoded = json.loads(value)
    except (ValueError, RecursionError):
        return None
    return decoded if isinstance(decoded, dict) else None


def clip(text: str | None, limit: int = 80) -> str | None:
    """Shorten attacker-controlled strings before they reach a log line."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + "…"
