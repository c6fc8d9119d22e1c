"""Small factories for test data: real model instances, saved through the ORM."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from conversations.models import Conversation, Direction, Message, Sender
from profiles.models import ClientProfile

_numbers = itertools.count(15550100000)
BASE_TIME = datetime(2026, 7, 30, 9, 0, tzinfo=UTC)


def make_conversation(*, with_profile: bool = True, **fields) -> Conversation:
    fields.setdefault("wa_id", str(next(_numbers)))
    if "display_name" not in fields:
        fields["display_name"] = f"Lead {(fields['wa_id'] or fields.get('bsuid', ''))[-4:]}"
    conversation = Conversation.objects.create(**fields)
    if with_profile:
        ClientProfile.objects.create(conversation=conversation)
    return conversation


def make_message(conversation: Conversation, *, minutes: int = 0, **fields) -> Message:
    fields.setdefault("direction", Direction.IN)
    fields.setdefault("sender", Sender.USER if fields["direction"] == Direction.IN else Sender.BOT)
    fields.setdefault("text", f"message at +{minutes} min")
    fields.setdefault("timestamp", BASE_TIME + timedelta(minutes=minutes))
    return Message.objects.create(conversation=conversation, **fields)
