"""Hypothesis strategies for webhook bodies: arbitrary JSON, mutated samples, hostile shapes."""

import copy
import json
from functools import cache

from hypothesis import strategies as st

from tests.samples import sample_json, sample_names
from webhooks.decoding import MAX_DEPTH, MAX_UPDATES, count_updates

# Keys the parser looks up, so random dicts reach deep code paths, not just the top level.
PARSER_KEYS = [
    "object", "entry", "id", "changes", "field", "value", "metadata", "contacts",
    "messages", "statuses", "errors", "profile", "wa_id", "user_id", "from",
    "from_user_id", "timestamp", "type", "text", "body", "context", "referral",
    "image", "audio", "location", "latitude", "interactive", "nfm_reply",
    "response_json", "button_reply", "reaction", "emoji", "order", "product_items",
    "quantity", "item_price", "system", "edit", "message", "unsupported", "pricing",
    "conversation", "origin", "error_data", "code", "phones", "name", "welcome_message",
]  # fmt: skip

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(PARSER_KEYS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


@cache
def _sample_json_cached(name: str) -> dict:
    return sample_json(name)


def _nested_dicts(node):
    if isinstance(node, dict):
        yield node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return
    for child in children:
        yield from _nested_dicts(child)


@st.composite
def mutated_samples(draw):
    """A sample body with a few keys of its nested dicts deleted or replaced by random JSON."""
    data = copy.deepcopy(_sample_json_cached(draw(st.sampled_from(sample_names()))))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        target = draw(st.sampled_from(list(_nested_dicts(data))))
        key = draw(st.sampled_from(sorted(target) or PARSER_KEYS) | st.sampled_from(PARSER_KEYS))
        if key in target and draw(st.booleans()):
            del target[key]
        else:
            target[key] = draw(json_values)
    return data


# --- hostile shapes: each draw is (signed body bytes, the status the view must answer) ------

WRONG_JSON_TYPES = [None, 0, -1.5, "x", "", [], {}, [None], {"": None}]
_PLACEHOLDER = "\x1fhostile\x1f"


def _container_paths(node, path=()):
    """(path, node) of every object and array, root first, without recursion."""
    stack = [(path, node)]
    while stack:
        path, node = stack.pop()
        yield path, node
        children = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend(
            ((*path, key), child) for key, child in children if isinstance(child, dict | list)
        )


def _depth(node) -> int:
    return max(len(path) + 1 for path, _ in _container_paths(node))


def _with_raw_value(draw, data: dict, raw: bytes) -> tuple[bytes, int]:
    """`data` with `raw` JSON text as the value of a drawn key: (body, depth of that value)."""
    path, target = draw(st.sampled_from([p for p in _container_paths(data) if p[1]]))
    key = draw(st.sampled_from(sorted(target) if isinstance(target, dict) else range(len(target))))
    target[key] = _PLACEHOLDER
    body = json.dumps(data).encode().replace(json.dumps(_PLACEHOLDER).encode(), raw)
    return body, len(path) + 1


@st.composite
def hostile_bodies(draw):
    """A sample body turned hostile in one way, and 200 or 400 as the receiver must answer."""
    data = copy.deepcopy(_sample_json_cached(draw(st.sampled_from(sample_names()))))
    shape = draw(
        st.sampled_from(["deep", "wrong_type", "literal", "duplicate", "bom", "surrogate", "many"])
    )
    if shape == "deep":
        levels = draw(st.integers(min_value=1, max_value=MAX_DEPTH) | st.integers(1, 20_000))
        opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
        body, at = _with_raw_value(draw, data, opener * levels + b"0" + closer * levels)
        return body, 400 if max(at + levels, _depth(data)) > MAX_DEPTH else 200
    if shape == "wrong_type":
        _, target = draw(st.sampled_from(list(_container_paths(data))))
        keys = sorted(target) if isinstance(target, dict) else range(len(target))
        if keys:
            target[draw(st.sampled_from(keys))] = copy.deepcopy(
                draw(st.sampled_from(WRONG_JSON_TYPES))
            )
        return json.dumps(data).encode(), 200
    if shape == "literal":
        literal = draw(st.sampled_from([b"NaN", b"Infinity", b"-Infinity"]))
        return _with_raw_value(draw, data, literal)[0], 400
    if shape == "duplicate":
        _, target = draw(
            st.sampled_from([p for p in _container_paths(data) if isinstance(p[1], dict) and p[1]])
        )
        key = draw(st.sampled_from(sorted(target)))
        target[_PLACEHOLDER] = 0
        duplicate = (
            json.dumps(key).encode()
            + b": "
            + json.dumps(
                draw(
                    json_scalars.filter(lambda v: v == v and v not in (float("inf"), float("-inf")))
                )
            ).encode()
        )
        body = (
            json.dumps(data).encode().replace(json.dumps(_PLACEHOLDER).encode() + b": 0", duplicate)
        )
        return body, 400
    if shape == "bom":
        return b"\xef\xbb\xbf" + json.dumps(data).encode(), 200
    if shape == "surrogate":
        code = draw(st.integers(min_value=0xD800, max_value=0xDFFF))
        return _with_raw_value(draw, data, f'"a\\u{code:04x}b"'.encode())[0], 200
    entries = draw(st.integers(min_value=0, max_value=MAX_UPDATES + 50))
    data.setdefault("entry", []).extend({"id": "1", "changes": []} for _ in range(entries))
    updates = count_updates(data)
    return json.dumps(data).encode(), 400 if updates > MAX_UPDATES else 200
