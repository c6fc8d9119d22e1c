"""The reply pipeline, end to end: a signed webhook in, the bot's reply (or draft) out.

The offline brain and the console transport unless a test points the real OpenAI or
`requests` clients at the local stand-ins.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.models import (
    ConversationLog,
    HandoffState,
    LogAction,
    Message,
    MessageStatus,
    ReplyState,
    Sender,
)
from conversations.services.agent import approve_draft, send_agent_reply, set_manual_mode
from conversations.services.bot import answer_pending_messages, retry_bot_reply
from conversations.services.outbound import WINDOW_CLOSED_CODE, CannotSend
from profiles.models import FieldSource, ProfileFieldSource
from profiles.services import confirm_bot_fields, record_agent_field_changes
from tests.conversations.conftest import conversation_of, replies_to
from tests.samples import text_webhook
from tests.standins.openai_server import rate_limited, slow, turn_reply
from webhooks.models import ProcessedMessage, WebhookEvent
from webhooks.services import process_webhook_event

# Transactional: the real db_worker runs the tasks, and commits as it would in production.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_lead_gets_one_reply_that_asks_for_what_is_missing(user_writes, run_worker):
    wamid = user_writes("Hi, my name is Alice Smith and I work at Acme Corp")
    run_worker()

    [reply] = replies_to()
    assert reply.sender == Sender.BOT
    assert reply.status == MessageStatus.SENT
    assert reply.wamid.startswith("wamid.console.")
    assert "email" in reply.text
    inbound = Message.objects.get(wamid=wamid)
    assert inbound.reply_state == ReplyState.ANSWERED
    assert ProcessedMessage.objects.filter(wamid=wamid).exists()
    profile = conversation_of().profile
    assert (profile.name, profile.last_name, profile.company) == ("Alice", "Smith", "Acme Corp")
    assert profile.what_is_missing == "email"


def test_when_the_profile_is_complete_the_bot_says_so(user_writes, run_worker):
    user_writes("I'm Alice Smith, I work at Acme Corp, alice@acme.example")
    run_worker()

    profile = conversation_of().profile
    assert profile.completion_status is True
    assert "everything" in replies_to()[-1].text


def test_a_redelivered_message_gets_no_second_reply(post_webhook, run_worker):
    body, _ = text_webhook("Hello, I'm Bruno Costa")
    post_webhook(body)
    run_worker()
    post_webhook(body)  # Meta retries: the same message again
    run_worker()
    for event in WebhookEvent.objects.all():  # and an Admin replays everything
        process_webhook_event(event.pk)
    run_worker()

    assert len(replies_to()) == 1


def test_a_second_run_of_the_bot_task_answers_nothing(user_writes, run_worker):
    user_writes("Hello there")
    run_worker()

    assert answer_pending_messages(conversation_of().pk) == "nothing pending"
    assert len(replies_to()) == 1


def test_a_burst_of_messages_gets_one_reply_answering_all_of_them(
    user_writes, run_worker, settings
):
    settings.BOT_BURST_SECONDS = 0.3
    user_writes("Hi!")
    user_writes("My name is Alice Smith")
    user_writes("my email is alice@acme.example")
    run_worker()  # stores the three messages; the bot waits for the burst to end
    assert replies_to() == []

    deadline = timezone.now() + timedelta(seconds=5)
    while not replies_to() and timezone.now() < deadline:
        run_worker()

    [reply] = replies_to()
    assert "company" in reply.text
    profile = conversation_of().profile
    assert (profile.name, profile.email) == ("Alice", "alice@acme.example")
    states = set(Message.objects.filter(sender=Sender.USER).values_list("reply_state", flat=True))
    assert states == {ReplyState.ANSWERED}


def test_reactions_and_media_without_words_get_no_reply(post_webhook, run_worker):
    from tests.samples import sample_bytes

    post_webhook(sample_bytes("10_audio_voice_note.json"))
    post_webhook(sample_bytes("20_reaction.json"))
    run_worker()

    assert not Message.objects.filter(sender=Sender.BOT).exists()
    assert not Message.objects.exclude(reply_state="").exists()


def test_with_the_bot_switched_off_messages_are_stored_and_left_for_agents(
    user_writes, run_worker, settings
):
    settings.BOT_ENABLED = False
    wamid = user_writes("My name is Alice Smith")
    run_worker()

    assert replies_to() == []
    assert Message.objects.get(wamid=wamid).reply_state == ReplyState.NONE
    assert conversation_of().profile.name == ""


# Manual mode, human handoff, pause


def test_manual_mode_only_drafts_and_sends_nothing(user_writes, run_worker, staff_user):
    user_writes("Hello")
    run_worker()
    profile = conversation_of().profile
    set_manual_mode(profile, True, actor=staff_user("agent"))

    wamid = user_writes("My name is Alice Smith")
    run_worker()

    assert len(replies_to()) == 1  # only the reply to "Hello", before manual mode
    profile.refresh_from_db()
    assert "Alice" in profile.ai_draft
    assert profile.ai_draft_created_at is not None
    assert profile.name == "Alice"  # the profile still fills itself in
    assert Message.objects.get(wamid=wamid).reply_state == ReplyState.DRAFTED
    assert ConversationLog.objects.filter(action=LogAction.DRAFT_CREATED).count() == 1


def test_an_approved_draft_is_sent_and_both_texts_are_kept(user_writes, run_worker, staff_user):
    agent = staff_user("agent")
    user_writes("Hello")
    run_worker()
    set_manual_mode(conversation_of().profile, True, actor=agent)
    user_writes("I work at Acme Corp")
    run_worker()
    profile = conversation_of().profile
    draft = profile.ai_draft

    approve_draft(profile, "Thanks! Could you share your email?", actor=agent)
    run_worker()

    sent = replies_to()[-1]
    assert sent.text == "Thanks! Could you share your email?"
    assert sent.status == MessageStatus.SENT
    assert sent.sent_by == agent
    review = sent.draft_review
    assert (review.original_draft, review.sent_text, review.edited) == (
        draft,
        "Thanks! Could you share your email?",
        True,
    )
    profile.refresh_from_db()
    assert profile.ai_draft == ""


def test_an_agent_reply_silences_the_bot_until_handed_back(user_writes, run_worker, staff_user):
    agent = staff_user("agent")
    user_writes("Hello")
    run_worker()
    conversation = conversation_of()

    send_agent_reply(conversation, "Hi, this is Carla from sales.", actor=agent)
    user_writes("Great, my name is Alice Smith")
    run_worker()

    conversation.refresh_from_db()
    assert conversation.handoff_state == HandoffState.HUMAN
    senders = [message.sender for message in replies_to()]
    assert senders == [Sender.BOT, Sender.AGENT]  # the bot did not talk over the agent
    assert "Alice" in conversation.profile.ai_draft  # it only drafted
    assert ConversationLog.objects.filter(action=LogAction.AGENT_REPLY, actor=agent).exists()


def test_a_paused_conversation_gets_neither_reply_nor_draft(user_writes, run_worker, staff_user):
    from conversations.services.agent import set_handoff_state

    user_writes("Hello")
    run_worker()
    conversation = conversation_of()
    set_handoff_state(conversation, HandoffState.PAUSED, actor=staff_user("agent"))

    wamid = user_writes("Anyone there?")
    run_worker()

    assert len(replies_to()) == 1
    assert conversation_of().profile.ai_draft == ""
    assert Message.objects.get(wamid=wamid).reply_state == ReplyState.SKIPPED


# Provenance


def test_each_field_remembers_the_message_and_words_it_came_from(user_writes, run_worker):
    wamid = user_writes("Hello! My name is Alice Smith.")
    run_worker()

    source = ProfileFieldSource.objects.get(field="name")
    assert source.source == FieldSource.BOT
    assert source.message.wamid == wamid
    assert "Alice" in source.quote and source.quote in source.message.text


def test_the_bot_never_overwrites_what_an_agent_typed_or_confirmed(
    user_writes, run_worker, staff_user
):
    agent = staff_user("agent")
    user_writes("My name is Alice Smith, I work at Acme Corp")
    run_worker()
    profile = conversation_of().profile
    record_agent_field_changes(profile, {"name": "Alicia"}, actor=agent)
    confirm_bot_fields(profile, actor=agent)  # the agent checked "Acme Corp"

    user_writes("Sorry, my name is Alina Smith and I work at Globex")
    run_worker()

    profile.refresh_from_db()
    assert (profile.name, profile.company) == ("Alicia", "Acme Corp")
    name = ProfileFieldSource.objects.get(profile=profile, field="name")
    assert (name.source, name.set_by) == (FieldSource.AGENT, agent)
    company = ProfileFieldSource.objects.get(profile=profile, field="company")
    assert company.confirmed_by == agent


def test_a_field_the_agent_cleared_or_got_wrong_is_the_bots_to_fill_again(
    user_writes, run_worker, staff_user
):
    agent = staff_user("agent")
    user_writes("Hello, my name is Alice Smith")
    run_worker()
    profile = conversation_of().profile
    record_agent_field_changes(profile, {"name": "", "email": "alice@"}, actor=agent)

    user_writes("It's Alina actually: my name is Alina Smith, alina@acme.example")
    run_worker()

    profile.refresh_from_db()
    assert (profile.name, profile.email) == ("Alina", "alina@acme.example")
    assert ConversationLog.objects.filter(
        action=LogAction.PROFILE_EDITED, actor=agent, detail="name, email"
    ).exists()


def test_an_invalid_email_from_the_bot_is_not_stored():
    from conversations.brain import ProfileUpdate
    from profiles.services import apply_bot_updates
    from tests.factories import make_conversation

    profile = make_conversation().profile
    change = apply_bot_updates(profile, [ProfileUpdate("email", "alice@", "alice@")], message=None)

    assert change.changed == ()
    profile.refresh_from_db()
    assert profile.email == ""


# The 24-hour window


def test_outside_the_24_hour_window_the_reply_is_refused_before_calling_meta(
    user_writes, run_worker, graph_transport_settings
):
    user_writes("Hello?", at=timezone.now() - timedelta(hours=25))
    run_worker()

    [reply] = replies_to()
    assert reply.status == MessageStatus.FAILED
    assert reply.error_code == WINDOW_CLOSED_CODE
    assert "template" in reply.error_title
    assert graph_transport_settings.requests == []


def test_an_agent_cannot_send_free_text_outside_the_window(user_writes, run_worker, staff_user):
    user_writes("Hello?", at=timezone.now() - timedelta(hours=30))
    run_worker()

    with pytest.raises(CannotSend, match="template"):
        send_agent_reply(conversation_of(), "Are you still there?", actor=staff_user("agent"))
    assert [m.sender for m in replies_to()] == [Sender.BOT]


# With the real OpenAI client against the stand-in


def test_the_openai_brain_replies_and_fills_the_profile(
    user_writes, run_worker, openai_brain_settings, graph_transport_settings
):
    openai_brain_settings.queue(
        turn_reply(
            "Nice to meet you, Alice! Which company are you with?",
            [{"field": "name", "value": "Alice", "quote": "soy Alice"}],
        )
    )
    user_writes("Hola, soy Alice")
    run_worker()

    assert graph_transport_settings.sent_texts == [
        "Nice to meet you, Alice! Which company are you with?"
    ]
    request = openai_brain_settings.requests[0].json()
    assert request["messages"][-1] == {"role": "user", "content": "Hola, soy Alice"}
    assert conversation_of().profile.name == "Alice"
    assert replies_to()[0].wamid == graph_transport_settings.accepted[0][0]


def test_a_rate_limited_brain_still_answers_once(
    user_writes, run_worker, openai_brain_settings, graph_transport_settings
):
    openai_brain_settings.queue(rate_limited(), turn_reply("Hi! What is your name?"))
    user_writes("Hello")
    run_worker()

    assert graph_transport_settings.sent_texts == ["Hi! What is your name?"]
    assert len(openai_brain_settings.requests) == 2


def test_a_brain_that_keeps_failing_leaves_the_message_for_retry_never_dropped(
    user_writes, run_worker, openai_brain_settings, settings, staff_user
):
    settings.OPENAI_TIMEOUT = 0.2
    settings.OPENAI_MAX_RETRIES = 0
    settings.BOT_REPLY_MAX_ATTEMPTS = 2
    openai_brain_settings.queue(slow(1.0), slow(1.0))
    wamid = user_writes("Hello")
    run_worker()

    inbound = Message.objects.get(wamid=wamid)
    assert (inbound.reply_state, inbound.reply_attempts) == (ReplyState.FAILED, 2)
    assert replies_to() == []
    assert not ProcessedMessage.objects.filter(wamid=wamid).exists()

    assert retry_bot_reply(inbound, actor=staff_user("agent"))  # the stand-in is healthy now
    run_worker()
    run_worker()

    assert len(replies_to()) == 1
    assert Message.objects.get(wamid=wamid).reply_state == ReplyState.ANSWERED
