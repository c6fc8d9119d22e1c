"""The template picker and the block buttons on a profile's Bot panel, as Agents and Viewers.

The page is rendered by the server: picking a template (GET) shows its variables, filled
from the profile, and the preview; Send posts to the panel action, which queues the one
template service's message, logs who sent it and puts the conversation in agent hands.
"""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import (
    ConversationLog,
    Direction,
    HandoffState,
    LogAction,
    Message,
    MessageTemplate,
    MessageType,
    ReplyState,
    Sender,
)
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db


def template(name: str, body: str, *, language="en_US", category="UTILITY", **fields):
    return MessageTemplate.objects.create(
        name=name,
        language=language,
        category=category,
        status=fields.pop("status", "APPROVED"),
        components=[{"type": "BODY", "text": body}],
        **fields,
    )


@pytest.fixture
def lead():
    """Ana, who wrote two days ago (the 24-hour window is closed), name and company known."""
    conversation = make_conversation(
        display_name="Ana WhatsApp", last_inbound_at=timezone.now() - timedelta(days=2)
    )
    conversation.profile.name = "Ana"
    conversation.profile.company = "Acme"
    conversation.profile.save()
    return conversation


def page_url(conversation, **query) -> str:
    url = reverse("admin:profiles_clientprofile_change", args=[conversation.profile.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def action_url(conversation, action: str) -> str:
    return reverse(f"admin:profiles_clientprofile_{action}", args=[conversation.profile.pk])


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_the_picker_offers_approved_templates_grouped_by_name(client_as, lead):
    template("order_update", "Your order {{1}}")
    template("order_update", "Seu pedido {{1}}", language="pt_BR")
    template("spring_sale", "Sale!", category="MARKETING")
    template("old_one", "Old", status="REJECTED")

    page = text_of(client_as("agent").get(page_url(lead)))

    assert 'id="template-picker"' in page
    assert '<optgroup label="order_update">' in page
    assert "order_update · en_US" in page and "order_update · pt_BR" in page
    assert "spring_sale · en_US · marketing" in page
    assert "old_one" not in page
    assert "backoffice/template_picker.js" in page  # no inline script


def test_marketing_templates_are_disabled_with_the_reason_after_an_opt_out(client_as, lead):
    sale = template("spring_sale", "Sale!", category="MARKETING")
    lead.marketing_opt_out_at = timezone.now()
    lead.save()

    page = text_of(client_as("agent").get(page_url(lead)))

    option = page[page.index(f'<option value="{sale.pk}"') :].split("</option>")[0]
    assert " disabled" in option
    assert "stopped marketing messages on WhatsApp" in option


def test_choosing_a_template_shows_its_variables_filled_from_the_profile(client_as, lead):
    nudge = template("nudge", "Hi {{1}}, still at {{company}}? Ref {{ref}}")
    # Named and positional mixed is not Meta's; what matters: each variable gets an input.

    page = text_of(client_as("agent").get(page_url(lead, template=nudge.pk)))

    assert 'name="var-body.1" value="Ana"' in page  # the profile's name
    assert 'name="var-body.company" value="Acme"' in page
    assert 'name="var-body.ref" value=""' in page
    assert '<option value="Ana WhatsApp" label="WhatsApp name">' in page
    # The server-rendered preview, with the same values, and what Send will post.
    assert '<span class="template-preview-var" data-var="body.1">Ana</span>' in page
    assert '<span class="template-preview-var" data-var="body.ref">{{ref}}</span>' in page
    assert 'type="hidden" name="var-body.company" value="Acme"' in page


def test_the_preview_follows_the_values_in_the_query_without_javascript(client_as, lead):
    nudge = template("nudge", "Hi {{1}}, your code is {{2}}")
    page = text_of(
        client_as("agent").get(page_url(lead, template=nudge.pk, **{"var-body.2": "XY-9"}))
    )
    assert '<span class="template-preview-var" data-var="body.2">XY-9</span>' in page
    assert 'type="hidden" name="var-body.2" value="XY-9"' in page


def test_when_the_window_is_closed_the_notice_points_at_the_open_picker(client_as, lead):
    template("nudge", "Hi {{1}}")
    page = text_of(client_as("agent").get(page_url(lead)))

    assert '<details id="template-picker" class="bot-template-picker" open>' in page
    assert '<a href="#template-picker">Send an approved template</a>' in page
    assert page.index('id="template-picker"') < page.index('id="bot-reply-text"')


def test_an_agent_sends_a_template_which_is_logged_and_hands_the_lead_over(client_as, lead):
    nudge = template("nudge", "Hi {{1}}, still interested?")
    waiting = make_message(lead, wamid="wamid.waiting", reply_state=ReplyState.PENDING)
    client = client_as("agent")

    done = client.post(
        action_url(lead, "send_template"),
        {"template": nudge.pk, "var-body.1": "Ana"},
        follow=True,
    )

    assert "The template nudge (en_US) is queued for sending" in text_of(done)
    sent = Message.objects.get(direction=Direction.OUT)
    assert (sent.type, sent.sender, sent.template, sent.sent_by.username) == (
        MessageType.TEMPLATE,
        Sender.AGENT,
        nudge,
        "agent-user",
    )
    assert sent.text == "Hi Ana, still interested?"
    lead.refresh_from_db()
    assert lead.handoff_state == HandoffState.HUMAN
    entry = ConversationLog.objects.get(action=LogAction.TEMPLATE_SENT)
    assert entry.actor.username == "agent-user" and "nudge (en_US)" in entry.detail
    waiting.refresh_from_db()
    assert waiting.reply_state == ReplyState.BY_AGENT  # the bot will not answer it too


@pytest.mark.parametrize(
    ("form", "refusal"),
    [
        ({"template": "999999", "var-body.1": "Ana"}, "Pick a template first"),
        ({"template": "nope"}, "Pick a template first"),
        ({"template": "", "var-body.1": "Ana"}, "Pick a template first"),
        ({"var-body.1": ""}, "Fill in every variable"),
    ],
)
def test_a_bad_send_is_explained_on_the_page_never_a_500(client_as, lead, form, refusal):
    nudge = template("nudge", "Hi {{1}}")
    form = {"template": nudge.pk, **form}
    done = client_as("agent").post(action_url(lead, "send_template"), form, follow=True)
    assert done.status_code == 200
    assert refusal in text_of(done)
    assert not Message.objects.filter(direction=Direction.OUT).exists()


def test_a_viewer_sees_no_picker_and_cannot_post(client_as, lead):
    nudge = template("nudge", "Hi {{1}}")
    client = client_as("viewer")

    page = text_of(client.get(page_url(lead, template=nudge.pk)))
    assert 'id="template-picker"' not in page and "Block contact" not in page
    for action, form in (
        ("send_template", {"template": nudge.pk, "var-body.1": "Ana"}),
        ("block", {}),
        ("unblock", {}),
    ):
        assert client.post(action_url(lead, action), form).status_code == 403
    assert not Message.objects.filter(direction=Direction.OUT).exists()
    lead.refresh_from_db()
    assert lead.blocked_at is None


# Blocking ------------------------------------------------------------------------------------


def test_an_agent_blocks_and_unblocks_a_contact_and_both_are_logged(client_as, lead):
    client = client_as("agent")

    blocked = text_of(client.post(action_url(lead, "block"), follow=True))
    assert "Contact blocked" in blocked
    assert "This contact is blocked" in blocked and "Unblock" in blocked
    lead.refresh_from_db()
    assert lead.blocked_at is not None

    unblocked = text_of(client.post(action_url(lead, "unblock"), follow=True))
    assert "Contact unblocked." in unblocked
    lead.refresh_from_db()
    assert lead.blocked_at is None
    actions = list(
        ConversationLog.objects.order_by("created_at", "id").values_list(
            "action", "actor__username"
        )
    )
    assert actions == [(LogAction.BLOCKED, "agent-user"), (LogAction.UNBLOCKED, "agent-user")]


def test_a_blocked_contact_gets_no_template_from_the_picker(client_as, lead):
    nudge = template("nudge", "Hi {{1}}")
    lead.blocked_at = timezone.now()
    lead.save()
    client = client_as("agent")

    page = text_of(client.get(page_url(lead, template=nudge.pk)))
    assert "templates are refused until someone unblocks them" in page
    done = client.post(
        action_url(lead, "send_template"), {"template": nudge.pk, "var-body.1": "Ana"}, follow=True
    )
    assert "This contact is blocked" in text_of(done)
    assert not Message.objects.filter(direction=Direction.OUT).exists()
