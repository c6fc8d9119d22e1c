"""The OpenAI brain, through the real `openai` client, against the local OpenAI stand-in."""

import time

import pytest

from conversations.brain import (
    BrainReply,
    BrainTurn,
    BrainUnavailable,
    HistoryItem,
    ProfileSnapshot,
    ProfileUpdate,
    get_brain,
)
from conversations.brain.openai_brain import MALFORMED_OUTPUT_ATTEMPTS
from profiles.completeness import missing_profile_fields
from tests.standins.openai_server import (
    DEFAULT_REPLY,
    malformed,
    rate_limited,
    server_error,
    slow,
    turn_reply,
)


def profile(name="", last_name="", company="", email="") -> ProfileSnapshot:
    missing = missing_profile_fields(name=name, last_name=last_name, company=company, email=email)
    return ProfileSnapshot(name, last_name, company, email, missing.missing)


def turn(*history: tuple[str, str], lead: ProfileSnapshot | None = None) -> BrainTurn:
    items = tuple(HistoryItem(role, text) for role, text in history)
    return BrainTurn(history=items, profile=lead or profile())


HELLO = turn(("user", "Hi, I'm interested in your plans"))


@pytest.fixture
def brain(openai_brain_settings):
    return get_brain()


def sent_messages(standin, index=0) -> list[dict]:
    return standin.requests[index].json()["messages"]


def test_a_turn_is_one_chat_completion_for_the_configured_model_with_a_strict_json_schema(
    brain, openai_standin
):
    reply = brain.respond(HELLO)

    assert reply == BrainReply(text=DEFAULT_REPLY)
    [request] = openai_standin.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    body = request.json()
    assert body["model"] == "gpt-4o-mini"
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["schema"]["required"] == [
        "reply",
        "updates",
        "asks",
        "handoff",
    ]


def test_the_system_prompt_says_what_is_known_and_what_is_still_missing(brain, openai_standin):
    brain.respond(turn(("user", "Hello again"), lead=profile(name="Ana", company="Acme Corp")))

    system, *_ = sent_messages(openai_standin)
    assert system["role"] == "system"
    prompt = system["content"]
    assert "Ana" in prompt
    assert "Acme Corp" in prompt
    [missing_line] = [line for line in prompt.splitlines() if line.startswith("Still missing")]
    assert "last name" in missing_line
    assert "email" in missing_line
    assert "company" not in missing_line


def test_the_system_prompt_states_the_last_question_asked_and_the_reply_says_what_it_asks(
    brain, openai_standin
):
    openai_standin.queue(turn_reply("Thanks Dana! And your company?", asks=("company",)))
    thread = BrainTurn(
        history=(
            HistoryItem("assistant", "Hi! What is your name?"),
            HistoryItem("user", "Dana Whitfield"),
        ),
        profile=profile(),
        last_asked=("name", "last_name"),
    )

    reply = brain.respond(thread)

    prompt = sent_messages(openai_standin)[0]["content"]
    [asked_line] = [line for line in prompt.splitlines() if line.startswith("Your last message")]
    assert "asked them for: name, last name;" in asked_line
    assert reply.asks == ("company",)


def test_without_a_last_question_the_prompt_says_nothing_in_particular_was_asked(
    brain, openai_standin
):
    brain.respond(HELLO)

    prompt = sent_messages(openai_standin)[0]["content"]
    assert "asked them for: nothing in particular" in prompt


def test_a_complete_profile_is_described_as_missing_nothing(brain, openai_standin):
    lead = profile(name="Ana", last_name="Pérez", company="Acme Corp", email="ana@acme.com")

    brain.respond(turn(("user", "Thanks!"), lead=lead))

    prompt = sent_messages(openai_standin)[0]["content"]
    [missing_line] = [line for line in prompt.splitlines() if line.startswith("Still missing")]
    assert "nothing" in missing_line
    assert "ana@acme.com" in prompt


def test_the_thread_is_sent_oldest_first_with_each_speakers_role(brain, openai_standin):
    brain.respond(
        turn(
            ("user", "Hi"),
            ("assistant", "Hi! What is your name?"),
            ("user", "Ana Pérez"),
            ("user", "I work at Acme Corp"),
        )
    )

    assert sent_messages(openai_standin)[1:] == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hi! What is your name?"},
        {"role": "user", "content": "Ana Pérez"},
        {"role": "user", "content": "I work at Acme Corp"},
    ]


def test_the_reply_and_profile_updates_come_back_as_dataclasses_with_their_quotes(
    brain, openai_standin
):
    openai_standin.queue(
        turn_reply(
            "  Thanks Ana! Which company do you work for?  ",
            [
                {"field": "name", "value": "Ana", "quote": "I'm Ana Pérez"},
                {"field": "last_name", "value": " Pérez ", "quote": "I'm Ana Pérez"},
                {"field": "email", "value": "ana@acme.com", "quote": "mail me at ana@acme.com"},
            ],
        )
    )

    reply = brain.respond(turn(("user", "I'm Ana Pérez, mail me at ana@acme.com")))

    assert reply == BrainReply(
        text="Thanks Ana! Which company do you work for?",
        updates=(
            ProfileUpdate("name", "Ana", "I'm Ana Pérez"),
            ProfileUpdate("last_name", "Pérez", "I'm Ana Pérez"),
            ProfileUpdate("email", "ana@acme.com", "mail me at ana@acme.com"),
        ),
    )


def test_updates_for_unknown_fields_or_with_empty_values_are_dropped(brain, openai_standin):
    openai_standin.queue(
        turn_reply(
            "Thanks!",
            [
                {"field": "phone", "value": "+34 600 000 000", "quote": "+34 600 000 000"},
                {"field": "company", "value": "   ", "quote": "I work"},
                {"field": "name", "value": "", "quote": "my name"},
                {"field": "email", "value": "ana@acme.com", "quote": "ana@acme.com"},
            ],
        )
    )

    reply = brain.respond(turn(("user", "ana@acme.com, +34 600 000 000, I work")))

    assert reply.updates == (ProfileUpdate("email", "ana@acme.com", "ana@acme.com"),)


def test_a_rate_limit_is_waited_out_and_the_turn_still_answered(brain, openai_standin):
    openai_standin.queue(rate_limited())

    reply = brain.respond(HELLO)

    assert reply.text == DEFAULT_REPLY
    assert len(openai_standin.requests) == 2


def test_a_server_error_is_retried_and_the_turn_still_answered(brain, openai_standin):
    openai_standin.queue(server_error())

    reply = brain.respond(HELLO)

    assert reply.text == DEFAULT_REPLY
    assert len(openai_standin.requests) == 2


def test_errors_that_outlast_the_clients_retries_make_the_brain_unavailable(brain, openai_standin):
    openai_standin.queue(rate_limited(), server_error(), rate_limited())

    with pytest.raises(BrainUnavailable):
        brain.respond(HELLO)

    assert len(openai_standin.requests) == 3  # the first call and OPENAI_MAX_RETRIES=2


def test_a_model_that_never_answers_in_time_makes_the_brain_unavailable_quickly(
    openai_brain_settings, settings
):
    settings.OPENAI_TIMEOUT = 0.2
    openai_brain_settings.queue(*[slow(5.0)] * 3)
    brain = get_brain()

    started = time.monotonic()
    with pytest.raises(BrainUnavailable):
        brain.respond(HELLO)

    assert len(openai_brain_settings.requests) == 3  # every attempt timed out
    assert time.monotonic() - started < 4.0  # 3 x 0.2 s and the client's backoff: no hang


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("Thanks! What is your email?", id="plain text"),
        pytest.param('{"reply": "Thanks! What is', id="cut off"),
        pytest.param('{"updates": []}', id="no reply"),
        pytest.param('{"reply": "Thanks!", "updates": 7}', id="updates not a list"),
        pytest.param('{"reply": "Thanks!", "updates": ["name"]}', id="update not an object"),
        pytest.param('{"reply": "   ", "updates": []}', id="empty reply"),
    ],
)
def test_output_that_does_not_follow_the_schema_is_asked_for_again(brain, openai_standin, content):
    openai_standin.queue(malformed(content))

    reply = brain.respond(HELLO)

    assert reply == BrainReply(text=DEFAULT_REPLY)
    first, second = (request.json() for request in openai_standin.requests)
    assert second == first


def test_output_that_never_follows_the_schema_makes_the_brain_unavailable(brain, openai_standin):
    openai_standin.queue(*[malformed()] * MALFORMED_OUTPUT_ATTEMPTS)

    with pytest.raises(BrainUnavailable):
        brain.respond(HELLO)

    assert len(openai_standin.requests) == MALFORMED_OUTPUT_ATTEMPTS == 2
