"""What the bot extracts into a profile is stored as plain text, through the real pipeline
(webhook, worker, brain, profile): formatting is dropped, markup and links store nothing."""

import pytest

from profiles.completeness import is_valid_email
from profiles.models import ProfileFieldSource
from tests.conversations.conftest import conversation_of, replies_to
from tests.standins.openai_server import turn_reply

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits

# Valid as an address (a quoted local part may hold anything), so only the markup check stops it.
MARKUP_EMAIL = '"<img/src/onerror=alert(1)>"@example.com'


def test_the_offline_brain_keeps_the_words_of_a_formatted_company(user_writes, run_worker):
    user_writes("Soy Ana, trabajo en Acme <i>Labs</i>")
    run_worker()

    profile = conversation_of().profile
    assert (profile.name, profile.company) == ("Ana", "Acme Labs")
    assert ProfileFieldSource.objects.get(profile=profile, field="company").value == "Acme Labs"


def test_the_offline_brain_stores_no_company_that_carries_a_script(user_writes, run_worker):
    user_writes("Company: Acme <script>alert(1)</script>")
    run_worker()

    profile = conversation_of().profile
    assert profile.company == ""
    assert not ProfileFieldSource.objects.filter(profile=profile, field="company").exists()
    assert len(replies_to()) == 1  # the lead still gets an answer


def test_the_openai_brain_values_are_stored_as_plain_text_or_not_at_all(
    user_writes, run_worker, openai_brain_settings
):
    assert is_valid_email(MARKUP_EMAIL)
    openai_brain_settings.queue(
        turn_reply(
            "Thanks Ana! What is your email?",
            [
                {"field": "name", "value": "<b>Ana</b>", "quote": "soy <b>Ana</b>"},
                {"field": "last_name", "value": "Ruiz\u202e\x07", "quote": "Ruiz"},
                {
                    "field": "company",
                    "value": "<iframe src=javascript:alert(document.cookie)>",
                    "quote": "mi empresa",
                },
                {"field": "email", "value": MARKUP_EMAIL, "quote": MARKUP_EMAIL},
            ],
        )
    )
    user_writes("Hola, soy <b>Ana</b> Ruiz")
    run_worker()

    profile = conversation_of().profile
    assert (profile.name, profile.last_name, profile.company, profile.email) == (
        "Ana",
        "Ruiz",
        "",
        "",
    )
    stored = ProfileFieldSource.objects.filter(profile=profile).values_list("field", "value")
    assert sorted(stored) == [("last_name", "Ruiz"), ("name", "Ana")]
