"""An agent sees a lead's photo in the thread, in a real browser, fetched through the
staff-only media view after the worker downloaded it from the Graph API stand-in."""

import struct
import zlib

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from conversations.models import MediaState, MessageMedia
from tests.browser.conftest import STAFF_PASSWORD
from tests.samples import TEST_APP_SECRET, media_webhook, signed_headers
from tests.standins.graph_media import b64_sha256

pytestmark = pytest.mark.browser


def png(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny, red) PNG, so the browser has something it can decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_an_agent_sees_the_photo_a_lead_sent(
    page, admin_login, staff_member, settings, graph_transport_settings, run_worker
):
    settings.WHATSAPP_APP_SECRET = TEST_APP_SECRET
    settings.BOT_ENABLED = False
    photo = png()
    graph_transport_settings.media["5915090851286865"] = (photo, "image/png")
    body, _ = media_webhook(
        "image", media_id="5915090851286865", sha256=b64_sha256(photo), mime_type="image/png"
    )
    response = Client().post(
        "/webhooks/whatsapp/", data=body, content_type="application/json", **signed_headers(body)
    )
    assert response.status_code == 200
    run_worker()  # stores the message, then downloads its file
    media = MessageMedia.objects.select_related("message__conversation__profile").get()
    assert media.state == MediaState.STORED

    admin_login(staff_member("agent"), STAFF_PASSWORD)
    page.goto(
        reverse("admin:profiles_clientprofile_change", args=[media.message.conversation.profile.pk])
    )

    image = page.locator(".bot-thread img.thread-image")
    expect(image).to_be_visible()
    expect(page.locator(".bot-thread")).to_contain_text("This is the scratch on the table top")
    # Decoded by the browser: the media view answered the logged-in agent with the PNG.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.bot-thread img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [4, 3]
    assert page.locator(".bot-thread .thread-media-failed").count() == 0
