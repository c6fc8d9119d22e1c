"""Browser tests: Debian's headless Chromium, driven by Playwright, against the live server.

Use `page` (a fresh browser context per test whose base URL is pytest-django's
`live_server`, so `page.goto(reverse(...))` works) and `admin_login(user, password)`, which
logs in through the real admin form; `staff_member("agent")` makes a user to log in as.
Mark each module with `pytestmark = pytest.mark.browser`.

Without a Chromium binary the tests are skipped, or fail when BROWSER_TESTS_REQUIRED=1 (CI).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect, sync_playwright

from accounts.roles import ROLE_GROUPS

STAFF_PASSWORD = "browser-test-password"
# Long enough for a cold admin page on Postgres, short enough that a wrong selector fails fast.
PAGE_TIMEOUT_MS = 10_000
INSTALL_HINT = "install Debian's chromium: apt-get install chromium"
# Headless in a container, and no calls home: on a closed network they time out and pile up.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _find_chromium() -> tuple[str | None, str]:
    """The Chromium binary to drive, or None and why not."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return configured, ""
        return None, f"CHROMIUM_PATH={configured} is not an executable file; {INSTALL_HINT}"
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )
    if found:
        return found, ""
    return None, f"no chromium on PATH or at /usr/bin/chromium; {INSTALL_HINT}"


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path, missing = _find_chromium()
    if path is None:
        if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
            pytest.fail(
                f"browser tests are required (BROWSER_TESTS_REQUIRED=1): {missing}", pytrace=False
            )
        pytest.skip(missing)
    return path


# Package scope, not session: while sync Playwright runs, it marks an asyncio loop as running
# in this thread, which would break later tests elsewhere that use asyncio or async_to_sync.
# Browser tests are all transactional, so pytest-django keeps them together: one launch.
@pytest.fixture(scope="package")
def browser(chromium_executable: str) -> Iterator[Browser]:
    with pytest.MonkeyPatch.context() as env:
        # Because of that running loop, Django refuses ORM calls from the test (and the
        # database flush after it) with SynchronousOnlyOperation; only while Playwright runs.
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
            )
            expect.set_options(timeout=PAGE_TIMEOUT_MS)
            try:
                yield chromium
            finally:
                chromium.close()


def csp_refusals(page: Page) -> list[str]:
    """What Chromium refuses under the Content-Security-Policy (it says so in the console),
    collected for as long as the page lives."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


@contextlib.contextmanager
def page_on(browser: Browser, base_url: str, **options) -> Iterator[Page]:
    """A new page in its own context (no cookies shared between tests) on `base_url`.
    A test whose pages the Content-Security-Policy broke (an inline style or script) fails."""
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        opened = context.new_page()
        refused = csp_refusals(opened)
        yield opened
        assert not refused, f"refused by the Content-Security-Policy: {refused}"
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """A page on the live server, under the Content-Security-Policy."""
    with page_on(browser, live_server.url) as page:
        yield page


@pytest.fixture
def staff_member(django_user_model) -> Callable:
    """A staff user of a role whose password is STAFF_PASSWORD: `staff_member("agent")`."""

    def make(role: str, username: str | None = None):
        user = django_user_model.objects.create_user(
            username=username or f"{role}-browser", password=STAFF_PASSWORD, is_staff=True
        )
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
        return user

    return make


@pytest.fixture
def admin_login(page: Page) -> Callable[..., Page]:
    """Log in through the admin's own login form, as a user would; lands on the admin index."""

    def log_in(user, password: str) -> Page:
        page.goto(reverse("admin:login"))
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        error = page.locator(".errornote")
        if error.count():
            pytest.fail(f"admin login as {user.get_username()} failed: {error.inner_text()}")
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        return page

    return log_in
