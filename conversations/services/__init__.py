"""Writes to conversations and messages, one module per concern.

`inbound`: messages, identities and statuses from Meta's webhook. `outbound`: queueing and
sending replies, agent replies, drafts and handoff. `bot`: the reply pipeline.
"""

from conversations.services.inbound import (
    InboundResult,
    UnstorableMessage,
    apply_message_status,
    find_or_create_conversation,
    merge_conversations,
    move_conversation_to_new_number,
    record_inbound_message,
)

__all__ = [
    "InboundResult",
    "UnstorableMessage",
    "apply_message_status",
    "find_or_create_conversation",
    "merge_conversations",
    "move_conversation_to_new_number",
    "record_inbound_message",
]
