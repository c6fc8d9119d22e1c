"""`seed_demo`: a newcomer's admin shows leads, written through the real pipeline, once."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conversations.demo.leads import demo_leads
from conversations.models import (
    Conversation,
    ConversationLog,
    Direction,
    Message,
    MessageStatus,
    ReplyState,
)
from profiles.models import ClientProfile, ProfileFieldSource
from webhooks.models import EventOutcome, ProcessedMessage, WebhookEvent

pytestmark = pytest.mark.django_db

COUNTED = (
    Conversation,
    Message,
    ClientProfile,
    ProfileFieldSource,
    ConversationLog,
    WebhookEvent,
    ProcessedMessage,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def seed(*args: str) -> None:
    call_command("seed_demo", *args, stdout=io.StringIO())


def test_seeding_twice_creates_nothing_the_second_time():
    seed("--leads", "8")
    first = counts()
    seed("--leads", "8")

    assert counts() == first
    assert first["Conversation"] == 8


def test_the_demo_has_what_a_newcomer_should_see():
    seed()

    leads = demo_leads(24)
    conversations = {c.wa_id: c for c in Conversation.objects.select_related("profile")}
    assert len(conversations) == 24
    # Each lead's profile ends as its script says: complete ones and incomplete ones.
    for lead in leads:
        profile = conversations[lead.wa_id].profile
        assert profile.completion_status == lead.expect_complete, (lead, profile.__dict__)
    assert {lead.language for lead in leads} == {"en", "es", "pt", "de"}
    # The bot answered in the lead's language.
    replies = set(Message.objects.filter(direction=Direction.OUT).values_list("text", flat=True))
    for word in ("Thanks", "Gracias", "Obrigado", "Danke"):
        assert any(word in reply for reply in replies), word
    # One lead in manual mode with the bot's draft waiting for an agent.
    manual = ClientProfile.objects.get(manual_mode=True)
    assert manual.ai_draft
    assert manual.conversation.messages.filter(reply_state=ReplyState.DRAFTED).exists()
    # Failed sends, with Meta's codes, and ticks on the others.
    failed = Message.objects.filter(status=MessageStatus.FAILED)
    assert set(failed.values_list("error_code", flat=True)) == {131026, 131047}
    assert Message.objects.filter(status=MessageStatus.READ).count() > 10
    assert Message.objects.filter(status=MessageStatus.DELIVERED).exists()


def test_the_demo_spreads_over_the_last_week_and_leaves_nothing_for_the_worker():
    seed()

    now = timezone.now()
    last_activity = sorted(Conversation.objects.values_list("last_message_at", flat=True))
    assert last_activity[0] < now - timedelta(days=6)
    assert sum(1 for at in last_activity if at > now - timedelta(hours=24)) >= 6
    # Each message's time follows its conversation: the user writes, the bot answers.
    for conversation in Conversation.objects.all():
        times = list(conversation.messages.order_by("id").values_list("direction", "timestamp"))
        assert [at for _, at in times] == sorted(at for _, at in times)
        assert conversation.created_at <= times[0][1] + timedelta(seconds=2)
    assert not WebhookEvent.objects.exclude(outcome=EventOutcome.PROCESSED).exists()
    assert not DBTaskResult.objects.exists()
    assert not Message.objects.filter(reply_state=ReplyState.PENDING).exists()
    assert not Message.objects.filter(status=MessageStatus.QUEUED).exists()


def test_a_number_of_leads_out_of_range_is_refused():
    with pytest.raises(CommandError, match="from 1 to"):
        seed("--leads", "0")


def test_demo_leads_are_never_sent_to_whatsapp(settings):
    settings.WHATSAPP_TRANSPORT = "graph"
    with pytest.raises(CommandError, match="console transport only"):
        seed("--leads", "1")
    assert not Conversation.objects.exists()
