"""Every message type reads as what it is in the thread and on the dashboard, never as "—"."""

import pytest

from conversations.admin import render_thread
from conversations.message_display import location_of, summary
from conversations.models import Message, MessageType
from tests.factories import make_conversation, make_message
from tests.samples import sample_bytes


@pytest.mark.django_db(transaction=True)
def test_a_shared_location_shows_its_name_address_and_a_map_link(post_webhook, run_worker):
    post_webhook(sample_bytes("14_location_named_place.json"))
    run_worker()
    message = Message.objects.get(type=MessageType.LOCATION)

    thread = render_thread(message.conversation)

    assert "Praça do Comércio" in thread
    assert "1100-148 Lisboa, Portugal" in thread
    assert (
        'href="https://www.openstreetmap.org/?mlat=38.707138&amp;mlon=-9.135553'
        '#map=17/38.707138/-9.135553"' in thread
    )
    assert "—" not in thread.split("thread-error")[0]
    assert summary(message.type, message.text, message.content) == (
        "📍 Location: Praça do Comércio, Praça do Comércio, 1100-148 Lisboa, Portugal"
    )


@pytest.mark.django_db(transaction=True)
def test_a_shared_contact_card_shows_names_and_numbers(post_webhook, run_worker):
    post_webhook(sample_bytes("15_contacts_shared_card.json"))
    run_worker()
    message = Message.objects.get(type=MessageType.CONTACTS)
    card = message.content["contacts"][0]

    thread = render_thread(message.conversation)

    assert card["formatted_name"] in thread
    for phone in card["phones"]:
        assert phone in thread
    assert card["emails"][0] in thread
    assert "Contact card" in thread


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("type_", "content", "label"),
    [
        ("audio", {"voice": True}, "Voice message"),
        ("audio", {}, "Audio"),
        ("video", {}, "Video"),
        ("document", {"filename": "offer.pdf"}, "Document"),
        ("sticker", {"animated": True}, "Animated sticker"),
        ("unsupported", {}, "A message type WhatsApp does not let us show"),
    ],
)
def test_media_without_a_stored_file_says_what_it_is(type_, content, label):
    lead = make_conversation()
    make_message(lead, type=type_, text="", content=content)

    thread = render_thread(lead)

    assert label in thread
    assert '<div class="thread-text"' not in thread
    assert "—" not in thread


def test_a_map_link_is_built_from_numbers_only():
    location = location_of({"name": "Somewhere", "latitude": "javascript:alert(1)", "longitude": 2})

    assert location.name == "Somewhere"
    assert location.map_url == ""
