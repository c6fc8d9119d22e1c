"""The simulator drives the whole loop, as a newcomer would try the product without Meta.

An agent opens /simulator/ and writes as a lead: the page gets the body signed, posts it to
the real webhook of daphne (as production serves it), the worker stores it, the offline
brain answers, the console transport "sends" it, and the reply shows in the chat with its
tick. Meta's delivery reports, from the simulator's buttons, move the tick; the dashboard
then shows the lead's profile complete. PostgreSQL only: the servers are other processes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from conversations.models import Conversation
from tests.browser.asgi_server import ProductServer, database_url, server_env
from tests.browser.conftest import PAGE_TIMEOUT_MS, STAFF_PASSWORD
from tests.samples import TEST_APP_SECRET

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

LEAD_SAYS = "Hi, I'm Ana Lima from Acme, ana@acme.com"
# Store, a bot turn and a send by a worker polling every 0.1 s: a few seconds on a busy box.
REPLY_TIMEOUT_MS = 30_000


@pytest.fixture
def product(transactional_db, tmp_path) -> Iterator[ProductServer]:
    """daphne and a worker as README's first command runs them: no Redis, the bot on."""
    env = server_env(
        DEBUG="true",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url(connection.settings_dict),
        WHATSAPP_APP_SECRET=TEST_APP_SECRET,
        BOT_BURST_SECONDS="0",
        LIVE_EVENTS_POLL_SECONDS="0.2",
    )
    with ProductServer(env, tmp_path).running() as server:
        yield server


@pytest.fixture
def page(browser: Browser, product: ProductServer) -> Iterator[Page]:
    """Browses daphne (websockets, the event-loop webhook), not pytest-django's live_server."""
    context = browser.new_context(base_url=product.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_lead_written_in_the_simulator_is_answered_and_completes_its_profile(
    page, admin_login, staff_member, settings, product
):
    # The servers check passwords with the project's hashers, not the tests' fast MD5 one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    admin_login(staff_member("agent"), STAFF_PASSWORD)
    page.get_by_role("link", name="WhatsApp simulator").first.click()
    expect(page).to_have_url(f"{product.url}{reverse('simulator')}")
    page.get_by_label("Phone number").fill("15550004321")
    page.get_by_label("WhatsApp profile name").fill("Ana Lima")

    page.get_by_label("Message", exact=True).fill(LEAD_SAYS)
    page.get_by_role("button", name="Send").click()

    chat = page.locator("#sim-chat")
    expect(chat.locator(".sim-user .sim-text")).to_have_text([LEAD_SAYS])
    reply = chat.locator(".sim-business")
    expect(reply).to_contain_text("Thanks Ana!", timeout=REPLY_TIMEOUT_MS)
    tick = reply.locator(".sim-tick")
    expect(tick).to_have_class("sim-tick sim-tick-sent", timeout=REPLY_TIMEOUT_MS)
    expect(page.locator("#sim-profile-state")).to_have_text("Profile complete")

    # Meta's delivery reports, as status webhooks through the same endpoint.
    page.get_by_role("button", name="Delivered").click()
    expect(tick).to_have_class("sim-tick sim-tick-delivered")
    expect(tick).to_have_text("✓✓")
    page.get_by_role("button", name="Read").click()
    expect(tick).to_have_class("sim-tick sim-tick-read")

    page.get_by_role("link", name="Live dashboard").first.click()
    conversation = Conversation.objects.get(wa_id="15550004321")
    row = page.locator(f'#conversation-rows tr[data-conversation-id="{conversation.pk}"]')
    expect(row).to_contain_text("Ana Lima (15550004321)")
    expect(page.locator('[data-counter="profiles_completed"]')).to_have_text("1")
    expect(page.locator("#dashboard-incomplete")).not_to_contain_text("Ana")
    assert conversation.profile.completion_status
