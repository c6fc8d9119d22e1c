"""Every message type is readable in the thread (issue 20, point 8), in a real browser: a
shared location by name, address and map link, a contact card by names and numbers, a voice
note as a voice note; never a bare "—". The live server is enough (no websocket needed), so
this runs on SQLite and PostgreSQL alike."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conversations.models import Message
from tests.browser.conftest import STAFF_PASSWORD
from tests.factories import make_conversation, make_message
from tests.samples import TEST_APP_SECRET, sample_bytes, signed_headers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def received(client, settings, run_worker):
    """Meta's sample webhooks, posted and processed as in production."""
    settings.WHATSAPP_APP_SECRET = TEST_APP_SECRET

    def receive(*samples: str) -> None:
        for sample in samples:
            body = sample_bytes(sample)
            response = client.post(
                "/webhooks/whatsapp/", body, content_type="application/json", **signed_headers(body)
            )
            assert response.status_code == 200
        run_worker()

    return receive


def test_locations_contact_cards_and_voice_notes_read_as_what_they_are(
    page, admin_login, staff_member, received, tmp_path
):
    received("14_location_named_place.json", "15_contacts_shared_card.json")
    location = Message.objects.get(type="location")
    card = Message.objects.get(type="contacts")
    voice = make_conversation(display_name="Vera")
    make_message(voice, type="audio", text="", content={"voice": True})
    admin_login(staff_member("viewer"), STAFF_PASSWORD)

    page.goto(
        reverse("admin:profiles_clientprofile_change", args=[location.conversation.profile.pk])
    )
    thread = page.locator(".bot-thread")
    expect(thread.locator(".thread-location-name")).to_have_text("Praça do Comércio")
    expect(thread).to_contain_text("1100-148 Lisboa, Portugal")
    expect(thread.get_by_role("link", name="Open on a map")).to_have_attribute(
        "href",
        "https://www.openstreetmap.org/?mlat=38.707138&mlon=-9.135553#map=17/38.707138/-9.135553",
    )
    expect(thread).not_to_contain_text("—")
    page.screenshot(path=tmp_path / "8-location.png", full_page=True)

    page.goto(reverse("admin:profiles_clientprofile_change", args=[card.conversation.profile.pk]))
    shared = card.content["contacts"][0]
    thread = page.locator(".bot-thread")
    expect(thread.locator(".thread-card")).to_contain_text(shared["formatted_name"])
    for phone in shared["phones"]:
        expect(thread.get_by_role("link", name=phone)).to_be_visible()
    expect(thread).to_contain_text(shared["emails"][0])
    expect(thread).not_to_contain_text("—")
    page.screenshot(path=tmp_path / "8-contacts.png", full_page=True)

    page.goto(reverse("admin:profiles_clientprofile_change", args=[voice.profile.pk]))
    expect(page.locator(".bot-thread .thread-kind")).to_have_text(
        "Voice message (its file is not stored here)"
    )
