"""A text of any length is stored whole and never holds up the next lead's reply.

WhatsApp caps a user's text at 4,096 characters, but a hostile or broken sender can post far
more. The brain reads a bounded window (bot.BRAIN_TEXT_CHARS per message, BRAIN_TURN_CHARS a
turn), so the worker's time per turn does not grow with the text.
"""

import time

import pytest

from conversations.models import Message, MessageStatus, ReplyState, Sender
from conversations.services.bot import BRAIN_TURN_CHARS, build_turn
from tests.conversations.conftest import replies_to
from tests.factories import make_conversation, make_message
from tests.samples import text_webhook

pytestmark = pytest.mark.django_db(transaction=True)

MIB = 1024 * 1024
# Shapes that cost the extractor's patterns most, over and over: emails, name and company
# cues, long runs of word characters and of spaces.
FLOOD_UNIT = "Hi, I'm Ana from Acme, ana@acme.example; my name is " + "x" * 300 + " " * 200 + "\n"


def test_a_10_mib_text_is_stored_whole_and_the_next_lead_is_answered_within_seconds(
    post_webhook, run_worker, settings
):
    settings.WHATSAPP_WEBHOOK_MAX_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 11 * MIB
    flood = (FLOOD_UNIT * (10 * MIB // len(FLOOD_UNIT) + 1))[: 10 * MIB]
    post_webhook(text_webhook(flood, wa_id="15550009999")[0])
    post_webhook(text_webhook("Hi, I'm Dana Whitfield", wa_id="15550001111")[0])

    started = time.monotonic()
    run_worker()
    elapsed = time.monotonic() - started

    stored = Message.objects.get(conversation__wa_id="15550009999", sender=Sender.USER)
    assert len(stored.text) == 10 * MIB
    assert stored.reply_state == ReplyState.ANSWERED
    [reply] = replies_to("15550001111")
    assert reply.status == MessageStatus.SENT
    assert "Dana" in reply.text
    # Linear work on 10 MiB takes a second or two; the old quadratic reading took days.
    assert elapsed < 30, f"the worker took {elapsed:.1f} s"


def test_a_flood_of_messages_in_one_burst_is_read_to_a_bounded_window_the_newest_whole():
    conversation = make_conversation()
    pending = [
        make_message(conversation, minutes=index, text=f"{index} " + "y" * 3000)
        for index in range(50)
    ]
    pending.append(make_message(conversation, minutes=60, text="I'm Dana Whitfield"))

    turn = build_turn(conversation.pk, conversation.profile, pending)

    assert len(turn.new_user_text) <= BRAIN_TURN_CHARS + len(pending)  # plus the line breaks
    assert turn.new_user_text.endswith("I'm Dana Whitfield")
    assert turn.new_user_text.count("\n") >= 4  # several of the newest, not only the last
