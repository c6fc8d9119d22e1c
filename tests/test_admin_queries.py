"""Back-office lists cost the same number of queries for 3 rows as for 30."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conversations.models import Direction
from tests.factories import make_conversation, make_message
from webhooks.models import ProcessedMessage, WebhookEvent

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:conversations_conversation_changelist",
    "admin:conversations_message_changelist",
    "admin:profiles_clientprofile_changelist",
    "admin:webhooks_webhookevent_changelist",
    "admin:webhooks_processedmessage_changelist",
]


def add_rows(count: int, start: int) -> None:
    for i in range(start, start + count):
        conversation = make_conversation(wa_id=f"1555099{i:04d}")
        make_message(conversation, minutes=i, wamid=f"wamid.in.{i}")
        make_message(
            conversation,
            minutes=i,
            direction=Direction.OUT,
            status="sent",
            wamid=f"wamid.out.{i}",
        )
        WebhookEvent.objects.create(body=b'{"entry": []}')
        ProcessedMessage.objects.create(wamid=f"wamid.in.{i}")


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(client_as, name):
    client = client_as("admin")
    url = reverse(name)
    add_rows(3, start=0)
    few = queries_for(client, url)
    add_rows(27, start=3)
    many = queries_for(client, url)
    assert many == few


def test_profile_page_shows_the_thread_newest_last_and_capped(client_as):
    conversation = make_conversation()
    for minute in range(60):
        make_message(conversation, minutes=minute, text=f"line {minute:02d}")
    url = reverse("admin:profiles_clientprofile_change", args=[conversation.profile.pk])
    page = client_as("agent").get(url).content.decode()
    assert "line 59" in page
    assert "line 10" in page
    assert "line 09" not in page  # only the newest 50 are shown
    assert page.index("line 10") < page.index("line 59")
    assert "10 older messages not shown" in page


def test_profile_page_query_count_does_not_grow_with_the_thread(client_as):
    client = client_as("agent")
    conversation = make_conversation()
    url = reverse("admin:profiles_clientprofile_change", args=[conversation.profile.pk])
    for minute in range(5):
        make_message(conversation, minutes=minute)
    few = queries_for(client, url)
    for minute in range(5, 80):
        make_message(conversation, minutes=minute)
    assert queries_for(client, url) == few + 1  # + the count of the hidden older messages
