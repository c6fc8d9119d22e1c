"""The dashboard row's "unanswered" count travels with every new message's live event.

Each inbound user message raises it; a reply the business queues brings it back to 0, also
when the count is taken from the reply itself rather than looked up (conversations/services/
live.py, `queued_now`).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.models import Conversation, LiveEvent, Sender
from conversations.services.live import Kind
from conversations.services.outbound import queue_text
from tests.samples import text_webhook
from webhooks.services import process_webhook_event, receive_webhook

pytestmark = pytest.mark.django_db


def store(text: str, seconds_from_now: int) -> None:
    # WhatsApp's times have whole seconds: the last one is set clearly after the reply.
    body, _ = text_webhook(text, at=timezone.now() + timedelta(seconds=seconds_from_now))
    process_webhook_event(receive_webhook(body))


def unanswered_counts() -> list[int]:
    events = LiveEvent.objects.filter(kind=Kind.MESSAGE).order_by("id")
    return [event.payload["conversation"]["unanswered"] for event in events]


def test_the_count_rises_with_each_message_and_a_reply_brings_it_to_zero(settings):
    settings.BOT_ENABLED = False
    store("Hi", -180)
    store("Anyone there?", -120)
    queue_text(Conversation.objects.get(), text="Hello! How can I help?", sender=Sender.AGENT)
    store("I need a quote", 2)

    assert unanswered_counts() == [1, 2, 0, 1]
