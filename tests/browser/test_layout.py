"""The back office's layout as a user sees it, at 1,400 px and on a phone (390 px): no page
scrolls sideways, the profile page leads with the thread beside the bot panel on a wide
screen, "View site" goes to the dashboard, and the lists use plain words.

Screenshots of each page at each width are saved (under SCREENSHOT_DIR when set, else the
test's temporary folder) for a person to look at.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Direction, ReplyState
from conversations.services.bot import answer_pending_messages
from tests.browser.conftest import STAFF_PASSWORD
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.browser

WIDE, PHONE = {"width": 1400, "height": 900}, {"width": 390, "height": 844}
LONG_LINK = "https://example.com/" + "a-very-long-path-segment-" * 8


@pytest.fixture
def busy_lead(settings):
    """A lead with a long thread (and a long unbroken link), a draft waiting, and neighbours."""
    settings.BOT_BURST_SECONDS = 0
    now = timezone.now()
    lead = make_conversation(
        display_name="Maria Fernanda", last_inbound_at=now, last_message_at=now
    )
    profile = lead.profile
    profile.name, profile.last_name = "María Fernanda", "de la Torre Villalobos"
    profile.company = "Comercializadora Internacional de Productos Agrícolas del Norte"
    profile.manual_mode = True
    profile.save()
    for n in range(12):
        direction = Direction.IN if n % 2 == 0 else Direction.OUT
        make_message(
            lead,
            direction=direction,
            text=f"Message {n}: " + ("tell me more about the plans " * 3),
            timestamp=now - timedelta(minutes=30 - n),
        )
    make_message(
        lead,
        text=f"See {LONG_LINK}",
        wamid="wamid.layout.1",
        reply_state=ReplyState.PENDING,
        timestamp=now,
    )
    assert answer_pending_messages(lead.pk) == "drafted"
    for n in range(8):
        neighbour = make_conversation(
            display_name=f"Lead number {n} with a long display name", last_message_at=now
        )
        neighbour.profile.company = f"Company {n} Sociedad Anónima de Capital Variable"
        neighbour.profile.save()
        make_message(neighbour, text="Hola, quisiera información " * 4, timestamp=now)
    return lead


def screenshot_dir(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def assert_fits(page, name: str, folder: Path) -> None:
    width = page.viewport_size["width"]
    page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
    if width >= WIDE["width"] and page.locator("#changelist .results").count():
        # On a phone the admin scrolls a list's table inside its box; on a laptop it fits.
        hidden = page.locator("#changelist .results").evaluate("b => b.scrollWidth - b.clientWidth")
        assert hidden <= 0, f"{name} at {width} px hides {hidden} px of its columns"


def test_main_pages_fit_a_wide_screen_and_a_phone(
    page, admin_login, staff_member, busy_lead, tmp_path
):
    folder = screenshot_dir(tmp_path)
    admin_login(staff_member("admin"), STAFF_PASSWORD)
    pages = {
        "dashboard": reverse("dashboard"),
        "profiles": reverse("admin:profiles_clientprofile_changelist"),
        "profile": reverse("admin:profiles_clientprofile_change", args=[busy_lead.profile.pk]),
        "messages": reverse("admin:conversations_message_changelist"),
        "conversations": reverse("admin:conversations_conversation_changelist"),
    }
    for size in (WIDE, PHONE):
        page.set_viewport_size(size)
        for name, url in pages.items():
            page.goto(url)
            expect(page.locator("#content")).to_be_visible()
            assert_fits(page, name, folder)


def test_the_profile_page_leads_with_the_thread_beside_the_bot_panel(
    page, admin_login, staff_member, busy_lead
):
    admin_login(staff_member("agent"), STAFF_PASSWORD)
    page.set_viewport_size(WIDE)
    page.goto(reverse("admin:profiles_clientprofile_change", args=[busy_lead.profile.pk]))

    thread = page.locator(".bot-conversation").bounding_box()
    draft = page.locator("#bot-draft-text").bounding_box()
    profile_form = page.locator("#clientprofile_form").bounding_box()
    assert thread["y"] < 400, "the thread is not at the top of the page"
    assert draft["x"] > thread["x"] + thread["width"] - 1, "the draft is not beside the thread"
    assert draft["y"] < thread["y"] + thread["height"]
    assert profile_form["y"] > thread["y"] + thread["height"]
    # The newest message is in view, next to the reply box.
    expect(page.get_by_text(LONG_LINK)).to_be_in_viewport()

    page.set_viewport_size(PHONE)
    thread = page.locator(".bot-conversation").bounding_box()
    draft = page.locator("#bot-draft-text").bounding_box()
    assert draft["y"] > thread["y"] + thread["height"] - 1, "on a phone the thread comes first"


def test_view_site_goes_to_the_dashboard_and_lists_use_plain_words(page, admin_login, staff_member):
    admin_login(staff_member("admin"), STAFF_PASSWORD)
    index = page.locator("#content-main")
    expect(index.get_by_role("link", name="Reply ledger")).to_be_visible()
    expect(index.get_by_role("link", name="Activity log")).to_be_visible()
    expect(index).not_to_contain_text("Processed messages")
    expect(index).not_to_contain_text("Conversation logs")

    page.get_by_role("link", name="View site").click()
    expect(page.get_by_role("heading", name="Incomplete profiles")).to_be_visible()
    assert page.url.endswith(reverse("dashboard"))
