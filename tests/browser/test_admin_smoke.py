"""An agent finds a lead in the back office and reads its thread, in a real browser."""

import pytest
from playwright.sync_api import expect

from conversations.models import Direction
from tests.browser.conftest import STAFF_PASSWORD
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.browser


def test_agent_finds_a_lead_in_client_profiles_and_reads_its_thread(
    page, admin_login, staff_member
):
    lead = make_conversation(display_name="Ada")
    lead.profile.name, lead.profile.last_name = "Ada", "Lovelace"
    lead.profile.company = "Analytical Engines"
    lead.profile.save()
    make_message(lead, minutes=0, text="Hello, I would like a quote")
    make_message(lead, minutes=1, direction=Direction.OUT, text="Happy to help! Your email?")
    other = make_conversation(display_name="Grace")
    make_message(other, minutes=2, text="Message from another lead")

    admin_login(staff_member("agent"), STAFF_PASSWORD)
    page.get_by_role("link", name="Client profiles").click()

    expect(page.get_by_role("heading", name="Select client profile to change")).to_be_visible()
    expect(page.get_by_role("link", name="Grace")).to_be_visible()
    expect(page.get_by_text("Analytical Engines")).to_be_visible()
    page.get_by_role("link", name="Ada Lovelace").click()

    expect(page.get_by_role("heading", name="Change client profile")).to_be_visible()
    expect(page.get_by_text("Hello, I would like a quote")).to_be_visible()
    expect(page.get_by_text("Happy to help! Your email?")).to_be_visible()
    expect(page.get_by_text("Message from another lead")).to_have_count(0)
