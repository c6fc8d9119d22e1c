"""A Viewer opens Analytics from the header and sees every chart drawn, under a strict CSP."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.analytics.conftest import seed_leads
from tests.browser.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser

# What the coming Content-Security-Policy allows: our own scripts, nothing inline.
STRICT_CSP = "script-src 'self'; object-src 'none'"


def test_a_viewer_sees_every_chart_drawn_with_only_our_own_scripts(
    page, admin_login, staff_member, settings
):
    settings.TIME_ZONE = "America/Mexico_City"
    seed_leads()
    blocked = []
    page.on("console", lambda message: message.type == "error" and blocked.append(message.text))

    def with_strict_csp(route):
        response = route.fetch()
        route.fulfill(
            response=response,
            headers={**response.headers, "content-security-policy": STRICT_CSP},
        )

    page.route(f"**{reverse('analytics')}*", with_strict_csp)
    admin_login(staff_member("viewer"), STAFF_PASSWORD)
    page.get_by_role("link", name="Analytics").first.click()
    page.get_by_role("textbox", name="From").fill("2026-03-01")
    page.get_by_role("textbox", name="to", exact=True).fill("2026-03-03")
    page.get_by_role("button", name="Show").click()

    expect(page.locator("#table-new_conversations tfoot")).to_contain_text("6")
    page.wait_for_load_state("load")  # the deferred scripts have run
    drawn = page.evaluate(
        """() => [...document.querySelectorAll("canvas")].map((canvas) => {
            const chart = window.Chart && window.Chart.getChart(canvas);
            return chart ? chart.data.datasets.map((d) => d.data) : null;
        })"""
    )
    assert len(drawn) == 7 and None not in drawn
    assert drawn[0] == [[2, 0, 4], [1, 0, 3]]
    assert blocked == []
