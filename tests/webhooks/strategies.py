"""Hypothesis strategies for webhook bodies: arbitrary JSON, and samples with keys mutated."""

import copy
from functools import cache

from hypothesis import strategies as st

from tests.samples import sample_json, sample_names

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
