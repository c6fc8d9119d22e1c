"""The inbox in a real browser, a day after the lead last wrote: the agent sees the photo the
lead sent, finds the free-text box closed, and follows up with an approved template."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from conversations.models import MediaState, Message, MessageStatus, MessageType
from conversations.services.templates import sync_templates
from tests.browser.conftest import STAFF_PASSWORD
from tests.browser.test_media_thread import png
from tests.samples import TEST_APP_SECRET, media_webhook, signed_headers
from tests.standins.graph_media import b64_sha256
from tests.standins.graph_templates import meta_template

pytestmark = pytest.mark.browser


def test_an_agent_sees_the_leads_photo_and_follows_up_with_a_template_after_24_hours(
    page, admin_login, staff_member, settings, graph_transport_settings, run_worker
):
    settings.WHATSAPP_APP_SECRET = TEST_APP_SECRET
    settings.WHATSAPP_BUSINESS_ACCOUNT_ID = "102290129340398"
    settings.BOT_ENABLED = False
    meta = graph_transport_settings
    meta.templates = [
        meta_template("checking_in", body="Hi {{1}}, are you still looking for a table?")
    ]
    sync_templates()
    photo = png(6, 5)
    meta.media["5915090851286865"] = (photo, "image/png")
    body, _ = media_webhook(
        "image",
        media_id="5915090851286865",
        sha256=b64_sha256(photo),
        mime_type="image/png",
        name="Alice Example",
        at=datetime.now(UTC) - timedelta(hours=30),
    )
    response = Client().post(
        "/webhooks/whatsapp/", data=body, content_type="application/json", **signed_headers(body)
    )
    assert response.status_code == 200
    run_worker()  # stores the message, then downloads the photo
    photo_message = Message.objects.select_related("conversation__profile", "media").get()
    assert photo_message.media.state == MediaState.STORED
    profile = photo_message.conversation.profile

    admin_login(staff_member("agent"), STAFF_PASSWORD)
    page.goto(reverse("admin:profiles_clientprofile_change", args=[profile.pk]))

    # The photo is there and decoded; nothing in the thread is a broken file.
    image = page.locator(".bot-thread img.thread-image")
    expect(image).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.bot-thread img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [6, 5]
    assert page.locator(".bot-thread .thread-media-failed").count() == 0

    # Free text is closed; the template picker is open instead.
    expect(page.locator("#bot-reply-text")).to_be_disabled()
    expect(page.locator(".bot-window-closed")).to_contain_text("a template is needed")
    picker = page.locator("#template-picker")
    expect(picker).to_have_attribute("open", "")
    page.locator("#template-choice").select_option(label="checking_in · en_US")
    variable = page.locator("[data-template-var]").first
    expect(variable).to_be_visible()
    variable.fill("Alice")
    expect(page.locator(".template-preview")).to_contain_text(
        "Hi Alice, are you still looking for a table?"
    )
    page.get_by_role("button", name="Send template").click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    run_worker()  # sends it through the Graph transport to the stand-in
    (sent,) = [body for _, body in meta.accepted if body.get("type") == "template"]
    assert sent["template"]["name"] == "checking_in"
    assert sent["template"]["components"][0]["parameters"][0]["text"] == "Alice"
    template_message = Message.objects.get(type=MessageType.TEMPLATE)
    assert template_message.status == MessageStatus.SENT
    page.reload()
    expect(page.locator(".bot-thread")).to_contain_text(
        "Hi Alice, are you still looking for a table?"
    )
