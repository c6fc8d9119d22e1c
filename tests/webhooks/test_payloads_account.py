"""`parse_webhook` for the business-phone echoes and the users' marketing preferences.

The shapes follow Meta's `smb_message_echoes` and `user_preferences` webhook references; the
bodies are built from the shared samples' envelope (`tests/samples.py`). Like every parser in
the package these are total: whatever the JSON holds, they return dataclasses, never raise.
"""

import copy
import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.samples import BUSINESS_NUMBER, echo_webhook, preference_webhook
from tests.webhooks.strategies import json_values
from webhooks.payloads import (
    EditContent,
    MediaContent,
    MessageEcho,
    RevokeContent,
    TextContent,
    UserPreference,
    parse_webhook,
)

ALICE_WAMID = "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTI0M0UxMDYxRjM0MTRBRDYwMAA="
WHEN = datetime(2026, 7, 30, 10, 0, tzinfo=UTC)


def only_change(body: bytes | dict):
    data = json.loads(body) if isinstance(body, bytes) else body
    (change,) = parse_webhook(data).iter_changes()
    return change


def echo_body(**fields) -> dict:
    body, _ = echo_webhook("Sure, see you at 3", at=WHEN, wamid="wamid.echo.1", **fields)
    return json.loads(body)


def echo_item(data: dict) -> dict:
    return data["entry"][0]["changes"][0]["value"]["message_echoes"][0]


# --- smb_message_echoes --------------------------------------------------------------------


def test_an_echo_is_a_message_from_the_business_number_to_the_user():
    change = only_change(echo_body())

    assert change.field == "smb_message_echoes"
    assert change.understood
    (echo,) = change.echoes
    assert isinstance(echo, MessageEcho)
    assert (echo.to_wa_id, echo.to_user_id) == ("15550001111", None)
    message = echo.message
    assert (message.id, message.from_wa_id, message.type) == (
        "wamid.echo.1",
        BUSINESS_NUMBER,
        "text",
    )
    assert message.timestamp == WHEN
    assert message.content == TextContent(body="Sure, see you at 3")
    assert message.text == "Sure, see you at 3"
    assert change.value.phone_number_id == "110200300400500"


def test_an_echo_to_a_user_known_only_by_bsuid_carries_the_bsuid():
    (echo,) = only_change(echo_body(to=None, to_user_id="US.50607080901020304050")).echoes

    assert (echo.to_wa_id, echo.to_user_id) == (None, "US.50607080901020304050")


def test_a_media_echo_keeps_the_media_id_and_caption():
    data = echo_body()
    item = echo_item(data)
    del item["text"]
    item.update(
        type="image",
        image={"id": "1234567890", "mime_type": "image/jpeg", "sha256": "abc=", "caption": "Menu"},
    )

    (echo,) = only_change(data).echoes

    assert echo.message.type == "image"
    assert isinstance(echo.message.content, MediaContent)
    assert (echo.message.content.media_id, echo.message.text) == ("1234567890", "Menu")


def test_echoed_edits_and_revokes_name_the_business_message_they_change():
    edited = echo_body(
        message={
            "type": "edit",
            "edit": {
                "original_message_id": "wamid.echo.0",
                "message": {"type": "text", "text": {"body": "See you at 4"}},
            },
        }
    )
    revoked = echo_body(message={"type": "revoke", "revoke": {"original_message_id": "wamid.0"}})

    (edit,) = only_change(edited).echoes
    (revoke,) = only_change(revoked).echoes

    assert edit.message.content == EditContent("wamid.echo.0", "See you at 4")
    assert revoke.message.content == RevokeContent("wamid.0")


def test_several_echoes_in_one_change_each_parse():
    data = echo_body()
    items = data["entry"][0]["changes"][0]["value"]["message_echoes"]
    second = copy.deepcopy(items[0])
    second.update(id="wamid.echo.2", to="15550002222")
    items.append(second)

    echoes = only_change(data).echoes

    assert [(e.message.id, e.to_wa_id) for e in echoes] == [
        ("wamid.echo.1", "15550001111"),
        ("wamid.echo.2", "15550002222"),
    ]


def test_an_echo_missing_its_fields_still_parses_with_nones():
    data = echo_body()
    item = echo_item(data)
    for key in ("to", "id", "timestamp", "text"):
        del item[key]
    item["type"] = "text"

    (echo,) = only_change(data).echoes

    assert (echo.to_wa_id, echo.message.id, echo.message.timestamp) == (None, None, None)
    assert echo.message.text is None


def test_malformed_echo_fields_read_as_none_or_unsupported():
    data = echo_body()
    item = echo_item(data)
    item.update(to=["not", "a", "number"], timestamp="yesterday", type="hologram", id=12345)

    (echo,) = only_change(data).echoes

    assert echo.to_wa_id is None
    assert echo.message.timestamp is None
    assert echo.message.id == "12345"  # ids sent as numbers are read as text
    assert echo.message.type == "unsupported"


def test_echoes_that_are_not_a_list_of_objects_give_no_echoes():
    data = echo_body()
    value = data["entry"][0]["changes"][0]["value"]
    for junk in ("text", 42, None, {"to": "1"}, ["a string", 7]):
        value["message_echoes"] = junk
        assert only_change(data).echoes == ()


def test_an_echo_change_without_a_value_gives_no_echoes():
    data = echo_body()
    data["entry"][0]["changes"][0]["value"] = "garbage"

    change = only_change(data)

    assert (change.echoes, change.value) == ((), None)


# --- user_preferences ----------------------------------------------------------------------


def preference_body(value="stop", **fields) -> dict:
    return json.loads(preference_webhook(value, at=WHEN, **fields))


def preference_item(data: dict) -> dict:
    return data["entry"][0]["changes"][0]["value"]["user_preferences"][0]


def test_a_marketing_stop_carries_the_user_category_value_and_time():
    change = only_change(preference_body("stop"))

    assert change.field == "user_preferences"
    (preference,) = change.preferences
    assert preference == UserPreference(
        wa_id="15550001111",
        user_id=None,
        category="marketing_messages",
        value="stop",
        detail="User requested to stop marketing messages",
        timestamp=WHEN,
    )
    contact = change.value.contact_for_wa_id(preference.wa_id, preference.user_id)
    assert contact.name == "Alice Example"


def test_a_resume_and_a_bsuid_are_read_too():
    data = preference_body("resume")
    preference_item(data)["user_id"] = "US.10293847561029384756"

    (preference,) = only_change(data).preferences

    assert (preference.value, preference.user_id) == ("resume", "US.10293847561029384756")


def test_another_category_is_parsed_as_given_for_the_service_to_ignore():
    (preference,) = only_change(preference_body("stop", category="offers")).preferences

    assert preference.category == "offers"


def test_a_preference_missing_its_fields_parses_with_nones():
    data = preference_body()
    data["entry"][0]["changes"][0]["value"]["user_preferences"] = [{}]

    (preference,) = only_change(data).preferences

    assert preference == UserPreference(None, None, None, None, None, None)


def test_malformed_preference_fields_read_as_none():
    data = preference_body()
    preference_item(data).update(
        wa_id={"x": 1}, category=7, value=True, timestamp="soon", detail=None
    )

    (preference,) = only_change(data).preferences

    assert preference.wa_id is None
    assert preference.category == "7"  # numbers read as text, like ids
    assert (preference.value, preference.timestamp, preference.detail) == (None, None, None)


def test_preferences_that_are_not_a_list_of_objects_give_none():
    data = preference_body()
    value = data["entry"][0]["changes"][0]["value"]
    for junk in ("stop", 1, None, {"value": "stop"}, [None, "stop"]):
        value["user_preferences"] = junk
        assert only_change(data).preferences == ()


# --- Totality ------------------------------------------------------------------------------

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def exercise(data) -> None:
    for change in parse_webhook(data).iter_changes():
        for echo in change.echoes:
            assert echo.to_wa_id is None or isinstance(echo.to_wa_id, str)
            assert isinstance(echo.message.type, str)
            assert echo.message.timestamp is None or echo.message.timestamp.tzinfo is UTC
            if change.value is not None:
                change.value.contact_for_wa_id(echo.to_wa_id, echo.to_user_id)
        for preference in change.preferences:
            assert preference.value is None or isinstance(preference.value, str)
            assert preference.timestamp is None or preference.timestamp.tzinfo is UTC


@st.composite
def mutated_account_bodies(draw):
    """An echo or preference body with keys of its items replaced by random JSON or removed."""
    data = draw(st.sampled_from([echo_body(), preference_body()]))
    data = copy.deepcopy(data)
    value = data["entry"][0]["changes"][0]["value"]
    items_key = "message_echoes" if "message_echoes" in value else "user_preferences"
    item = value[items_key][0]
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        key = draw(st.sampled_from([*sorted(item), "to_user_id", "user_id", "edit", "revoke"]))
        if key in item and draw(st.booleans()):
            del item[key]
        else:
            item[key] = draw(json_values)
    if draw(st.booleans()):
        value[items_key] = draw(json_values)
    return data


@FAST
@given(mutated_account_bodies())
def test_parsing_echoes_and_preferences_never_raises(data):
    exercise(data)
