"""Meta's template webhooks, signed, through the real webhook view and the real worker.

Shapes from Meta's webhook reference: `message_template_status_update` (event, reason,
category, rejection_info), `message_template_quality_update` (previous/new score) and
`template_category_update` (new category; `correct_category` for a change announced ahead).
"""

from __future__ import annotations

import pytest

from conversations.models import MessageTemplate, TemplateQuality, TemplateStatus
from tests.samples import template_webhook
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

STATUS = "message_template_status_update"
QUALITY = "message_template_quality_update"
CATEGORY = "template_category_update"


@pytest.fixture
def order_update():
    """A template synced earlier (Meta id 1689556908129832), pending review."""
    return MessageTemplate.objects.create(
        meta_id="1689556908129832",
        name="order_update",
        language="en_US",
        category="UTILITY",
        status=TemplateStatus.PENDING,
        components=[{"type": "BODY", "text": "Your order {{1}} has shipped."}],
    )


@pytest.fixture
def meta_says(post_webhook, run_worker):
    """Meta posts one template webhook; the worker processes it; returns the event summary."""

    def post(field: str, **value) -> dict:
        value.setdefault("message_template_id", 1689556908129832)  # an integer, as Meta sends
        value.setdefault("message_template_name", "order_update")
        value.setdefault("message_template_language", "en_US")
        post_webhook(template_webhook(field, value))
        run_worker()
        return WebhookEvent.objects.latest("pk").summary

    return post


def test_approved(order_update, meta_says):
    summary = meta_says(
        STATUS, event="APPROVED", reason="NONE", message_template_category="UTILITY"
    )
    order_update.refresh_from_db()
    assert (order_update.status, order_update.rejected_reason) == (TemplateStatus.APPROVED, "")
    assert summary == {"templates_updated": 1}


def test_rejected_keeps_metas_reason_and_detail(order_update, meta_says):
    meta_says(
        STATUS,
        event="REJECTED",
        reason="INVALID_FORMAT",
        message_template_category="UTILITY",
        rejection_info={
            "reason": "Variables can't be at the start or end of the template.",
            "recommendation": "Add text before the variable.",
        },
    )
    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.REJECTED
    assert order_update.rejected_reason == (
        "INVALID_FORMAT: Variables can't be at the start or end of the template."
    )


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ("PAUSED", TemplateStatus.PAUSED),
        ("DISABLED", TemplateStatus.DISABLED),
        ("PENDING_DELETION", TemplateStatus.PENDING_DELETION),
        ("ARCHIVED", TemplateStatus.ARCHIVED),
        ("REINSTATED", TemplateStatus.APPROVED),
        ("SOME_FUTURE_STATE", "SOME_FUTURE_STATE"),  # stored as given
    ],
)
def test_other_status_events(order_update, meta_says, event, status):
    extra = {"disable_info": {"disable_date": 1751234563}} if event == "DISABLED" else {}
    meta_says(STATUS, event=event, reason="NONE", **extra)
    order_update.refresh_from_db()
    assert order_update.status == status


def test_flagged_is_a_warning_not_a_status(order_update, meta_says):
    MessageTemplate.objects.filter(pk=order_update.pk).update(status=TemplateStatus.APPROVED)
    summary = meta_says(STATUS, event="FLAGGED", reason="NONE")
    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.APPROVED  # still sendable at Meta
    assert summary == {"templates_skipped": 1}  # nothing changed


def test_quality_update(order_update, meta_says):
    meta_says(QUALITY, previous_quality_score="GREEN", new_quality_score="YELLOW")
    order_update.refresh_from_db()
    assert order_update.quality_score == TemplateQuality.YELLOW


def test_category_update_completed(order_update, meta_says):
    meta_says(CATEGORY, previous_category="UTILITY", new_category="MARKETING")
    order_update.refresh_from_db()
    assert order_update.category == "MARKETING"


def test_category_change_announced_for_later_is_not_applied_yet(order_update, meta_says):
    meta_says(
        CATEGORY,
        correct_category="MARKETING",
        new_category="UTILITY",  # the current category, per Meta's reference
        category_update_timestamp=1760711433,
    )
    order_update.refresh_from_db()
    assert order_update.category == "UTILITY"


def test_a_template_is_found_by_name_and_language_as_meta_spells_it(order_update, meta_says):
    meta_says(
        QUALITY,
        message_template_id=None,
        message_template_language="en-US",  # the reference's spelling; the list says en_US
        previous_quality_score="GREEN",
        new_quality_score="RED",
    )
    order_update.refresh_from_db()
    assert order_update.quality_score == TemplateQuality.RED


def test_a_template_not_synced_yet_is_reported_not_invented(meta_says):
    summary = meta_says(STATUS, event="APPROVED", message_template_name="brand_new")
    assert summary == {"templates_skipped": 1}
    assert not MessageTemplate.objects.exists()
    assert WebhookEvent.objects.get().outcome == "processed"


def test_a_redelivered_webhook_changes_nothing_more(order_update, meta_says):
    first = meta_says(STATUS, event="PAUSED", reason="NONE")
    second = meta_says(STATUS, event="PAUSED", reason="NONE")
    assert (first, second) == ({"templates_updated": 1}, {"templates_skipped": 1})
