"""The bot hands over what only a person can answer: prices, availability, complaints.

Instead of "I have everything I need", the lead reads that a person will answer, and the
conversation goes to `human` state (logged as the bot's doing) with the reason the
dashboard shows; the bot then only drafts.
"""

import pytest

from conversations.brain import BrainTurn, HistoryItem, ProfileSnapshot
from conversations.brain.offline import HANDOFF_REASONS, OfflineBrain
from conversations.models import ConversationLog, HandoffState, LiveEvent, LogAction, ReplyState
from conversations.services.agent import hand_back_to_bot
from tests.conversations.conftest import conversation_of, replies_to
from tests.standins.openai_server import turn_reply

COMPLETE = ProfileSnapshot("Ana", "Lopez", "Acme", "ana@acme.example", missing=())


def offline_reply(text: str, profile: ProfileSnapshot = COMPLETE):
    return OfflineBrain().respond(BrainTurn(history=(HistoryItem("user", text),), profile=profile))


@pytest.mark.parametrize(
    ("text", "topic", "person_will_answer"),
    [
        ("How much does the premium plan cost?", "price", "A person from our team"),
        ("Do you have the blue model in stock?", "availability", "A person from our team"),
        ("My order arrived broken, I want a refund", "complaint", "I'm sorry to hear that."),
        ("¿Cuánto cuesta el envío a Madrid?", "price", "Una persona de nuestro equipo"),
        ("¿Tienen disponibilidad para el lunes?", "availability", "Una persona de nuestro"),
        ("Quero fazer uma reclamação", "complaint", "Uma pessoa da nossa equipe"),
        ("Qual é o preço do serviço?", "price", "Uma pessoa da nossa equipe"),
        ("Was kostet die Lieferung nach Berlin?", "price", "Eine Person aus unserem Team"),
        ("Ist das Modell noch lieferbar?", "availability", "Eine Person aus unserem Team"),
        ("Das Gerät funktioniert nicht, ich möchte eine Beschwerde", "complaint", "tut mir leid"),
    ],
)
def test_the_offline_brain_hands_over_what_it_cannot_answer(text, topic, person_will_answer):
    reply = offline_reply(text)

    assert reply.handoff == HANDOFF_REASONS[topic]
    assert person_will_answer in reply.text
    assert "everything" not in reply.text and "todo lo que" not in reply.text


@pytest.mark.parametrize(
    "text",
    [
        "Hi, I'm Ana Lopez from Acme",
        "I'm available after 5pm, ana@acme.example",
        "Gracias, eso es todo",
        "Estoy disponible por la tarde",
        "Obrigado!",
        "Danke, bis bald",
    ],
)
def test_an_ordinary_message_is_no_handoff(text):
    assert offline_reply(text).handoff == ""


def test_a_handoff_still_asks_for_what_is_missing():
    empty = ProfileSnapshot("", "", "", "", missing=("name", "last_name", "company", "email"))

    reply = offline_reply("What are your prices?", empty)

    assert reply.handoff == "price question"
    assert reply.text == (
        "Hi! A person from our team will answer you here shortly. Meanwhile, could you tell me "
        "your first name and your last name?"
    )
    assert reply.asks == ("name", "last_name")


@pytest.mark.django_db(transaction=True)
def test_a_price_question_gets_a_person_not_a_brush_off(user_writes, run_worker):
    user_writes("I'm Alice Smith, I work at Acme Corp, alice@acme.example. How much is it?")
    run_worker()

    conversation = conversation_of()
    [reply] = replies_to()
    assert "A person from our team will answer you here shortly" in reply.text
    assert "everything I need" not in reply.text
    assert conversation.handoff_state == HandoffState.HUMAN
    assert conversation.handoff_reason == "price question"
    [log] = ConversationLog.objects.filter(action=LogAction.HANDOFF)
    assert log.actor is None  # the bot did it
    assert "(bot: price question)" in log.detail
    handoff = LiveEvent.objects.filter(kind="handoff").last()
    assert handoff.payload["conversation"]["handoff_state"] == HandoffState.HUMAN

    # The next message waits for the person: the bot only drafts.
    user_writes("Hello? Any news?", wamid="wamid.handoff.2")
    run_worker()
    assert len(replies_to()) == 1
    conversation.profile.refresh_from_db()
    assert conversation.profile.ai_draft
    assert conversation.messages.get(wamid="wamid.handoff.2").reply_state == ReplyState.DRAFTED


@pytest.mark.django_db(transaction=True)
def test_handing_back_to_the_bot_clears_the_reason(user_writes, run_worker, staff_user):
    user_writes("Do you have it in stock?")
    run_worker()
    conversation = conversation_of()
    assert conversation.handoff_reason == "availability question"

    hand_back_to_bot(conversation.profile, actor=staff_user("agent"))

    conversation.refresh_from_db()
    assert (conversation.handoff_state, conversation.handoff_reason) == (HandoffState.BOT, "")


@pytest.mark.django_db(transaction=True)
def test_the_openai_brain_hands_over_through_its_structured_output(
    user_writes, run_worker, openai_brain_settings
):
    openai_brain_settings.queue(
        turn_reply("A colleague will confirm the price here shortly.", handoff="price question")
    )
    user_writes("How much for 200 units?")
    run_worker()

    conversation = conversation_of()
    assert [m.text for m in replies_to()] == ["A colleague will confirm the price here shortly."]
    assert conversation.handoff_state == HandoffState.HUMAN
    assert conversation.handoff_reason == "price question"
    schema = openai_brain_settings.requests[0].json()["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["handoff"]["required"] == ["needed", "reason"]


@pytest.mark.django_db(transaction=True)
def test_an_openai_turn_without_handoff_leaves_the_bot_in_charge(
    user_writes, run_worker, openai_brain_settings
):
    openai_brain_settings.queue(turn_reply("Hi! What is your email?", asks=("email",)))
    user_writes("Hi there")
    run_worker()

    assert conversation_of().handoff_state == HandoffState.BOT
