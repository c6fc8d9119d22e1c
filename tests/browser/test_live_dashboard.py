"""The live dashboard end to end: daphne, the task worker and a browser, as in production.

An agent watches the dashboard while Meta posts a signed webhook: the worker turns it into a
message and a live event, and the row appears without a reload. Then the web server stops
(a restart or a deploy), a lead writes while it is down, and when it is back the page
reconnects by itself and shows what it missed.

Run twice: without Redis (in-memory layer, as README's first command runs: the worker's
events reach the web process only through the event table, which connections poll) and with
the real Redis (production: the worker's push crosses processes through the channel layer,
and nothing polls). The bot is switched off in the servers (BOT_ENABLED=false): its reply
would replace the lead's message as the row's last message a moment later, a race with the
assertions; the bot's replies are covered by other tests.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import time
from collections.abc import Iterator

import pytest
import requests
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from conversations.models import Conversation, Message
from tests.browser.asgi_server import ProductServer, running_product
from tests.browser.conftest import STAFF_PASSWORD, page_on
from tests.samples import TEST_APP_SECRET, signed_headers, text_webhook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,  # the servers are other processes: they need the test's database
    pytest.mark.django_db(transaction=True),  # ...and only see what is committed
]

REDIS_BASE_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")
# Marks a Redis database index as taken by one run of this test, so parallel runs (and the
# groups they join) never share one. Expires by itself if a run is killed.
REDIS_CLAIM_KEY = "botproject:browser-e2e:claimed"
# The page reconnects with backoff (0.5, 1, 2, 4, 8 s...): after a restart, the next try
# may be several seconds away.
RECONNECT_TIMEOUT_MS = 20_000
WORKER_TIMEOUT_S = 10.0


@contextlib.contextmanager
def claimed_redis_database() -> Iterator[str]:
    """A REDIS_URL on an empty index (1-15) that no other run of this test is using."""
    import redis

    base = REDIS_BASE_URL.rsplit("/", 1)[0]
    indexes = list(range(1, 16))
    random.shuffle(indexes)
    for index in indexes:
        client = redis.Redis.from_url(f"{base}/{index}", socket_timeout=2)
        try:
            claimed = client.set(REDIS_CLAIM_KEY, os.getpid(), nx=True, ex=300)
            if claimed and client.dbsize() > 1:  # someone else's data: leave it alone
                client.delete(REDIS_CLAIM_KEY)
                claimed = False
        except redis.ConnectionError as exc:
            client.close()
            message = f"needs Redis at {base} (set REDIS_TEST_URL): {exc}"
            if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        if not claimed:
            client.close()
            continue
        try:
            yield f"{base}/{index}"
        finally:
            # What the channel layer left behind (its keys start with "asgi"), and the claim.
            leftovers = list(client.scan_iter(match="asgi*"))
            client.delete(*leftovers, REDIS_CLAIM_KEY)
            client.close()
        return
    pytest.fail(f"no free Redis database among indexes 1-15 at {base}")


@pytest.fixture(params=["in-memory", pytest.param("redis", marks=pytest.mark.redis)])
def channel_layer_env(request) -> Iterator[dict[str, str]]:
    if request.param == "in-memory":
        # What README's first command runs: the consumers poll the event table.
        yield {"LIVE_EVENTS_POLL_SECONDS": "0.2"}
        return
    with claimed_redis_database() as url:
        # Production: pushed through Redis; LIVE_EVENTS_POLL_SECONDS defaults to 0 (no polling).
        yield {"REDIS_URL": url}


@pytest.fixture
def product(transactional_db, channel_layer_env, tmp_path) -> Iterator[ProductServer]:
    """daphne + db_worker on this test's database; stopped before the database is flushed."""
    with running_product(
        connection.settings_dict,
        tmp_path,
        WHATSAPP_APP_SECRET=TEST_APP_SECRET,
        BOT_ENABLED="false",
        **channel_layer_env,
    ) as server:
        yield server


@pytest.fixture
def page(browser: Browser, product: ProductServer) -> Iterator[Page]:
    """Overrides conftest's `page` (and so `admin_login`'s) to browse daphne, not live_server."""
    # Live updates insert server-rendered HTML: page_on fails the test if any of it breaks
    # the Content-Security-Policy.
    with page_on(browser, product.url) as page:
        yield page


@pytest.fixture
def agent(staff_member, settings):
    # The servers check passwords with the project's hashers, not the tests' fast MD5 one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    return staff_member("agent")


def post_webhook(base_url: str, body: bytes) -> int:
    signature = signed_headers(body, TEST_APP_SECRET)["HTTP_X_HUB_SIGNATURE_256"]
    response = requests.post(
        f"{base_url}/webhooks/whatsapp/",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        timeout=10,
    )
    return response.status_code


def wait_for_message(product: ProductServer, text: str) -> Message:
    """The worker stores the message; poll for it (the test's ORM sees committed rows)."""
    deadline = time.monotonic() + WORKER_TIMEOUT_S
    while time.monotonic() < deadline:
        product.check_worker()
        if message := Message.objects.filter(text=text).first():
            return message
        time.sleep(0.1)
    pytest.fail(f"the worker did not store {text!r} within {WORKER_TIMEOUT_S} s")


def test_dashboard_shows_new_messages_live_and_catches_up_after_a_restart(
    page, admin_login, agent, product
):
    admin_login(agent, STAFF_PASSWORD)
    page.goto(reverse("dashboard"))
    status = page.locator("#live-status")
    expect(status).to_have_attribute("data-state", "live")
    expect(status).to_contain_text("Live")
    # Survives only as long as the document does: proof at the end that nothing reloaded.
    page.evaluate("window.e2eSamePage = true")
    table = page.locator("#conversation-rows")
    rows = table.locator("tr")
    messages_in = page.locator('[data-counter="messages_in"]')
    new_leads = page.locator('[data-counter="new_leads"]')
    expect(table).to_contain_text("No conversation in the last 24 hours")
    expect(messages_in).to_have_text("0")

    # Meta posts a new lead's first message.
    body, _ = text_webhook("Hola, me llamo Nadia Ruiz", wa_id="34600000001", name="Nadia")
    assert post_webhook(product.url, body) == 200

    nadia = rows.first
    expect(nadia).to_contain_text("Nadia (34600000001)")
    expect(nadia.locator(".last-message")).to_contain_text("Hola, me llamo Nadia Ruiz")
    expect(nadia.locator(".unanswered")).to_have_text("1")
    expect(rows).to_have_count(1)  # the empty-table row is gone
    conversation = Conversation.objects.get(wa_id="34600000001")
    expect(nadia).to_have_attribute("data-conversation-id", str(conversation.pk))
    expect(messages_in).to_have_text("1")  # the counters refresh themselves too
    expect(new_leads).to_have_text("1")

    # The web server stops; the page notices and keeps trying.
    product.stop_web()
    expect(status).to_contain_text("Reconnecting", timeout=RECONNECT_TIMEOUT_MS)

    # Meanwhile another lead writes: the event is stored as the webhook view would store it,
    # and the worker, still running, turns it into a message and a live event.
    call_command(
        "simulate_inbound",
        "Buenas, soy Omar Gil",
        "--from",
        "34600000002",
        "--name",
        "Omar",
        stdout=io.StringIO(),
    )
    wait_for_message(product, "Buenas, soy Omar Gil")
    expect(table).not_to_contain_text("Omar")
    expect(status).not_to_have_attribute("data-state", "live")

    # Back up on the same port: the page reconnects and catches up on what it missed.
    product.start_web()
    expect(status).to_have_attribute("data-state", "live", timeout=RECONNECT_TIMEOUT_MS)
    expect(status).to_contain_text("Live")
    omar = rows.first
    expect(omar).to_contain_text("Omar (34600000002)")
    expect(omar.locator(".last-message")).to_contain_text("Buenas, soy Omar Gil")
    expect(rows).to_have_count(2)  # Nadia still listed, below, and once
    expect(rows.nth(1)).to_contain_text("Nadia (34600000001)")
    expect(messages_in).to_have_text("2")
    expect(new_leads).to_have_text("2")
    assert page.evaluate("window.e2eSamePage") is True, "the page was reloaded"
