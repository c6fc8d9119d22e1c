"""The back office under its Content-Security-Policy, in Chromium: the admin's own pages, the
profile page with its bot panel and the dashboard look and work as before, and markup that
reached the page some other way cannot run a script.

Every test here (and every browser test) fails on any refusal Chromium reports: conftest's
`page` collects them. The dashboard with a live update arriving is test_live_dashboard.py.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conversations.models import Direction
from tests.browser.conftest import PAGE_TIMEOUT_MS, STAFF_PASSWORD, csp_refusals
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.browser


@pytest.fixture
def lead():
    conversation = make_conversation(display_name="Ada")
    conversation.profile.name, conversation.profile.company = "Ada", "Analytical Engines"
    conversation.profile.save()
    make_message(conversation, minutes=0, text="Hello, I would like a quote")
    make_message(conversation, minutes=1, direction=Direction.OUT, text="Your email, please?")
    return conversation


def test_the_login_page_is_styled_under_the_policy(page):
    page.goto(reverse("admin:login"))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    # The admin's stylesheet applied: the header has its coloured band.
    header = page.locator("#header").evaluate("el => getComputedStyle(el).backgroundColor")
    assert header not in ("", "rgba(0, 0, 0, 0)")


def test_an_admin_walks_every_list_and_its_scripts_work(page, admin_login, staff_member, lead):
    admin = staff_member("admin")
    admin_login(admin, STAFF_PASSWORD)
    lists = page.locator("#content-main th[scope=row] a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert len(lists) >= 5
    for href in lists:
        response = page.goto(href)
        assert response.status == 200, href
        assert "script-src 'self'" in response.headers["content-security-policy"]

    # The admin's own JavaScript still runs: "select all" ticks every row of a list.
    page.goto(reverse("admin:profiles_clientprofile_changelist"))
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
    # ...and builds the two-box group chooser on a user's page.
    page.goto(reverse("admin:auth_user_change", args=[admin.pk]))
    expect(page.locator(".selector-available").first).to_be_visible()
    page.goto(reverse("operations"))
    expect(page.locator("#content h1")).to_be_visible()


def test_the_profile_page_shows_the_thread_as_a_chat_under_the_policy(
    page, admin_login, staff_member, lead
):
    admin_login(staff_member("agent"), STAFF_PASSWORD)
    page.goto(reverse("admin:profiles_clientprofile_change", args=[lead.profile.pk]))

    ours = page.locator(".thread-out").filter(has_text="Your email, please?")
    theirs = page.locator(".thread-in").filter(has_text="Hello, I would like a quote")
    # The bubbles' styles come from the stylesheet now: ours indented from the left.
    assert ours.evaluate("el => parseFloat(getComputedStyle(el).marginLeft)") > 20
    assert theirs.evaluate("el => parseFloat(getComputedStyle(el).marginLeft)") == 0
    # The bot panel's script ran: it tried the live socket (the test server has none).
    expect(page.locator("#live-status")).not_to_have_attribute("data-state", "connecting")


def test_markup_inserted_into_the_dashboard_cannot_run_a_script(browser, live_server, staff_member):
    """What a live update does (innerHTML of server HTML), with markup that escaped escaping."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        page = context.new_page()
        refused = csp_refusals(page)
        agent = staff_member("agent")
        page.goto(reverse("admin:login"))
        page.get_by_label("Username").fill(agent.get_username())
        page.get_by_label("Password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(reverse("dashboard"))
        expect(page.locator("#dashboard-conversations")).to_be_visible()
        assert not refused, refused  # the page itself is clean

        page.evaluate(
            """document.getElementById("dashboard-conversations").innerHTML =
                '<img src="/static/admin/img/icon-yes.svg" onload="window.pwned = 1">'"""
        )
        page.wait_for_timeout(300)
        assert page.evaluate("window.pwned") is None
        assert any("script-src" in text for text in refused), refused
    finally:
        context.close()
