"""Hostile signed bodies get a clear 400 or a clear outcome, and never break view or worker.

Each shape goes through the real signed view, then the real worker (`run_worker`), then the
admin pages that show its result.
"""

import copy
import json
import time

import pytest
from django.urls import reverse

from conversations.models import Conversation, Message
from tests.samples import sample_bytes, sample_json
from tests.webhooks.conftest import resign
from webhooks.decoding import MAX_DEPTH, MAX_UPDATES
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

BATCH = "30_batch_3_messages_2_users.json"  # three messages from two users, in two entries


def nested_objects(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def message_nested_to(depth: int) -> bytes:
    """Sample 01 whose message carries arrays nested so that the body is `depth` levels deep.

    The message object itself is the 8th level: body, entry[], entry, changes[], change,
    value, messages[], message.
    """
    arrays = depth - 8
    return sample_bytes("01_text.json").replace(
        b'"type":', b'"extra": ' + b"[" * arrays + b"]" * arrays + b', "type":', 1
    )


def batch_wamids(data: dict) -> list[str]:
    return [
        message["id"]
        for entry in data["entry"]
        for change in entry["changes"]
        for message in change["value"]["messages"]
    ]


def replay(client, events):
    return client.post(
        reverse("admin:webhooks_webhookevent_changelist"),
        {"action": "replay", "_selected_action": [event.pk for event in events]},
        follow=True,
    )


# --- nesting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        nested_objects(10_000),
        b'{"object":"whatsapp_business_account","entry":' + b"[" * 10_000 + b"]" * 10_000 + b"}",
        message_nested_to(MAX_DEPTH + 1),  # one level past the bound, in a valid message
    ],
    ids=["10k nested objects", "10k nested entry arrays", "one level too deep"],
)
def test_a_body_nested_too_deep_gets_a_400_saying_so(post_body, run_worker, body, caplog):
    response = post_body(body)
    run_worker()
    assert response.status_code == 400
    assert "levels deep" in response.json()["error"]
    assert "Webhook refused" in caplog.text
    event = WebhookEvent.objects.get()
    assert event.outcome == "rejected"
    assert f"more than {MAX_DEPTH}" in event.error
    assert not Message.objects.exists()


def test_a_body_exactly_as_deep_as_the_bound_is_stored(post_body, run_worker):
    assert response_status(post_body, message_nested_to(MAX_DEPTH)) == 200
    run_worker()
    assert WebhookEvent.objects.get().outcome == "processed"
    assert Message.objects.count() == 1


def response_status(post_body, body: bytes) -> int:
    return post_body(body).status_code


def test_a_deep_body_stored_before_the_check_is_rejected_by_the_worker_and_replay(
    run_worker, client_as
):
    """Bodies kept by an older version reach the worker and replay without the view's check."""
    event = WebhookEvent.objects.create(body=nested_objects(10_000))
    run_worker()
    event.refresh_from_db()
    assert event.outcome == "rejected"
    assert "10000 levels deep" in event.error

    client = client_as("admin")
    page = replay(client, [event]).content.decode()
    assert "Replayed 1 event(s); 1 did not process." in page
    detail = client.get(reverse("admin:webhooks_webhookevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert "10000 levels deep" in detail.content.decode()


# --- size and count ---------------------------------------------------------------------


def test_a_99_mib_text_is_stored_whole_and_the_thread_and_raw_page_show_only_its_start(
    post_body, run_worker, client_as
):
    text = "x" * (9_900 * 1024)
    data = sample_json("01_text.json")
    data["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = text + "END"
    assert response_status(post_body, resign(data)) == 200
    run_worker()

    event = WebhookEvent.objects.get()
    assert event.outcome == "processed"
    message = Message.objects.get()
    assert message.text.endswith("END") and len(message.text) == len(text) + 3
    client = client_as("admin")
    profile_page = client.get(
        reverse("admin:profiles_clientprofile_change", args=[message.conversation.profile.pk])
    )
    assert profile_page.status_code == 200
    assert len(profile_page.content) < 500_000
    assert "more characters not shown" in profile_page.content.decode()
    raw_page = client.get(reverse("admin:webhooks_webhookevent_change", args=[event.pk]))
    assert raw_page.status_code == 200
    assert len(raw_page.content) < 500_000
    assert "more characters not shown" in raw_page.content.decode()


def test_the_bot_answers_a_99_mib_text_at_once(post_body, run_worker, settings):
    """The brain reads WhatsApp's 4,096 characters of it, not ten million (minutes of regex)."""
    settings.BOT_ENABLED = True
    settings.BOT_BURST_SECONDS = 0
    data = sample_json("01_text.json")
    message = data["entry"][0]["changes"][0]["value"]["messages"][0]
    message["timestamp"] = str(int(time.time()))  # inside the 24-hour window
    message["text"]["body"] = "My name is Ana Lopez. " + "x" * (9_900 * 1024)
    assert response_status(post_body, resign(data)) == 200
    started = time.monotonic()
    run_worker()
    assert time.monotonic() - started < 20
    assert Message.objects.filter(direction="out").count() == 1
    assert Message.objects.get(direction="in").conversation.profile.name == "Ana"


def entries_around_one_message(total: int) -> bytes:
    """A batch of `total` entries: the first carries a real message, the rest carry nothing."""
    data = sample_json("01_text.json")
    data["entry"] += [{"id": str(n), "changes": []} for n in range(total - 1)]
    return resign(data)


def test_5000_entries_in_one_body_get_a_400_saying_so(post_body, run_worker):
    response = post_body(entries_around_one_message(5_000))
    run_worker()
    assert response.status_code == 400
    assert f"more than {MAX_UPDATES} updates" in response.json()["error"]
    assert WebhookEvent.objects.get().outcome == "rejected"


def test_a_batch_at_the_update_bound_is_stored_with_nothing_lost(post_body, run_worker):
    assert response_status(post_body, entries_around_one_message(MAX_UPDATES)) == 200
    run_worker()
    assert WebhookEvent.objects.get().outcome == "processed"
    assert Message.objects.count() == 1


# --- literals, keys, encodings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "reason"),
    [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity")],
)
def test_nan_and_infinity_literals_get_a_400_naming_them(post_body, run_worker, literal, reason):
    body = sample_bytes(BATCH).replace(b"38.7223", literal.encode())
    response = post_body(body)
    run_worker()
    assert response.status_code == 400
    assert f"{reason} is not valid JSON" in response.json()["error"]
    assert WebhookEvent.objects.get().outcome == "rejected"


def test_duplicate_keys_get_a_400_naming_the_key(post_body, run_worker):
    """First-wins and last-wins parsers would read two different bodies under one signature."""
    body = sample_bytes("01_text.json").replace(b'"object":', b'"entry":[],"object":', 1)
    response = post_body(body)
    run_worker()
    assert response.status_code == 400
    assert "duplicate key 'entry'" in response.json()["error"]
    assert WebhookEvent.objects.get().outcome == "rejected"
    assert not Message.objects.exists()


def test_a_utf8_byte_order_mark_is_ignored(post_body, run_worker):
    assert response_status(post_body, b"\xef\xbb\xbf" + sample_bytes("01_text.json")) == 200
    run_worker()
    assert WebhookEvent.objects.get().outcome == "processed"
    assert Message.objects.get().text == "Hi! Do you deliver to Lisbon?"


def test_a_body_in_utf16_gets_a_400(post_body, run_worker):
    response = post_body(sample_bytes("01_text.json").decode().encode("utf-16"))
    run_worker()
    assert response.status_code == 400
    assert "not UTF-8" in response.json()["error"]


def test_lone_surrogates_become_replacement_characters_and_the_batch_is_stored(
    post_body, run_worker
):
    body = sample_bytes(BATCH).replace(b'"Sending my location"', b'"Sending \\ud800 \\udfff"')
    assert response_status(post_body, body) == 200
    run_worker()
    event = WebhookEvent.objects.get()
    assert event.outcome == "processed", event.error
    assert event.summary["messages_stored"] == 3
    assert event.summary["repairs"] == ["lone UTF-16 surrogates replaced by U+FFFD"]
    assert Message.objects.filter(text="Sending \ufffd \ufffd").exists()


# --- every field, every wrong type ------------------------------------------------------------

WRONG_TYPES = {"null": None, "number": 7, "string": "x", "list": [], "object": {}}


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return "number"
    return {str: "string", list: "list", dict: "object"}[type(value)]


def _paths(node, path=()):
    """Every key and index path below `node`, parents first."""
    children = node.items() if isinstance(node, dict) else enumerate(node)
    for key, child in children:
        yield (*path, key)
        if isinstance(child, dict | list):
            yield from _paths(child, (*path, key))


def _variants():
    sample = sample_json(BATCH)
    for path in _paths(sample):
        original = sample
        for key in path:
            original = original[key]
        for name, wrong in WRONG_TYPES.items():
            if name != _json_type(original):
                yield path, wrong


def test_every_field_replaced_by_each_wrong_type_is_processed_and_loses_nothing_else(
    post_body, run_worker
):
    """A wrong type costs at most the item it sits in; the rest of the batch is stored."""
    sample = sample_json(BATCH)
    message_paths = [
        ("entry", e, "changes", c, "value", "messages", m)
        for e, entry in enumerate(sample["entry"])
        for c, change in enumerate(entry["changes"])
        for m, _ in enumerate(change["value"]["messages"])
    ]
    expected: dict[int, set[str]] = {}
    routing_broken: dict[int, bool] = {}
    for number, (path, wrong) in enumerate(_variants()):
        data = copy.deepcopy(sample)
        for message_path in message_paths:  # unique wamids per variant, so none is a duplicate
            message = data
            for key in message_path:
                message = message[key]
            message["id"] = f"{message['id']}.{number}"
        survivors = {
            wamid
            for wamid, message_path in zip(batch_wamids(data), message_paths, strict=True)
            if path[: len(message_path)] != message_path[: len(path)]
            and path != (*message_path[:4], "field")  # the key that routes the change
        }
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = copy.deepcopy(wrong)
        response = post_body(json.dumps(data).encode())
        assert response.status_code == 200, (path, wrong, response.content)
        expected[response.json()["event"]] = survivors
        routing_broken[response.json()["event"]] = path[-1] == "field"

    run_worker()

    stored = set(Message.objects.values_list("wamid", flat=True))
    for event in WebhookEvent.objects.filter(pk__in=expected):
        assert event.outcome == "processed", (event.body_text, event.error)
        assert expected[event.pk] <= stored, event.body_text
        if routing_broken[event.pk]:  # the outcome says which change could not be routed
            summary = event.summary
            assert summary.get("changes_without_field") or summary.get("ignored_fields")
    assert Conversation.objects.filter(wa_id__in=["15550001111", "15550002222"]).count() == 2
