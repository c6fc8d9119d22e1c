"""An agent reviews the bot's draft in manual mode, edits it and sends it, in a real browser."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import DraftReview, Message, MessageStatus, ReplyState, Sender
from conversations.services.bot import answer_pending_messages
from conversations.services.outbound import deliver_message
from tests.browser.conftest import STAFF_PASSWORD
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.browser


def test_agent_edits_and_approves_the_bots_draft(page, admin_login, staff_member, settings):
    settings.BOT_BURST_SECONDS = 0
    lead = make_conversation(display_name="Ana", last_inbound_at=timezone.now())
    lead.profile.manual_mode = True
    lead.profile.save()
    make_message(
        lead,
        text="Hi, my name is Ana Lopez",
        wamid="wamid.browser.1",
        reply_state=ReplyState.PENDING,
        timestamp=timezone.now(),
    )
    assert answer_pending_messages(lead.pk) == "drafted"
    lead.profile.refresh_from_db()
    draft = lead.profile.ai_draft

    agent = staff_member("agent")
    admin_login(agent, STAFF_PASSWORD)
    page.goto(reverse("admin:profiles_clientprofile_change", args=[lead.profile.pk]))

    box = page.locator("#bot-draft-text")
    expect(box).to_have_value(draft)
    box.fill("Hi Ana! Thanks for writing. Which company are you with?")
    page.get_by_role("button", name="Approve and send").click()

    expect(page.locator(".messagelist")).to_contain_text("Draft approved: it is queued for sending")
    expect(page.locator("#bot-draft-text")).to_have_count(0)  # the draft is gone
    sent = Message.objects.get(sender=Sender.BOT)
    assert sent.text == "Hi Ana! Thanks for writing. Which company are you with?"
    assert (sent.status, sent.sent_by) == (MessageStatus.QUEUED, agent)
    review = DraftReview.objects.get()
    assert (review.original_draft, review.edited, review.reviewed_by) == (draft, True, agent)

    deliver_message(sent.pk, 0)  # the worker sends it (console transport)
    page.reload()
    bubble = page.locator(".bot-thread").get_by_text("Which company are you with?")
    expect(bubble).to_be_visible()
    expect(page.locator(".bot-thread")).to_contain_text("approved by")
    expect(page.locator(".bot-thread")).to_contain_text("Sent")
