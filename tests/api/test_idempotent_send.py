"""A retried POST with the same Idempotency-Key returns the first reply, never a second."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conversations.models import ApiIdempotencyKey, Direction, Message
from tests.factories import make_conversation


def open_conversation():
    return make_conversation(last_inbound_at=timezone.now() - timedelta(minutes=1))


def reply(client, conversation, text, key="key-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"/api/v1/conversations/{conversation.pk}/messages/",
        {"text": text},
        format="json",
        headers=headers,
    )


def outbound():
    return Message.objects.filter(direction=Direction.OUT)


@pytest.mark.django_db
def test_a_retry_with_the_same_key_returns_the_first_message(api_as):
    conversation = open_conversation()
    client = api_as("agent")
    first = reply(client, conversation, "Your quote is ready")
    again = reply(client, conversation, "Your quote is ready")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert outbound().count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(api_as):
    conversation = open_conversation()
    client = api_as("agent")
    reply(client, conversation, "Your quote is ready")
    other = reply(client, conversation, "Something else")
    elsewhere = reply(client, open_conversation(), "Your quote is ready")

    assert other.status_code == 422
    assert elsewhere.status_code == 422  # the key names a request, conversation included
    assert outbound().count() == 1


@pytest.mark.django_db
def test_keys_are_per_user_and_posts_without_a_key_each_send(api_as):
    conversation = open_conversation()
    ana, ben = api_as("agent", username="ana"), api_as("agent", username="ben")
    assert reply(ana, conversation, "Hi").status_code == 201
    assert reply(ben, conversation, "Hi").status_code == 201
    assert reply(ana, conversation, "Hi", key=None).status_code == 201
    assert reply(ana, conversation, "Hi", key=None).status_code == 201
    assert outbound().count() == 4


@pytest.mark.django_db
def test_a_refused_reply_leaves_the_key_free_for_a_good_one(api_as):
    conversation = open_conversation()
    client = api_as("agent")
    assert reply(client, conversation, "x" * 5000).status_code == 400
    assert not ApiIdempotencyKey.objects.exists()
    assert reply(client, conversation, "x" * 10).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["k" * 256, "tab\there"])
def test_an_unusable_key_is_400(api_as, key):
    response = reply(api_as("agent"), open_conversation(), "Hi", key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not outbound().exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_with_one_key_send_once(api_as):
    conversation = open_conversation()
    client = api_as("agent")
    barrier = threading.Barrier(2)
    codes = []

    def post():
        barrier.wait()
        try:
            codes.append(reply(client, conversation, "Only once").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(codes) == [200, 201]
    assert outbound().count() == 1
