"""The bot brain: reads the thread and the profile, writes a reply and profile updates.

`openai` when OPENAI_API_KEY is set, else `offline` rules; chosen by `settings.BOT_BRAIN`.
"""

from django.conf import settings

from conversations.brain.base import (
    Brain,
    BrainRejected,
    BrainReply,
    BrainTurn,
    BrainUnavailable,
    HistoryItem,
    ProfileSnapshot,
    ProfileUpdate,
)

__all__ = [
    "Brain",
    "BrainRejected",
    "BrainReply",
    "BrainTurn",
    "BrainUnavailable",
    "HistoryItem",
    "ProfileSnapshot",
    "ProfileUpdate",
    "get_brain",
]


def get_brain() -> Brain:
    if settings.BOT_BRAIN == "openai":
        from conversations.brain.openai_brain import OpenAIBrain

        return OpenAIBrain.from_settings()
    from conversations.brain.offline import OfflineBrain

    return OfflineBrain()
