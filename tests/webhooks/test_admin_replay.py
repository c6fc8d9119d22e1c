"""The admin's replay action runs stored events through the same idempotent pipeline."""

import pytest
from django.urls import reverse

from conversations.models import Conversation, Message
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = reverse("admin:webhooks_webhookevent_changelist")


def replay(client, events):
    return client.post(
        CHANGELIST,
        {"action": "replay", "_selected_action": [event.pk for event in events]},
        follow=True,
    )


def test_replaying_events_twice_changes_nothing(client_as, post_sample, run_worker):
    for name in ("01_text.json", "30_batch_3_messages_2_users.json", "20_reaction.json"):
        post_sample(name)
    run_worker()
    snapshot = sorted(Message.objects.values_list("wamid", "conversation_id", "text", "reaction"))
    client = client_as("admin")
    events = list(WebhookEvent.objects.all())

    for _ in range(2):
        page = replay(client, events)
        assert "Replayed 3 event(s); 0 did not process." in page.content.decode()

    assert (
        sorted(Message.objects.values_list("wamid", "conversation_id", "text", "reaction"))
        == snapshot
    )
    assert Conversation.objects.count() == 2
    assert {e.attempts for e in WebhookEvent.objects.all()} == {3}
    assert all(e.summary.get("messages_duplicate") for e in WebhookEvent.objects.all()[:2])


def test_replay_processes_an_event_the_worker_never_reached(client_as, post_sample):
    post_sample("01_text.json")  # stored, but no worker ran
    event = WebhookEvent.objects.get()
    assert event.outcome == "pending"
    replay(client_as("admin"), [event])
    event.refresh_from_db()
    assert event.outcome == "processed"
    assert Message.objects.count() == 1


def test_agents_cannot_replay_events(client_as, post_sample):
    post_sample("01_text.json")
    response = replay(client_as("agent"), list(WebhookEvent.objects.all()))
    assert response.status_code == 403
    assert not Message.objects.exists()
