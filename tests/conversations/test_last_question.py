"""The lead's answer is read in the light of the question the bot (or an agent) last asked.

End to end through the signed webhook and the real worker, with the offline brain.
"""

import pytest

from conversations.services.agent import send_agent_reply
from tests.conversations.conftest import conversation_of, replies_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_bots_question_is_kept_and_a_bare_answer_fills_what_it_asked(user_writes, run_worker):
    user_writes("Hi, I saw your ad")
    run_worker()
    [question] = replies_to()
    assert question.asked_for == "name, last_name"

    user_writes("Dana Whitfield")
    run_worker()
    profile = conversation_of().profile
    assert (profile.name, profile.last_name) == ("Dana", "Whitfield")
    second = replies_to()[-1]
    assert second.asked_for == "company, email"
    assert second.text == (
        "Thanks Dana! Could you tell me the company you work for and your email address?"
    )

    user_writes("Northwind Traders")
    run_worker()
    profile.refresh_from_db()
    assert profile.company == "Northwind Traders"
    assert profile.what_is_missing == "email"


def test_a_question_is_not_an_answer(user_writes, run_worker):
    user_writes("Hello")
    run_worker()

    user_writes("do you deliver to Lisbon?")
    run_worker()

    profile = conversation_of().profile
    assert (profile.name, profile.last_name, profile.company) == ("", "", "")
    assert replies_to()[-1].asked_for == "name, last_name"


def test_an_agents_own_question_is_read_from_its_words(user_writes, run_worker, staff_user):
    user_writes("Hi, I'm Dana Whitfield")
    run_worker()
    send_agent_reply(conversation_of(), "Nice to meet you! Which company are you with?",
                     actor=staff_user("agent"))  # fmt: skip
    run_worker()

    user_writes("Northwind Traders")
    run_worker()

    profile = conversation_of().profile
    assert profile.company == "Northwind Traders"
    assert profile.ai_draft  # the agent is in charge now: the bot only drafted its answer


def test_a_german_lead_is_answered_in_german(user_writes, run_worker):
    user_writes("Hallo, hier ist Katrin Vogel von Vogel & Söhne")
    run_worker()

    profile = conversation_of().profile
    assert (profile.name, profile.last_name, profile.company) == (
        "Katrin",
        "Vogel",
        "Vogel & Söhne",
    )
    assert replies_to()[-1].text == ("Danke Katrin! Könnten Sie mir Ihre E-Mail-Adresse nennen?")
