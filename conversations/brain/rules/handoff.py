"""When a person must answer instead of the bot: prices, availability, complaints.

The offline brain knows no prices, stock or delivery dates; answering such a question with
"I have everything I need" brushes the lead off. These rules find the question so that the
bot says a person will answer and hands the conversation over.
"""

from __future__ import annotations

import re

from conversations.brain.rules.lexicon import HANDOFF_TOPICS


def _topic_pattern(phrases: tuple[str, ...]) -> re.Pattern:
    words = sorted({phrase.lower() for phrase in phrases}, key=len, reverse=True)
    alternation = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in words)
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


TOPIC_PATTERNS = {topic: _topic_pattern(phrases) for topic, phrases in HANDOFF_TOPICS.items()}


def handoff_topic(text: str) -> str:
    """The first topic of `text` that a person must answer ("price", "availability",
    "complaint"), complaints first; "" when the bot can answer it."""
    for topic in ("complaint", "price", "availability"):
        if TOPIC_PATTERNS[topic].search(text):
            return topic
    return ""
