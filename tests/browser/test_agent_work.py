"""An agent's day in a real browser, against daphne and the task worker as production runs
them (issue 20, points 4-8): assignment, drafts and handoffs arriving live, a dashboard that
tells the truth (the lead's words, what waits for a person, a worker that stopped), the bot
handing over what it cannot answer. (Point 8, message types in the thread, needs no
websocket: test_message_types.py, on both databases.)

In-memory channel layer (README's first command): the servers' consumers poll the event
table, so changes made by this test process (committed: the test is transactional) reach
the page just as the worker's do.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from conversations.models import Conversation, HandoffState, Message, ReplyState
from conversations.services.agent import set_handoff_state
from conversations.services.assignment import assign_conversation
from conversations.services.bot import answer_pending_messages
from tests.browser.asgi_server import ProductServer, running_product
from tests.browser.conftest import STAFF_PASSWORD, page_on
from tests.browser.test_live_dashboard import post_webhook, wait_for_message
from tests.factories import make_conversation, make_message
from tests.samples import TEST_APP_SECRET, text_webhook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,  # the servers are other processes: they need the test's database
    pytest.mark.django_db(transaction=True),  # ...and only see what is committed
]

LIVE_TIMEOUT_MS = 15_000
# The status line asks about the worker every 10 s.
WORKER_POLL_TIMEOUT_MS = 25_000


@pytest.fixture
def product(transactional_db, tmp_path) -> Iterator[ProductServer]:
    with running_product(
        connection.settings_dict,
        tmp_path,
        WHATSAPP_APP_SECRET=TEST_APP_SECRET,
        BOT_BURST_SECONDS="0",
        LIVE_EVENTS_POLL_SECONDS="0.2",
    ) as server:
        yield server


@pytest.fixture
def page(browser: Browser, product: ProductServer) -> Iterator[Page]:
    with page_on(browser, product.url, viewport={"width": 1400, "height": 1000}) as page:
        yield page


@pytest.fixture
def shots(tmp_path) -> Path:
    """Screenshots of what the agent saw, kept with the test's temporary files."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder


@pytest.fixture
def hashers(settings):
    # The servers check passwords with the project's hashers, not the tests' fast MD5 one;
    # bot turns this process runs answer at once, as the servers' worker does.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.BOT_BURST_SECONDS = 0


def wait_for_worker_beat(timeout: float = 10.0) -> None:
    from botproject.ops.selectors import worker_is_running

    deadline = time.monotonic() + timeout
    while not worker_is_running():
        assert time.monotonic() < deadline, "the worker never reported"
        time.sleep(0.1)


def lead_now(name: str, **fields) -> Conversation:
    lead = make_conversation(display_name=name, last_inbound_at=timezone.now(), **fields)
    make_message(lead, text=f"Hello from {name}", timestamp=timezone.now())
    Conversation.objects.filter(pk=lead.pk).update(last_message_at=timezone.now())
    return lead


# --- 4. assignment ------------------------------------------------------------------------


def test_an_agent_assigns_a_lead_to_themself_and_the_dashboard_follows_live(
    page, admin_login, staff_member, hashers, shots
):
    agent = staff_member("agent")
    admin = staff_member("admin")
    ana, bruno = lead_now("Ana"), lead_now("Bruno")
    admin_login(agent, STAFF_PASSWORD)

    page.goto(reverse("admin:profiles_clientprofile_change", args=[ana.profile.pk]))
    expect(page.locator(".bot-assigned")).to_contain_text("Assigned to: nobody")
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator(".messagelist")).to_contain_text("assigned to you")
    expect(page.locator(".bot-assigned")).to_contain_text("Assigned to: you")
    expect(page.locator("#bot-log")).to_contain_text("Assignment changed")

    page.goto(reverse("dashboard"))
    page.get_by_role("link", name="Mine", exact=True).click()
    rows = page.locator("#conversation-rows tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ana")
    expect(rows.first.locator(".assigned")).to_have_text("You")

    page.get_by_role("link", name="Unassigned").click()
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Bruno")
    # An Admin gives Bruno to the agent elsewhere: he leaves "Unassigned" without a reload.
    page.evaluate("window.samePage = true")
    assign_conversation(bruno, agent, actor=admin)
    expect(page.locator("#conversation-rows")).not_to_contain_text("Bruno", timeout=LIVE_TIMEOUT_MS)
    assert page.evaluate("window.samePage") is True
    page.screenshot(path=shots / "4-unassigned-after-live-assignment.png", full_page=True)


# --- 5. drafts and handoffs arrive live ----------------------------------------------------


def test_a_new_draft_appears_live_beside_what_the_agent_is_typing(
    page, admin_login, staff_member, hashers, shots
):
    lead = lead_now("Carla")
    lead.profile.manual_mode = True
    lead.profile.save()
    Message.objects.filter(conversation=lead).update(
        reply_state=ReplyState.PENDING, wamid="wamid.live.1"
    )
    assert answer_pending_messages(lead.pk) == "drafted"
    agent = staff_member("agent")
    admin_login(agent, STAFF_PASSWORD)
    page.goto(reverse("admin:profiles_clientprofile_change", args=[lead.profile.pk]))
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    page.evaluate("window.samePage = true")
    box = page.locator("#bot-draft-text")
    box.fill("Hi Carla, let me check that for you")
    page.locator("#bot-reply-text").fill("typed in the reply box")

    # The lead writes again; the bot writes a new draft (in this process, committed).
    make_message(
        lead,
        text="Soy Carla Ortiz",
        wamid="wamid.live.2",
        reply_state=ReplyState.PENDING,
        timestamp=timezone.now(),
    )
    assert answer_pending_messages(lead.pk) == "drafted"
    lead.profile.refresh_from_db()

    beside = page.locator("#bot-draft-new")
    expect(beside).to_contain_text("The bot wrote a new draft meanwhile", timeout=LIVE_TIMEOUT_MS)
    expect(beside).to_contain_text(lead.profile.ai_draft)
    expect(box).to_have_value("Hi Carla, let me check that for you")  # never overwritten
    expect(page.locator("#bot-reply-text")).to_have_value("typed in the reply box")
    page.screenshot(path=shots / "5-new-draft-beside.png", full_page=True)

    beside.get_by_role("button", name="Use the new draft").click()
    expect(page.locator("#bot-draft-text")).to_have_value(lead.profile.ai_draft)

    # A handoff shows without a reload too.
    set_handoff_state(lead, HandoffState.HUMAN, actor=None, reason="(test)")
    expect(page.locator("#bot-status")).to_contain_text(
        "An agent handles this conversation", timeout=LIVE_TIMEOUT_MS
    )
    assert page.evaluate("window.samePage") is True


def test_a_draft_arrives_live_when_the_agent_is_not_typing(
    page, admin_login, staff_member, hashers
):
    lead = lead_now("Dora")
    lead.profile.manual_mode = True
    lead.profile.save()
    admin_login(staff_member("agent"), STAFF_PASSWORD)
    page.goto(reverse("admin:profiles_clientprofile_change", args=[lead.profile.pk]))
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(page.locator("#bot-draft-text")).to_have_count(0)

    Message.objects.filter(conversation=lead).update(
        reply_state=ReplyState.PENDING, wamid="wamid.live.3"
    )
    assert answer_pending_messages(lead.pk) == "drafted"
    lead.profile.refresh_from_db()

    expect(page.locator("#bot-draft-text")).to_have_value(
        lead.profile.ai_draft, timeout=LIVE_TIMEOUT_MS
    )
    expect(page.get_by_role("button", name="Approve and send")).to_be_enabled()


# --- 6. the dashboard tells the truth ------------------------------------------------------


def test_the_dashboard_shows_the_leads_words_and_says_when_the_worker_stops(
    page, admin_login, staff_member, hashers, product, shots
):
    wait_for_worker_beat()
    admin_login(staff_member("agent"), STAFF_PASSWORD)
    page.goto(reverse("dashboard"))
    status = page.locator("#live-status")
    expect(status).to_have_text("Live: updates appear as they happen.")
    expect(page.locator("#worker-down")).to_have_count(0)

    body, _ = text_webhook("Hola, me llamo Nadia Ruiz", wa_id="34600000001", name="Nadia")
    assert post_webhook(product.url, body) == 200
    wait_for_message(product, "Hola, me llamo Nadia Ruiz")
    row = page.locator("#conversation-rows tr").first
    expect(row).to_contain_text("Nadia (34600000001)", timeout=LIVE_TIMEOUT_MS)
    # The bot answers; the row keeps showing what the lead said, not the bot's question.
    deadline = time.monotonic() + 10
    while not Message.objects.filter(direction="out").exists():
        assert time.monotonic() < deadline, product.logs()
        time.sleep(0.1)
    page.reload()
    expect(row.locator(".last-message")).to_have_text("Hola, me llamo Nadia Ruiz")
    expect(row.locator(".unanswered")).to_have_text("0")

    product.stop()  # the worker stops (cleanly: it says so in its heartbeat)
    product.start_web()
    expect(status).to_have_text(
        "Replies paused: the worker is not running.", timeout=WORKER_POLL_TIMEOUT_MS
    )
    page.screenshot(path=shots / "6-dashboard-worker-down.png", full_page=True)
    page.goto(reverse("admin:index"))
    expect(page.locator("#worker-down")).to_contain_text(
        "Replies paused: the worker is not running"
    )


# --- 7. the bot hands over -----------------------------------------------------------------


def test_a_price_question_is_handed_to_a_person_with_a_notice_on_the_dashboard(
    page, admin_login, staff_member, hashers, product, shots
):
    admin_login(staff_member("agent"), STAFF_PASSWORD)
    page.goto(reverse("dashboard"))
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    body, _ = text_webhook("Hi, how much does the premium plan cost?", wa_id="15550007777")
    assert post_webhook(product.url, body) == 200

    row = page.locator("#conversation-rows tr").first
    expect(row.locator(".waiting-for")).to_contain_text(
        "Handed over by the bot: price question", timeout=LIVE_TIMEOUT_MS
    )
    expect(row.locator(".handoff")).to_have_text("Agent handles")
    page.screenshot(path=shots / "7-dashboard-handoff.png", full_page=True)

    row.get_by_role("link").click()
    thread = page.locator(".bot-thread")
    expect(thread).to_contain_text("A person from our team will answer you here shortly")
    expect(thread).not_to_contain_text("I have everything I need")
    expect(page.locator(".bot-who-answers")).to_contain_text("handed this conversation to a person")
