"""Live pushes with Redis: one lasting connection per process, never in the change's way.

Each test starts its own redis-server on a free port (the shared one on 6379 is never
restarted), points the channel layer at it, and listens on the `dashboard` group with a
channel-layer receiver of its own, named `test-receiver` so its connections can be told
apart from the publisher's in `CLIENT LIST`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import subprocess
import time
import warnings

import pytest
import redis
from asgiref.sync import async_to_sync
from channels_redis.core import RedisChannelLayer
from django.db import transaction
from django.utils import timezone

from conversations.models import LiveEvent
from conversations.services import live, live_publisher
from tests.factories import make_conversation

REDIS_SERVER = shutil.which("redis-server")

pytestmark = [
    pytest.mark.django_db(transaction=True),  # pushes go out on commit
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs the redis-server binary"),
]

TIMEOUT = 5
PREFIX = "test-live-publisher"
OWN_NAMES = {"test-receiver", "test-checker"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A throwaway redis-server that a test may stop and start again on the same port."""

    def __init__(self, tmp_path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                with contextlib.closing(redis.Redis.from_url(self.url)) as client:
                    client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(TIMEOUT)
            self.process = None

    def publisher_connections(self) -> list[int]:
        """Ids of the clients connected now that are not the test's own."""
        with contextlib.closing(redis.Redis.from_url(self.url, client_name="test-checker")) as c:
            return [
                int(client["id"])
                for client in c.client_list()
                if client.get("name") not in OWN_NAMES
            ]

    def connections_accepted(self) -> int:
        with contextlib.closing(redis.Redis.from_url(self.url, client_name="test-checker")) as c:
            return int(c.info("stats")["total_connections_received"])


@pytest.fixture
def own_redis(tmp_path, settings):
    server = OwnRedis(tmp_path)
    server.start()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [server.url], "prefix": PREFIX},
        }
    }
    yield server
    live_publisher.flush(timeout=TIMEOUT)  # nothing of this test's left for the next one
    server.stop()


class Receiver:
    """A dashboard stand-in: one channel in the `dashboard` group, read in order."""

    def __init__(self, server: OwnRedis) -> None:
        self.layer = RedisChannelLayer(
            hosts=[{"address": server.url, "client_name": "test-receiver"}], prefix=PREFIX
        )
        self.channel = async_to_sync(self.layer.new_channel)()
        self.join()

    def join(self) -> None:
        async_to_sync(self.layer.group_add)(live.GROUP, self.channel)

    def receive(self, count: int) -> list[dict]:
        async def run():
            return [
                (await asyncio.wait_for(self.layer.receive(self.channel), TIMEOUT))["event"]
                for _ in range(count)
            ]

        return async_to_sync(run)()


def publish_committed(conversation, note: str) -> LiveEvent:
    with transaction.atomic():
        return live.publish(live.Kind.HANDOFF, conversation.pk, note=note)


@pytest.fixture
def lead():
    return make_conversation(last_inbound_at=timezone.now())


def test_every_push_goes_out_in_order_over_one_lasting_connection(own_redis, lead):
    receiver = Receiver(own_redis)
    accepted_before = own_redis.connections_accepted()
    seen_connections = set()
    published = []
    for n in range(25):
        published.append(publish_committed(lead, f"event {n}").pk)
        assert live_publisher.flush(timeout=TIMEOUT)
        seen_connections.update(own_redis.publisher_connections())
    accepted_after = own_redis.connections_accepted()

    received = receiver.receive(len(published))

    assert [event["id"] for event in received] == published
    assert [event["note"] for event in received] == [f"event {n}" for n in range(25)]
    # One connection, the same one after every event, and the only one the server accepted
    # while they were sent (besides the checker's own: one per look, the last included).
    assert len(seen_connections) == 1
    checker_looks = 25 + 1
    assert accepted_after - accepted_before - checker_looks == 1


def test_publisher_reconnects_after_redis_restarts(own_redis, lead):
    receiver = Receiver(own_redis)
    before = publish_committed(lead, "before the restart")
    assert [event["id"] for event in receiver.receive(1)] == [before.pk]
    assert len(own_redis.publisher_connections()) == 1

    own_redis.stop()
    own_redis.start()
    receiver.join()  # the restarted server is empty: the group is joined again
    after = publish_committed(lead, "after the restart")

    assert [event["id"] for event in receiver.receive(1)] == [after.pk]
    assert len(own_redis.publisher_connections()) == 1  # reconnected, and still only one


def test_while_redis_is_down_changes_commit_and_the_dashboard_can_catch_up(own_redis, lead, caplog):
    receiver = Receiver(own_redis)
    own_redis.stop()

    with caplog.at_level(logging.WARNING, logger=live_publisher.__name__):
        missed = publish_committed(lead, "while Redis is down")
        assert live_publisher.flush(timeout=TIMEOUT)

    assert "Live push failed" in caplog.text
    # The change is there for a screen catching up, and later pushes flow again.
    assert [e["id"] for e in live.events_after(missed.pk - 1)] == [missed.pk]
    own_redis.start()
    receiver.join()
    later = publish_committed(lead, "back up")
    assert [event["id"] for event in receiver.receive(1)] == [later.pk]


def test_a_redis_that_never_answers_neither_blocks_changes_nor_piles_up_pushes(
    settings, lead, caplog, monkeypatch
):
    monkeypatch.setattr(live_publisher, "QUEUE_LIMIT", 5)
    monkeypatch.setattr(live_publisher, "PUSH_TIMEOUT_SECONDS", 1.0)
    with socket.socket() as black_hole:  # accepts connections in the kernel, never replies
        black_hole.bind(("127.0.0.1", 0))
        black_hole.listen(64)
        port = black_hole.getsockname()[1]
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"], "prefix": PREFIX},
            }
        }
        with caplog.at_level(logging.WARNING, logger=live_publisher.__name__):
            events = [publish_committed(lead, f"event {n}") for n in range(20)]
            still_sending = not live_publisher.flush(timeout=0)
            assert live_publisher.flush(timeout=10)

    # Every change committed while the first push was still waiting on the silent server.
    assert still_sending
    assert LiveEvent.objects.filter(pk__in=[e.pk for e in events]).count() == 20
    assert "queue full" in caplog.text


def test_a_forked_process_pushes_through_a_publisher_of_its_own(own_redis, lead):
    receiver = Receiver(own_redis)
    parent_event = publish_committed(lead, "from the parent")  # the parent's thread is running
    assert [event["id"] for event in receiver.receive(1)] == [parent_event.pk]

    with warnings.catch_warnings():
        # Python warns that forking a threaded process may deadlock: the case under test.
        warnings.simplefilter("ignore", DeprecationWarning)
        child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which reports through its exit code
        try:
            live_publisher.push(live.GROUP, {"type": "live.event", "event": {"id": -1}})
            os._exit(0 if live_publisher.flush(timeout=TIMEOUT) else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(child, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert [event["id"] for event in receiver.receive(1)] == [-1]
