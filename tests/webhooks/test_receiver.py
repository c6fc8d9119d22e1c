"""The webhook endpoint as Meta meets it: verification, signatures, storage, idempotency."""

import json
import logging
from datetime import UTC, datetime

import pytest

from conversations.models import Conversation, Message
from tests.factories import make_conversation, make_message
from tests.samples import sample_bytes, sample_json, sample_names, signed_headers
from tests.webhooks.conftest import VERIFY_TOKEN, WEBHOOK_URL, resign
from webhooks.models import WebhookEvent

# The real worker closes and reopens connections, which needs real commits.
pytestmark = pytest.mark.django_db(transaction=True)

OUT_A = "wamid.HBgLMTU1NTAwMDExMTEVAgARGBI1ODUxQzE1QUVCMjc5QjY3QzgA"
OUT_B = "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBI4QkYzNTgwQjJGQkQyQkFFQ0EA"
OUT_FAILED = "wamid.HBgLMTU1NTAwMDg4ODgVAgARGBIyQzk2RDI5RjY0QTVGOUY3REIA"


def at(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, tz=UTC)


def inbound_wamids(name: str) -> list[str]:
    return [
        message["id"]
        for entry in sample_json(name)["entry"]
        for change in entry["changes"]
        for message in change["value"].get("messages", [])
    ]


# --- GET verification -------------------------------------------------------------------


def test_verification_echoes_the_challenge_as_plain_text(client):
    response = client.get(
        WEBHOOK_URL,
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_verification_with_a_wrong_token_or_mode_is_refused(client, params):
    response = client.get(WEBHOOK_URL, params)
    assert response.status_code == 403
    assert b"1" not in response.content


def test_verification_is_refused_while_no_token_is_configured(client, settings):
    settings.WHATSAPP_VERIFY_TOKEN = ""
    response = client.get(
        WEBHOOK_URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )
    assert response.status_code == 403


# --- POST: what is refused, and that nothing refused is stored -----------------------------


def test_missing_signature_is_401_and_stores_nothing(client):
    response = client.post(
        WEBHOOK_URL, data=sample_bytes("01_text.json"), content_type="application/json"
    )
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_wrong_signature_is_403_and_stores_nothing(post_body):
    body = sample_bytes("01_text.json")
    tampered = body.replace(b"Lisbon", b"Lisboa")
    response = post_body(
        tampered, HTTP_X_HUB_SIGNATURE_256=signed_headers(body)["HTTP_X_HUB_SIGNATURE_256"]
    )
    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


def test_signature_over_reserialised_json_is_refused(post_body):
    """Meta signs its escaped wire bytes; a signature over json.dumps of the parsed body fails."""
    wire = sample_bytes("04_text_unicode_emoji_rtl_wire.json")
    reserialised = json.dumps(json.loads(wire), ensure_ascii=False).encode()
    response = post_body(
        wire, HTTP_X_HUB_SIGNATURE_256=signed_headers(reserialised)["HTTP_X_HUB_SIGNATURE_256"]
    )
    assert response.status_code == 403
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", [b"not json at all", b"\xff\xfe\x00", b"[1, 2, 3]", b'"text"'])
def test_signed_body_that_is_not_a_json_object_gets_a_clear_400(post_body, body, caplog):
    with caplog.at_level(logging.WARNING, logger="webhooks.intake"):
        response = post_body(body)
    assert response.status_code == 400
    assert "JSON object" in response.json()["error"]
    assert "Webhook refused" in caplog.text
    assert not Message.objects.exists()


def test_body_over_the_limit_is_413(post_body, settings):
    settings.WHATSAPP_WEBHOOK_MAX_BYTES = 1024
    response = post_body(sample_bytes("05_text_4096_chars.json"))
    assert response.status_code == 413
    assert not WebhookEvent.objects.exists()


def test_only_get_and_post_are_allowed(client):
    assert client.put(WEBHOOK_URL, data=b"{}").status_code == 405
    assert client.delete(WEBHOOK_URL).status_code == 405


def test_webhook_needs_no_csrf_token(post_body, settings):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    body = sample_bytes("01_text.json")
    response = strict.post(
        WEBHOOK_URL, data=body, content_type="application/json", **signed_headers(body)
    )
    assert response.status_code == 200


def test_without_an_app_secret_every_post_is_refused_for_meta_to_retry(post_body, settings):
    settings.WHATSAPP_APP_SECRET = ""
    response = post_body(sample_bytes("01_text.json"))
    assert response.status_code == 503
    assert not WebhookEvent.objects.exists()


# --- POST: stored first, processed by the worker -----------------------------------------


def test_event_is_stored_before_the_200_and_processed_by_the_worker(post_sample, run_worker):
    response = post_sample("01_text.json")
    event = WebhookEvent.objects.get(pk=response.json()["event"])
    assert bytes(event.body) == sample_bytes("01_text.json")
    assert event.outcome == "pending"
    assert not Message.objects.exists()  # nothing processed inside the request

    run_worker()

    event.refresh_from_db()
    assert event.outcome == "processed"
    assert event.summary["messages_stored"] == 1
    message = Message.objects.get()
    assert message.text == "Hi! Do you deliver to Lisbon?"


@pytest.mark.parametrize("name", sample_names())
def test_every_sample_is_accepted_and_processed(post_sample, run_worker, name):
    post_sample(name)
    run_worker()
    event = WebhookEvent.objects.get()
    assert event.outcome == "processed", event.error
    assert set(Message.objects.values_list("wamid", flat=True)) == set(inbound_wamids(name))


def test_text_sample_stores_sender_identity_name_and_time(post_sample, run_worker):
    post_sample("01_text.json")
    run_worker()
    message = Message.objects.select_related("conversation").get()
    conversation = message.conversation
    assert (conversation.wa_id, conversation.bsuid, conversation.display_name) == (
        "15550001111",
        "US.10293847561029384756",
        "Alice Example",
    )
    assert message.wamid == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTI0M0UxMDYxRjM0MTRBRDYwMAA="
    assert (message.direction, message.sender, message.type) == ("in", "user", "text")
    assert message.timestamp == at(1785402000)
    assert conversation.last_inbound_at == at(1785402000)
    assert conversation.profile.what_is_missing == "name, last_name, company, email"


def test_unicode_and_long_bodies_round_trip_exactly(post_sample, run_worker):
    post_sample("04_text_unicode_emoji_rtl_wire.json")
    post_sample("05_text_4096_chars.json")
    run_worker()
    unicode_message = Message.objects.get(conversation__wa_id="15550003333")
    assert "مرحبا، أريد تتبع طلبي رقم ١٢٣٤ 📦" in unicode_message.text
    assert "👨‍👩‍👧‍👦 🇵🇹 日本語テスト email: alice@example.com path: a/b <tag> 100%" in (
        unicode_message.text
    )
    assert len(unicode_message.text) == 155
    assert unicode_message.conversation.display_name == "مريم العلي"
    long_message = Message.objects.get(conversation__wa_id="15550001111")
    assert len(long_message.text) == 4096


def test_contact_without_profile_stores_the_message_with_no_name(post_sample, run_worker):
    post_sample("06_text_contact_without_profile.json")
    run_worker()
    message = Message.objects.select_related("conversation").get()
    assert message.conversation.display_name == ""
    assert message.text == "482913 is your verification code."


def test_bsuid_only_user_gets_a_conversation_keyed_by_bsuid(post_sample, run_worker):
    post_sample("07_text_bsuid_only_username.json")
    run_worker()
    conversation = Conversation.objects.get()
    assert conversation.wa_id is None
    assert conversation.bsuid == "US.50607080901020304050"
    assert conversation.username == "@rosa.mendes"
    assert conversation.display_name == "Rosa Mendes"


def test_a_later_payload_with_phone_and_bsuid_links_instead_of_duplicating(
    post_sample, post_body, run_worker
):
    post_sample("07_text_bsuid_only_username.json")
    run_worker()
    later = sample_json("07_text_bsuid_only_username.json")
    value = later["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = "15550005555"
    value["messages"][0]["from"] = "15550005555"
    value["messages"][0]["id"] = "wamid.ROSA-SECOND"
    value["messages"][0]["text"]["body"] = "It's me again, now with my number."
    assert post_body(resign(later)).status_code == 200
    run_worker()
    conversation = Conversation.objects.get()
    assert conversation.wa_id == "15550005555"
    assert conversation.bsuid == "US.50607080901020304050"
    assert conversation.messages.count() == 2


def test_a_changed_profile_name_updates_the_conversation(post_sample, post_body, run_worker):
    post_sample("01_text.json")
    renamed = sample_json("01_text.json")
    value = renamed["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["profile"]["name"] = "Alice Newname"
    value["messages"][0]["id"] = "wamid.ALICE-RENAMED"
    post_body(resign(renamed))
    run_worker()
    assert Conversation.objects.get().display_name == "Alice Newname"


def test_media_messages_keep_media_id_mime_sha_caption_and_filename(post_sample, run_worker):
    for name in ("09_image_with_caption.json", "10_audio_voice_note.json", "12_document_pdf.json"):
        post_sample(name)
    run_worker()
    image = Message.objects.get(type="image")
    assert image.text == "This is the scratch on the table top"
    assert image.content["media_id"] == "5915090851286865"
    assert image.content["mime_type"] == "image/jpeg"
    assert image.content["sha256"]
    voice = Message.objects.get(type="audio")
    assert voice.text == ""
    assert voice.content["voice"] is True
    assert voice.content["mime_type"] == "audio/ogg; codecs=opus"
    document = Message.objects.get(type="document")
    assert document.content["filename"] == "Fatura_88213_maço.pdf"
    assert document.text == "Invoice for order 88213"


def test_location_and_replies_keep_their_fields(post_sample, run_worker):
    for name in (
        "14_location_named_place.json",
        "16_interactive_button_reply.json",
        "17_interactive_list_reply.json",
        "19_button_template_quick_reply.json",
        "03_text_reply_context.json",
        "11_video_forwarded.json",
    ):
        post_sample(name)
    run_worker()
    location = Message.objects.get(type="location")
    assert (location.content["latitude"], location.content["longitude"]) == (
        38.7071382,
        -9.1355532,
    )
    assert location.content["name"] == "Praça do Comércio"
    assert location.content["address"] == "Praça do Comércio, 1100-148 Lisboa, Portugal"
    button = Message.objects.get(content__reply_id="confirm_delivery_slot")
    assert button.text == "Confirm slot"
    assert button.reply_to_wamid == "wamid.HBgLMTU1NTAwMDExMTEVAgARGBI3MjJGQ0M3RENGRTFCMzM0ODcA"
    listed = Message.objects.get(content__reply_id="priority_express")
    assert listed.content["description"] == "Delivered by courier, EUR 9.90"
    quick = Message.objects.get(type="button")
    assert (quick.content["payload"], quick.text) == ("RESCHEDULE_DELIVERY", "Reschedule")
    assert Message.objects.get(text="Yes, the blue one please.").reply_to_wamid == OUT_A
    assert Message.objects.get(type="video").content["forwarded"] == "forwarded"


def test_reaction_attaches_to_the_message_and_removal_clears_it(post_sample, run_worker):
    conversation = make_conversation(wa_id="15550001111")
    outbound = make_message(conversation, direction="out", wamid=OUT_A, status="read")
    post_sample("20_reaction.json")
    run_worker()
    outbound.refresh_from_db()
    assert outbound.reaction == "❤️"
    post_sample("21_reaction_removed.json")
    run_worker()
    outbound.refresh_from_db()
    assert outbound.reaction == ""
    assert Message.objects.filter(type="reaction").count() == 2


def test_a_late_reaction_does_not_override_a_newer_removal(post_sample, run_worker):
    conversation = make_conversation(wa_id="15550001111")
    outbound = make_message(conversation, direction="out", wamid=OUT_A, status="read")
    post_sample("21_reaction_removed.json")  # 09:20
    post_sample("20_reaction.json")  # 09:19, delivered late
    run_worker()
    outbound.refresh_from_db()
    assert outbound.reaction == ""


def test_revoke_flags_the_deleted_message(post_sample, run_worker):
    post_sample("05_text_4096_chars.json")
    post_sample("27_revoke_user_deleted_message.json")
    run_worker()
    deleted = Message.objects.get(type="text")
    assert deleted.revoked_at == at(1785403560)


def test_number_change_moves_the_conversation_to_the_new_number(post_sample, run_worker):
    carla = make_conversation(wa_id="15550006666", display_name="Carla Mendes")
    make_message(carla, text="Old number, old message")
    post_sample("23_system_user_changed_number.json")
    run_worker()
    carla.refresh_from_db()
    assert carla.wa_id == "15550007777"
    assert carla.bsuid == "US.61728394051627384950"
    assert list(carla.messages.order_by("timestamp").values_list("sender", flat=True)) == [
        "user",
        "system",
    ]
    assert not Conversation.objects.filter(wa_id="15550006666").exists()


def test_a_number_change_onto_a_number_that_already_wrote_merges_the_two_threads(
    post_body, run_worker
):
    """The new number wrote to us first: both threads become one, nothing fails or is lost."""
    carla_old = make_conversation(wa_id="15550006666", display_name="Carla Mendes")
    make_message(carla_old, text="From the old number")
    carla_new = make_conversation(wa_id="15550007777", display_name="Carla (new phone)")
    make_message(carla_new, text="From the new number", minutes=5)
    post_body(sample_bytes("23_system_user_changed_number.json"))
    run_worker()

    assert WebhookEvent.objects.get().outcome == "processed"
    [carla] = Conversation.objects.filter(wa_id__in=["15550006666", "15550007777"])
    assert carla.wa_id == "15550007777"
    texts = set(carla.messages.values_list("text", flat=True))
    assert {"From the old number", "From the new number"} <= texts
    assert carla.messages.filter(sender="system").count() == 1


def test_unsupported_and_unknown_messages_are_kept_with_their_raw_json(post_sample, run_worker):
    post_sample("25_unsupported_message.json")
    post_sample("26_unknown_message_legacy.json")
    post_sample("28_interactive_missing_body_with_value_errors.json")
    run_worker()
    unsupported = Message.objects.get(type="unsupported")
    assert unsupported.content["unsupported_type"] == "poll_creation"
    assert unsupported.content["errors"][0]["code"] == 131051
    assert unsupported.raw["unsupported"]["type"] == "poll_creation"
    assert Message.objects.get(type="unknown").content["errors"][0]["code"] == 131051
    assert Message.objects.filter(type="interactive").count() == 1


def test_a_type_newer_than_the_code_is_stored_as_unsupported(post_body, run_worker):
    future = sample_json("01_text.json")
    message = future["entry"][0]["changes"][0]["value"]["messages"][0]
    message["type"] = "hologram"
    message["hologram"] = {"id": "h-1"}
    post_body(resign(future))
    run_worker()
    stored = Message.objects.get()
    assert stored.type == "unsupported"
    assert stored.raw["hologram"] == {"id": "h-1"}


def test_value_errors_are_stored_on_the_event_and_logged(post_sample, run_worker, caplog):
    post_sample("29_value_errors_only.json")
    with caplog.at_level(logging.WARNING, logger="webhooks.services"):
        run_worker()
    event = WebhookEvent.objects.get()
    assert event.outcome == "processed"
    assert [error["code"] for error in event.summary["value_errors"]] == [130429]
    assert "WhatsApp reported an error" in caplog.text
    assert not Message.objects.exists()


def test_batch_attributes_every_message_to_its_sender(post_sample, run_worker):
    post_sample("30_batch_3_messages_2_users.json")
    run_worker()
    senders = dict(Message.objects.values_list("text", "conversation__wa_id"))
    assert senders == {
        "Sending my location": "15550001111",
        "": "15550001111",
        "Is the store open today?": "15550002222",
    }
    alice = Conversation.objects.get(wa_id="15550001111")
    assert alice.last_inbound_at == at(1785403682)


def test_unknown_field_is_answered_200_and_ignored(post_body, run_worker):
    other = sample_json("01_text.json")
    other["entry"][0]["changes"][0]["field"] = "account_update"
    assert post_body(resign(other)).status_code == 200
    run_worker()
    event = WebhookEvent.objects.get()
    assert event.outcome == "processed"
    assert event.summary["ignored_fields"] == ["account_update"]
    assert not Message.objects.exists()


# --- nothing doubled --------------------------------------------------------------------


def test_the_same_body_posted_twice_stores_one_message(post_sample, run_worker):
    post_sample("01_text.json")
    post_sample("01_text.json")
    run_worker()
    assert Message.objects.count() == 1
    summaries = sorted(
        (e.summary.get("messages_stored", 0), e.summary.get("messages_duplicate", 0))
        for e in WebhookEvent.objects.all()
    )
    assert summaries == [(0, 1), (1, 0)]


def test_replaying_the_whole_corpus_twice_adds_nothing(post_sample, run_worker):
    for name in sample_names():
        post_sample(name)
    run_worker()
    first = sorted(Message.objects.values_list("wamid", "conversation_id", "text"))
    conversations = Conversation.objects.count()
    for name in sample_names():
        post_sample(name)
    run_worker()
    assert sorted(Message.objects.values_list("wamid", "conversation_id", "text")) == first
    assert Conversation.objects.count() == conversations


# --- statuses ---------------------------------------------------------------------------


def status_body(status: str, unix_seconds: int, wamid: str = OUT_B) -> bytes:
    data = sample_json("34_status_sent.json")
    item = data["entry"][0]["changes"][0]["value"]["statuses"][0]
    item.update({"id": wamid, "status": status, "timestamp": str(unix_seconds)})
    return resign(data)


def test_statuses_never_move_a_message_backwards(post_body, run_worker):
    outbound = make_message(
        make_conversation(wa_id="15550002222"), direction="out", wamid=OUT_B, status="queued"
    )
    for status, when in [("read", 1785404300), ("sent", 1785404000), ("delivered", 1785404100)]:
        assert post_body(status_body(status, when)).status_code == 200
    run_worker()
    outbound.refresh_from_db()
    assert outbound.status == "read"
    assert outbound.sent_at == at(1785404000)
    assert outbound.delivered_at == at(1785404100)
    assert outbound.read_at == at(1785404300)


def test_delivered_and_read_in_one_batch_end_read(post_sample, run_worker):
    outbound = make_message(
        make_conversation(wa_id="15550001111"), direction="out", wamid=OUT_A, status="sent"
    )
    post_sample("32_batch_statuses_and_message_two_changes.json")
    run_worker()
    outbound.refresh_from_db()
    assert outbound.status == "read"
    assert Message.objects.filter(direction="in").count() == 1


def test_failed_status_stores_code_and_title(post_sample, run_worker):
    outbound = make_message(
        make_conversation(wa_id="15550008888"), direction="out", wamid=OUT_FAILED, status="sent"
    )
    post_sample("38_status_failed_131047_reengagement.json")
    run_worker()
    outbound.refresh_from_db()
    assert outbound.status == "failed"
    assert outbound.error_code == 131047
    assert outbound.error_title == "Re-engagement message"


def test_a_status_for_a_message_we_never_sent_is_kept_on_the_event(post_sample, run_worker):
    post_sample("34_status_sent.json")
    run_worker()
    event = WebhookEvent.objects.get()
    assert event.outcome == "processed"
    assert event.summary["unknown_statuses"] == [{"id": OUT_B, "status": "sent"}]
