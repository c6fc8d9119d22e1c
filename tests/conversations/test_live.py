"""The dashboard's websocket: who may connect, and which events reach it when.

Consumer tests drive the real ASGI application (session auth, routing) with Channels'
WebsocketCommunicator. Events are written with the change and pushed after commit, so a
rolled-back change never shows on a screen.
"""

import os

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from django.utils import timezone

from botproject.asgi import application
from conversations.models import LiveEvent, Sender
from conversations.services import live
from conversations.services.outbound import queue_text
from tests.factories import make_conversation

pytestmark = pytest.mark.django_db(transaction=True)

HOST = ("Host", "127.0.0.1")  # AllowedHostsOriginValidator wants a known origin
TIMEOUT = 3


def session_headers(user) -> list[tuple[bytes, bytes]]:
    """The cookie a logged-in browser sends with its websocket handshake."""
    client = Client()
    if user is not None:
        client.force_login(user)
    cookie = "; ".join(f"{key}={morsel.value}" for key, morsel in client.cookies.items())
    return [
        (b"cookie", cookie.encode()),
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
    ]


def communicator(user, *, since: int | None = None) -> WebsocketCommunicator:
    path = "/ws/dashboard/" + (f"?since={since}" if since is not None else "")
    return WebsocketCommunicator(application, path, headers=session_headers(user))


@pytest.fixture(autouse=True)
def push_only(settings):
    """Events arrive by push here, as with Redis; polling is tested on its own."""
    settings.LIVE_EVENTS_POLL_SECONDS = 0
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def connect_and(user, scenario, *, since=None):
    """Connect as `user`, run `scenario(ws)` (async), disconnect; returns what it returned."""

    ws = communicator(user, since=since)  # logs in: synchronous, so before the event loop

    async def run():
        connected, code = await ws.connect(timeout=TIMEOUT)
        try:
            return await scenario(ws, connected, code)
        finally:
            await ws.disconnect()

    return async_to_sync(run)()


def test_anonymous_connections_are_refused():
    async def scenario(ws, connected, code):
        return connected, code

    assert connect_and(None, scenario) == (False, 4403)


def test_users_who_are_not_staff_are_refused(django_user_model):
    customer = django_user_model.objects.create_user("customer", password="x")

    async def scenario(ws, connected, code):
        return connected, code

    assert connect_and(customer, scenario) == (False, 4403)


@pytest.mark.parametrize("role", ["admin", "agent", "viewer"])
def test_every_staff_role_receives_events(staff_user, role):
    lead = make_conversation(last_inbound_at=timezone.now())

    async def scenario(ws, connected, code):
        assert connected
        await sync_to_async(queue_text)(lead, text="Hello Ana", sender=Sender.BOT)
        return await ws.receive_json_from(timeout=TIMEOUT)

    event = connect_and(staff_user(role), scenario)
    assert event["kind"] == "message"
    assert event["conversation_id"] == lead.pk
    assert event["message"]["text"] == "Hello Ana"
    assert event["conversation"]["label"] == str(lead)
    assert "raw" not in event["message"]  # only what staff screens show


def test_an_event_arrives_after_commit_and_never_for_a_rolled_back_change(staff_user):
    lead = make_conversation(last_inbound_at=timezone.now())

    def change_then_roll_back():
        try:
            with transaction.atomic():
                queue_text(lead, text="Never sent", sender=Sender.BOT)
                raise RuntimeError("the change fails")
        except RuntimeError:
            pass

    def change_and_commit():
        with transaction.atomic():
            queue_text(lead, text="Committed", sender=Sender.BOT)

    async def scenario(ws, connected, code):
        await sync_to_async(change_then_roll_back)()
        assert await ws.receive_nothing(timeout=0.3)
        await sync_to_async(change_and_commit)()
        return await ws.receive_json_from(timeout=TIMEOUT)

    event = connect_and(staff_user("agent"), scenario)
    assert event["message"]["text"] == "Committed"
    assert not LiveEvent.objects.filter(payload__message__text="Never sent").exists()


def test_a_reconnecting_screen_gets_what_it_missed_in_order(staff_user):
    lead = make_conversation(last_inbound_at=timezone.now())
    seen_until = live.latest_event_id()
    queue_text(lead, text="First while away", sender=Sender.BOT)
    queue_text(lead, text="Second while away", sender=Sender.BOT)

    async def scenario(ws, connected, code):
        return [await ws.receive_json_from(timeout=TIMEOUT) for _ in range(2)]

    events = connect_and(staff_user("viewer"), scenario, since=seen_until)
    assert [e["message"]["text"] for e in events] == ["First while away", "Second while away"]


def test_a_screen_too_far_behind_is_told_to_reload(staff_user, monkeypatch):
    from conversations import consumers

    monkeypatch.setattr(consumers, "CATCH_UP_LIMIT", 2)
    lead = make_conversation(last_inbound_at=timezone.now())
    for n in range(3):
        queue_text(lead, text=f"message {n}", sender=Sender.BOT)

    async def scenario(ws, connected, code):
        return await ws.receive_json_from(timeout=TIMEOUT)

    assert connect_and(staff_user("agent"), scenario, since=0) == {"kind": "resync"}


def test_without_redis_the_workers_events_reach_the_screen_by_polling(staff_user, settings):
    """The worker is another process: with the in-memory layer only the table connects them."""
    settings.LIVE_EVENTS_POLL_SECONDS = 0.1
    lead = make_conversation(last_inbound_at=timezone.now())

    def worker_writes_event():
        # What the worker's publish leaves behind when its push cannot reach this process.
        LiveEvent.objects.create(
            kind=live.Kind.HANDOFF,
            conversation_id=lead.pk,
            payload={"conversation": {"id": lead.pk, "handoff_label": "Agent handles"}},
        )

    async def scenario(ws, connected, code):
        await sync_to_async(worker_writes_event)()
        return await ws.receive_json_from(timeout=TIMEOUT)

    event = connect_and(staff_user("agent"), scenario)
    assert (event["kind"], event["conversation_id"]) == ("handoff", lead.pk)


@pytest.mark.redis
def test_events_cross_processes_through_the_real_redis(staff_user, settings):
    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [url], "prefix": "test-live"},
        }
    }
    lead = make_conversation(last_inbound_at=timezone.now())

    async def scenario(ws, connected, code):
        assert connected
        await sync_to_async(queue_text)(lead, text="Through Redis", sender=Sender.BOT)
        return await ws.receive_json_from(timeout=TIMEOUT)

    event = connect_and(staff_user("agent"), scenario)
    assert event["message"]["text"] == "Through Redis"


def test_polling_never_replays_what_the_screen_already_shows(staff_user, settings):
    settings.LIVE_EVENTS_POLL_SECONDS = 0.1
    lead = make_conversation(last_inbound_at=timezone.now())
    for n in range(3):
        queue_text(lead, text=f"Shown at render {n}", sender=Sender.BOT)
    rendered_at = live.latest_event_id()

    async def scenario(ws, connected, code):
        return await ws.receive_nothing(timeout=0.5)

    assert connect_and(staff_user("agent"), scenario, since=rendered_at)
