"""Two deliveries of one message at the same moment still leave one message (PostgreSQL)."""

import pytest
from django.test import Client

from conversations.models import Conversation, Message
from tests.races import run_together
from tests.samples import sample_bytes, signed_headers
from tests.webhooks.conftest import WEBHOOK_URL
from webhooks.models import WebhookEvent
from webhooks.services import process_webhook_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_body_posted_concurrently_is_stored_as_one_message():
    body = sample_bytes("30_batch_3_messages_2_users.json")

    def post(_):
        return (
            Client()
            .post(WEBHOOK_URL, data=body, content_type="application/json", **signed_headers(body))
            .status_code
        )

    statuses = run_together(post, list(range(6)))
    assert statuses == [200] * 6
    events = list(WebhookEvent.objects.values_list("pk", flat=True))
    assert len(events) == 6  # every delivery is kept for audit

    outcomes = run_together(lambda pk: process_webhook_event(pk).outcome, events)

    assert outcomes == ["processed"] * 6
    assert Message.objects.count() == 3
    assert Conversation.objects.count() == 2
    stored = sum(e.summary.get("messages_stored", 0) for e in WebhookEvent.objects.all())
    assert stored == 3


def test_two_new_users_racing_each_get_exactly_one_conversation():
    bodies = [sample_bytes("01_text.json"), sample_bytes("03_text_reply_context.json")] * 3

    def post(body):
        return (
            Client()
            .post(WEBHOOK_URL, data=body, content_type="application/json", **signed_headers(body))
            .status_code
        )

    assert run_together(post, bodies) == [200] * 6
    events = list(WebhookEvent.objects.values_list("pk", flat=True))
    run_together(lambda pk: process_webhook_event(pk).outcome, events)
    assert Conversation.objects.filter(wa_id="15550001111").count() == 1
    assert Message.objects.count() == 2
