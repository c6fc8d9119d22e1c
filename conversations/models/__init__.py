"""The conversations app's models, one module per concern.

`threads`: conversations, messages and edit history. `trail`: the log, draft reviews and
live events. `templates`: Meta's message templates. `media`: the files of media messages.
`stats`: the read-only `conversation_stats` view the analytics page reads. `idempotency`: the
keys that make a retried API send return its first result.
"""

from conversations.models.idempotency import ApiIdempotencyKey
from conversations.models.media import MediaState, MessageMedia
from conversations.models.stats import ConversationStat, StatKind
from conversations.models.templates import (
    MessageTemplate,
    TemplateCategory,
    TemplateQuality,
    TemplateStatus,
)
from conversations.models.threads import (
    Conversation,
    Direction,
    HandoffState,
    Message,
    MessageEdit,
    MessageStatus,
    MessageType,
    ReplyState,
    Sender,
    digits_only,
)
from conversations.models.trail import (
    ConversationLog,
    DraftOutcome,
    DraftReview,
    LiveEvent,
    LogAction,
)

__all__ = [
    "ApiIdempotencyKey",
    "Conversation",
    "ConversationLog",
    "ConversationStat",
    "Direction",
    "DraftOutcome",
    "DraftReview",
    "HandoffState",
    "LiveEvent",
    "LogAction",
    "MediaState",
    "Message",
    "MessageEdit",
    "MessageMedia",
    "MessageStatus",
    "MessageTemplate",
    "MessageType",
    "ReplyState",
    "Sender",
    "StatKind",
    "TemplateCategory",
    "TemplateQuality",
    "TemplateStatus",
    "digits_only",
]
