"""Sending a template: queued like a text, sent by the worker through the real Graph transport.

The stand-in holds its own copy of the templates and refuses sends the way Meta does
(132000, 132001, 132015, 132016); our checks refuse what must never reach Meta.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.admin import render_thread
from conversations.models import MessageStatus, MessageTemplate, MessageType, Sender
from conversations.services.outbound import CannotSend
from conversations.services.templates import queue_template, sync_templates
from tests.factories import make_conversation
from tests.standins.graph_templates import meta_template

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def meta(settings, graph_transport_settings):
    settings.WHATSAPP_BUSINESS_ACCOUNT_ID = "102290129340398"
    return graph_transport_settings


@pytest.fixture
def synced(meta):
    """Meta holds these templates and we synced them: returns ours by name (first language)."""

    def sync(*templates: dict) -> dict[str, MessageTemplate]:
        meta.templates = list(templates)
        sync_templates()
        return {t.name: t for t in MessageTemplate.objects.order_by("-language")}

    return sync


@pytest.fixture
def stale_lead():
    """A lead who last wrote two days ago: free text is refused, templates are not."""
    return make_conversation(
        wa_id="15550001111", last_inbound_at=timezone.now() - timedelta(days=2)
    )


def sent_templates(meta) -> list[dict]:
    return [body for _, body in meta.accepted if body.get("type") == "template"]


def test_a_template_with_variables_goes_out_after_24_hours(meta, synced, stale_lead, run_worker):
    order = synced(
        meta_template(
            "order_update",
            header="Order {{1}}",
            body="Hi {{1}}, your order {{2}} ships {{3}}.",
            footer="Reply STOP to opt out",
            buttons=("Thanks",),
        )
    )["order_update"]

    message = queue_template(
        stale_lead,
        order,
        {"header.1": "A-17", "body.1": "Ana", "body.2": "A-17", "body.3": "tomorrow"},
        sender=Sender.AGENT,
    )
    run_worker()

    message.refresh_from_db()
    [(wamid, body)] = meta.accepted
    assert (message.status, message.wamid, message.type) == (MessageStatus.SENT, wamid, "template")
    assert message.template == order
    assert body["to"] == "+15550001111"
    assert body["biz_opaque_callback_data"] == str(message.idempotency_key)
    assert body["template"] == {
        "name": "order_update",
        "language": {"code": "en_US"},
        "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "A-17"}]},
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Ana"},
                    {"type": "text", "text": "A-17"},
                    {"type": "text", "text": "tomorrow"},
                ],
            },
        ],
    }
    # The thread shows what the user reads.
    assert message.text == (
        "Order A-17\n\nHi Ana, your order A-17 ships tomorrow.\n\nReply STOP to opt out\n\n[Thanks]"
    )


def test_named_parameters_are_sent_with_their_names(meta, synced, stale_lead, run_worker):
    nudge = synced(meta_template("nudge", body="Hi {{first_name}}, still at {{company}}?"))["nudge"]
    queue_template(
        stale_lead,
        nudge,
        {"body.first_name": " Ana\n ", "body.company": "Acme   Corp"},
        sender=Sender.BOT,
    )
    run_worker()

    [body] = sent_templates(meta)
    assert body["template"]["components"] == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "parameter_name": "first_name", "text": "Ana"},
                {"type": "text", "parameter_name": "company", "text": "Acme Corp"},
            ],
        }
    ]


def test_a_template_without_variables_sends_no_components(meta, synced, stale_lead, run_worker):
    hello = synced(meta_template("hello_world", body="Hello from Acme!"))["hello_world"]
    queue_template(stale_lead, hello, {}, sender=Sender.AGENT)
    run_worker()
    [body] = sent_templates(meta)
    assert body["template"] == {"name": "hello_world", "language": {"code": "en_US"}}


def test_a_lead_known_only_by_bsuid_gets_it_by_bsuid(meta, synced, run_worker):
    hello = synced(meta_template("hello_world", body="Hello!"))["hello_world"]
    lead = make_conversation(wa_id=None, bsuid="US.50607080901020304050")
    queue_template(lead, hello, {}, sender=Sender.AGENT)
    run_worker()
    [body] = sent_templates(meta)
    assert body["recipient"] == "US.50607080901020304050" and "to" not in body


# Meta's template errors, end to end ------------------------------------------------------------


def _meta_changed(meta, **changes):
    """Meta's copy of the template changed after our sync (we have not heard yet)."""
    meta.templates[0].update(changes)


@pytest.mark.parametrize(
    ("change", "code", "title"),
    [
        (
            {"language": "pt_BR"},
            132001,
            "(#132001) Template name does not exist in the translation",
        ),
        (
            {"components": [{"type": "BODY", "text": "Hi {{1}}, order {{2}}"}]},
            132000,
            "(#132000) Number of parameters does not match the expected number of params",
        ),
        ({"status": "PAUSED"}, 132015, "(#132015) Template is Paused"),
        ({"status": "DISABLED"}, 132016, "(#132016) Template is Disabled"),
    ],
)
def test_metas_template_errors_fail_the_message_with_code_and_title(
    meta, synced, stale_lead, run_worker, change, code, title
):
    nudge = synced(meta_template("nudge", body="Hi {{1}}"))["nudge"]
    _meta_changed(meta, **change)
    message = queue_template(stale_lead, nudge, {"body.1": "Ana"}, sender=Sender.AGENT)
    run_worker()

    message.refresh_from_db()
    assert (message.status, message.error_code, message.error_title) == (
        MessageStatus.FAILED,
        code,
        title,
    )
    assert len([r for r in meta.requests if r.path.endswith("/messages")]) == 1  # not retried
    thread = render_thread(stale_lead)
    assert f"error {code}" in thread and title in thread


# Refused before anything is written ------------------------------------------------------------


def test_a_marketing_template_is_refused_to_a_user_who_stopped_marketing(meta, synced):
    sale = synced(meta_template("spring_sale", category="MARKETING", body="Sale!"))["spring_sale"]
    lead = make_conversation(marketing_opt_out_at=timezone.now())

    with pytest.raises(CannotSend, match="stopped marketing messages on WhatsApp"):
        queue_template(lead, sale, {}, sender=Sender.AGENT)
    assert not lead.messages.exists()


def test_a_utility_template_still_goes_to_a_user_who_stopped_marketing(meta, synced, run_worker):
    hello = synced(meta_template("hello_world", body="Your order shipped."))["hello_world"]
    lead = make_conversation(marketing_opt_out_at=timezone.now())
    queue_template(lead, hello, {}, sender=Sender.AGENT)
    run_worker()
    assert len(sent_templates(meta)) == 1


def test_no_template_goes_to_a_blocked_contact(meta, synced):
    hello = synced(meta_template("hello_world", body="Hello!"))["hello_world"]
    lead = make_conversation(blocked_at=timezone.now())
    with pytest.raises(CannotSend, match="blocked"):
        queue_template(lead, hello, {}, sender=Sender.AGENT)
    assert not lead.messages.exists()


@pytest.mark.parametrize("status", ["PAUSED", "REJECTED", "PENDING"])
def test_only_approved_templates_are_sent(meta, synced, stale_lead, status):
    nudge = synced(meta_template("nudge", body="Hi!", status=status))["nudge"]
    with pytest.raises(CannotSend, match="only approved templates can be sent"):
        queue_template(stale_lead, nudge, {}, sender=Sender.AGENT)


@pytest.mark.parametrize(
    ("params", "refusal"),
    [
        ({"body.1": "Ana"}, "takes 2 variables"),
        ({"body.1": "Ana", "body.2": "x", "body.3": "y"}, "takes 2 variables"),
        ({"body.1": "Ana", "body.9": "x"}, "has no variable body.9"),
        (
            {"body.1": "Ana", "body.2": "   "},
            r"Fill in every variable: \{\{2\}\} in the body is empty",
        ),
    ],
)
def test_wrong_or_empty_variables_are_refused(meta, synced, stale_lead, params, refusal):
    nudge = synced(meta_template("nudge", body="Hi {{1}}, order {{2}}"))["nudge"]
    with pytest.raises(CannotSend, match=refusal):
        queue_template(stale_lead, nudge, params, sender=Sender.AGENT)
    assert not stale_lead.messages.filter(type=MessageType.TEMPLATE).exists()


def test_a_template_with_a_media_header_is_not_sent_yet(meta, synced, stale_lead):
    promo = meta_template("promo", body="Look!")
    promo["components"].insert(0, {"type": "HEADER", "format": "IMAGE"})
    with pytest.raises(CannotSend, match="image, video, document or location header"):
        queue_template(stale_lead, synced(promo)["promo"], {}, sender=Sender.AGENT)


def test_a_failed_template_is_retried_from_the_admin_after_24_hours(
    meta, synced, stale_lead, run_worker, client_as
):
    nudge = synced(meta_template("nudge", body="Hi {{1}}"))["nudge"]
    _meta_changed(meta, status="PAUSED")
    message = queue_template(stale_lead, nudge, {"body.1": "Ana"}, sender=Sender.AGENT)
    run_worker()
    _meta_changed(meta, status="APPROVED")  # Meta unpaused it

    page = client_as("agent").post(
        reverse("admin:conversations_message_changelist"),
        {"action": "retry_failed_sends", "_selected_action": [message.pk]},
        follow=True,
    )
    run_worker()

    assert "Queued 1 message for sending again." in page.content.decode()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(sent_templates(meta)) == 1


def test_a_failed_marketing_template_is_not_retried_after_an_opt_out(
    meta, synced, stale_lead, run_worker, client_as
):
    sale = synced(meta_template("spring_sale", category="MARKETING", body="Sale!"))["spring_sale"]
    _meta_changed(meta, status="PAUSED")
    message = queue_template(stale_lead, sale, {}, sender=Sender.AGENT)
    run_worker()
    stale_lead.marketing_opt_out_at = timezone.now()
    stale_lead.save()

    page = client_as("agent").post(
        reverse("admin:conversations_message_changelist"),
        {"action": "retry_failed_sends", "_selected_action": [message.pk]},
        follow=True,
    )

    assert "stopped marketing messages on WhatsApp" in page.content.decode()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
