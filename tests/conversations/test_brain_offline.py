"""The offline brain: rule-based replies and profile updates, with no network."""

import pytest

from conversations.brain import BrainTurn, HistoryItem, ProfileSnapshot, ProfileUpdate, get_brain
from conversations.brain.offline import OfflineBrain
from profiles.completeness import missing_profile_fields


def profile(name="", last_name="", company="", email="") -> ProfileSnapshot:
    missing = missing_profile_fields(name=name, last_name=last_name, company=company, email=email)
    return ProfileSnapshot(name, last_name, company, email, missing.missing)


def turn(*history: tuple[str, str] | str, lead: ProfileSnapshot | None = None) -> BrainTurn:
    """History items as (role, text); a bare string is a user message."""
    items = tuple(
        HistoryItem("user", item) if isinstance(item, str) else HistoryItem(*item)
        for item in history
    )
    return BrainTurn(history=items, profile=lead or profile())


def learned(*user_messages: str) -> dict[str, str]:
    reply = OfflineBrain().respond(turn(*user_messages))
    return {update.field: update.value for update in reply.updates}


def test_it_is_the_brain_when_no_openai_key_is_configured(settings):
    settings.BOT_BRAIN = "offline"

    assert isinstance(get_brain(), OfflineBrain)


def test_an_email_is_picked_out_of_the_sentence():
    assert learned("Sure, it's ana.perez+leads@acme-corp.com.") == {
        "email": "ana.perez+leads@acme-corp.com"
    }


@pytest.mark.parametrize(
    ("text", "name", "last_name"),
    [
        ("Hi! My name is Ana Pérez", "Ana", "Pérez"),
        ("Hola, me llamo Lucía Fernández García", "Lucía", "Fernández García"),
        ("I'm John Smith", "John", "Smith"),
        ("Hi, I\u2019m Seán O\u2019Brien", "Seán", "O\u2019Brien"),  # a phone's curly apostrophe
        ("Olá, meu nome é João Silva", "João", "Silva"),
    ],
)
def test_a_full_name_is_split_into_name_and_last_name(text, name, last_name):
    assert learned(text) == {"name": name, "last_name": last_name}


def test_a_first_name_alone_leaves_the_last_name_unknown():
    assert learned("I am Ana") == {"name": "Ana"}


@pytest.mark.parametrize(
    "text",
    [
        "I'm Ana Pérez and I work at Acme Corp",
        "me llamo Ana Pérez y trabajo en Acme Corp",
        "My name is Ana Pérez I work at Acme Corp",
    ],
)
def test_the_words_after_a_name_do_not_become_part_of_the_last_name(text):
    assert learned(text) == {"name": "Ana", "last_name": "Pérez", "company": "Acme Corp"}


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("I work at Acme Corp", "Acme Corp"),
        ("I work for Globex, my email is ana@globex.com", "Globex"),
        ("trabajo en Industrias Pérez", "Industrias Pérez"),
        ("Trabalho na Empresa Azul", "Empresa Azul"),
    ],
)
def test_the_company_is_taken_from_where_the_user_says_they_work(text, company):
    assert learned(text)["company"] == company


@pytest.mark.parametrize(
    "text",
    ["I'm interested in your product", "I'm looking for a quote", "Soy de Madrid", "Sou do Rio"],
)
def test_phrases_that_are_not_names_are_not_taken_as_names(text):
    assert "name" not in learned(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hola, quiero información", "¿Me podrías decir tu nombre y tu apellido?"),
        ("Olá, quero saber mais", "Pode me dizer o seu nome e o seu sobrenome?"),
        ("Hi, I'd like to know more", "Could you tell me your first name and your last name?"),
    ],
)
def test_it_answers_in_the_language_the_user_writes_in(text, expected):
    reply = OfflineBrain().respond(turn(text))

    assert expected in reply.text


def test_a_bare_email_keeps_the_language_the_user_spoke_before():
    lead = profile(name="Lucía", last_name="Fernández", company="Globex")
    thread = turn(
        "Hola, me llamo Lucía Fernández y trabajo en Globex",
        ("assistant", "¡Gracias Lucía! ¿Me podrías decir tu correo electrónico?"),
        "lucia@globex.com",
        lead=lead,
    )

    reply = OfflineBrain().respond(thread)

    assert reply.text == (
        "¡Gracias Lucía! Ya tengo todo lo que necesito. "
        "Alguien de nuestro equipo te escribirá pronto."
    )


def test_it_asks_for_at_most_two_missing_fields_in_asking_order():
    reply = OfflineBrain().respond(turn("I'm John Smith"))

    assert reply.text == (
        "Thanks John! Could you tell me the company you work for and your email address?"
    )


def test_it_asks_only_for_what_is_still_missing_after_this_message():
    lead = profile(name="Ana", company="Acme Corp")

    reply = OfflineBrain().respond(turn("ana@acme.com", lead=lead))

    assert reply.text == "Thanks Ana! Could you tell me your last name?"


def test_it_says_it_has_everything_when_nothing_is_missing():
    lead = profile(name="Ana", last_name="Pérez", company="Acme Corp", email="ana@acme.com")

    reply = OfflineBrain().respond(turn("Thanks!", lead=lead))

    assert reply.text == (
        "Hi Ana! I have everything I need. Someone from our team will be in touch soon."
    )
    assert reply.updates == ()


def test_a_burst_of_messages_is_read_together_and_older_messages_are_not_read_again():
    thread = turn(
        "my email is old@example.com",
        ("assistant", "Thanks! Could you tell me your first name and your last name?"),
        "I'm Ana",
        "I work at Acme Corp",
        "ana@acme.com",
    )

    reply = OfflineBrain().respond(thread)

    assert {update.field: update.value for update in reply.updates} == {
        "name": "Ana",
        "company": "Acme Corp",
        "email": "ana@acme.com",
    }
    assert reply.text == "Thanks Ana! Could you tell me your last name?"


@pytest.mark.parametrize(
    "messages",
    [
        ("Hi! My name is Ana Pérez and I work at Acme Corp. Email: ana@acme.com",),
        ("Hola, me llamo Lucía Fernández García", "trabajo en Globex y mi correo es l@g.es"),
        ("I\u2019m Seán O\u2019Brien", "I'm calling from Initech; sean@initech.io"),
    ],
)
def test_every_update_quotes_the_users_own_words(messages):
    thread = turn(*messages)

    reply = OfflineBrain().respond(thread)

    assert len(reply.updates) == 4
    for update in reply.updates:
        assert isinstance(update, ProfileUpdate)
        assert update.quote in thread.new_user_text
        assert update.value in update.quote


def answer_to(asks: tuple[str, ...], text: str) -> dict[str, str]:
    """What the brain learns from `text`, sent right after a question for `asks`."""
    thread = BrainTurn(
        history=(HistoryItem("assistant", "Could you tell me?"), HistoryItem("user", text)),
        profile=profile(),
        last_asked=asks,
    )
    return {update.field: update.value for update in OfflineBrain().respond(thread).updates}


@pytest.mark.parametrize(
    ("asks", "text", "expected"),
    [
        (
            ("name", "last_name"),
            "ok, it's Dana Whitfield",
            {"name": "Dana", "last_name": "Whitfield"},
        ),
        (("name", "last_name"), "Dana Whitfield", {"name": "Dana", "last_name": "Whitfield"}),
        (("name",), "dana", {"name": "Dana"}),
        (("last_name",), "Whitfield, thanks!", {"last_name": "Whitfield"}),
        (("company",), "Northwind Traders", {"company": "Northwind Traders"}),
        (("company",), "company is Northwind Traders", {"company": "Northwind Traders"}),
        (("name", "company"), "Dana, Northwind", {"name": "Dana", "company": "Northwind"}),
        (("email",), "it's dana@northwind.example.", {"email": "dana@northwind.example"}),
    ],
)
def test_an_answer_is_read_in_the_light_of_the_question_just_asked(asks, text, expected):
    assert answer_to(asks, text) == expected


def test_without_the_question_a_bare_name_is_not_taken():
    assert answer_to((), "Dana Whitfield") == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("this is Omar Haddad with Bluefin Logistics, omar@bluefin.example",
         ("Omar", "Haddad", "Bluefin Logistics", "omar@bluefin.example")),
        ("soy Inés Robles, de Ferretería Robles", ("Inés", "Robles", "Ferretería Robles", "")),
        ("aqui é o Pedro Alves, da Alves Engenharia (pedro@alves.com.br)",
         ("Pedro", "Alves", "Alves Engenharia", "pedro@alves.com.br")),
        ("hier ist Katrin Vogel von Vogel & Söhne", ("Katrin", "Vogel", "Vogel & Söhne", "")),
        ("Guten Tag, mein Name ist Jan Becker und ich arbeite bei Becker Bau GmbH",
         ("Jan", "Becker", "Becker Bau GmbH", "")),
    ],
)  # fmt: skip
def test_a_self_introduction_in_one_breath_fills_every_field_it_names(text, expected):
    got = learned(text)

    assert tuple(got.get(field, "") for field in ("name", "last_name", "company", "email")) == (
        expected
    )


def test_labelled_fields_are_read_one_per_line():
    text = "Nome: Ana Paula Souza\nEmpresa: Souza Ltda.\nE-mail: ana@souza.example"

    assert learned(text) == {
        "name": "Ana Paula",
        "last_name": "Souza",
        "company": "Souza Ltda.",
        "email": "ana@souza.example",
    }


@pytest.mark.parametrize(
    ("text", "name", "last_name"),
    [
        ("My name is Jean-Luc Picard", "Jean-Luc", "Picard"),
        ("me llamo Juan Carlos de la Cruz", "Juan Carlos", "de la Cruz"),
        ("Olá, meu nome é Maria Luísa dos Santos", "Maria Luísa", "dos Santos"),
        ("Hallo, ich bin Anna von Stein.", "Anna", "von Stein"),
    ],
)
def test_compound_given_names_and_particles_split_as_a_person_would(text, name, last_name):
    assert learned(text) == {"name": name, "last_name": last_name}


def test_an_unsure_last_name_is_asked_for_rather_than_guessed():
    reply = OfflineBrain().respond(turn("Hi, I'm John Paul Jones"))

    assert {update.field: update.value for update in reply.updates} == {"name": "John"}
    assert reply.asks == ("last_name", "company")


@pytest.mark.parametrize(
    ("asks", "text"),
    [
        (("name", "last_name"), "I'm curious about your plans"),
        (("name", "last_name"), "I'm after a demo"),
        (("company",), "do you deliver to Lisbon?"),
        (("company",), "no company, just me"),
        (("email",), "my email is dana@northwind"),
        (("email",), "dana at northwind dot com"),
    ],
)
def test_a_non_answer_fills_nothing(asks, text):
    assert answer_to(asks, text) == {}


def test_a_corrected_email_replaces_the_wrong_one():
    assert learned("sorry, it's ana@acme.example not ana@acme.exmaple") == {
        "email": "ana@acme.example"
    }


def test_a_german_lead_is_asked_in_german_for_what_is_still_missing():
    reply = OfflineBrain().respond(turn("Hallo, ich heiße Katrin Vogel"))

    assert reply.text == (
        "Danke Katrin! Könnten Sie mir die Firma, für die Sie arbeiten und Ihre "
        "E-Mail-Adresse nennen?"
    )
    assert reply.asks == ("company", "email")
