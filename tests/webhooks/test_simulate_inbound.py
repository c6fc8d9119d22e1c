"""`simulate_inbound` lets a newcomer try the bot locally, through the real pipeline."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conversations.models import Conversation, Direction, Sender

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_simulated_lead_is_stored_and_answered_by_the_bot(run_worker, settings):
    settings.BOT_ENABLED = True  # tests/webhooks switches the bot off; here it is the point
    settings.BOT_BURST_SECONDS = 0
    call_command("simulate_inbound", "Hi, my name is Ana Lopez", "--from", "15550004242")
    run_worker()

    conversation = Conversation.objects.get(wa_id="15550004242")
    assert conversation.profile.name == "Ana"
    directions = list(
        conversation.messages.order_by("timestamp", "id").values_list("direction", "sender")
    )
    assert directions == [(Direction.IN, Sender.USER), (Direction.OUT, Sender.BOT)]


def test_a_phone_number_with_symbols_is_refused_clearly():
    with pytest.raises(CommandError, match="digits only"):
        call_command("simulate_inbound", "Hello", "--from", "+1 555 000")
