"""Issue 20's security points as a person meets them in Chromium: a stranger's guesses do not
lock the owner out, and what the bot read from a lead shows as plain text."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import ReplyState
from conversations.services.bot import answer_pending_messages
from tests.browser.conftest import PAGE_TIMEOUT_MS, STAFF_PASSWORD
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.browser


@pytest.fixture
def behind_render(browser, live_server, settings):
    """A browser tab whose requests reach us through Render's proxy from one address."""
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    contexts = []

    def open_from(address: str):
        context = browser.new_context(
            base_url=live_server.url, extra_http_headers={"X-Forwarded-For": address}
        )
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_from
    for context in contexts:
        context.close()
    cache.clear()


def submit_login(page, username: str, password: str):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Log in").click()
    return posted.value


def test_a_stranger_guessing_admins_password_does_not_lock_the_admin_out(
    behind_render, staff_member, settings
):
    settings.LOGIN_FAILURES_PER_USERNAME = 5
    admin = staff_member("admin", username="admin")
    stranger = behind_render("203.0.113.9")
    stranger.goto(reverse("admin:login"))
    for _ in range(5):
        assert submit_login(stranger, "admin", "guess").status == 200
        expect(stranger.locator(".errornote")).to_contain_text("correct username and password")

    refused = submit_login(stranger, "admin", STAFF_PASSWORD)
    assert refused.status == 429
    assert int(refused.headers["retry-after"]) > 0
    expect(stranger.locator(".errornote")).to_contain_text("Too many failed login attempts")

    owner = behind_render("198.51.100.7")
    owner.goto(reverse("admin:login"))
    assert submit_login(owner, admin.get_username(), STAFF_PASSWORD).status == 302
    expect(owner.get_by_role("button", name="Log out")).to_be_visible()


def test_the_profile_shows_what_the_bot_read_as_plain_text(
    page, admin_login, staff_member, settings
):
    settings.BOT_BURST_SECONDS = 0
    lead = make_conversation(display_name="Ana", last_inbound_at=timezone.now())
    make_message(
        lead,
        text="Soy Ana, trabajo en Acme <i>Labs</i>",
        wamid="wamid.plain.1",
        reply_state=ReplyState.PENDING,
        timestamp=timezone.now(),
    )
    answer_pending_messages(lead.pk)

    admin_login(staff_member("agent"), STAFF_PASSWORD)
    page.goto(reverse("admin:profiles_clientprofile_change", args=[lead.profile.pk]))

    expect(page.get_by_label("Company")).to_have_value("Acme Labs")
    # The stored value is plain; the lead's own words beside it are quoted as they wrote them.
    company = page.locator(".bot-provenance tr").filter(has_text="Company")
    expect(company.locator("td").first).to_have_text("Acme Labs")
    expect(company.locator("td").nth(2)).to_contain_text("trabajo en Acme <i>Labs</i>")
