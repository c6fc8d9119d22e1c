"""`parse_webhook` against every body in the shared corpus, as INDEX.md says to store it.

Expectations come from `../shared/docs/whatsapp-payloads/INDEX.md`; malformed variants are
derived from those samples, not typed by hand.
"""

import hashlib
import logging
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings

from tests.samples import SAMPLES_DIR, sample_json, sample_names
from tests.webhooks.strategies import json_values, mutated_samples
from webhooks.payloads import (
    KNOWN_MESSAGE_TYPES,
    ButtonContent,
    ChangeValue,
    ContactsContent,
    EditContent,
    InboundMessage,
    InteractiveContent,
    LocationContent,
    MediaContent,
    OrderContent,
    ReactionContent,
    RevokeContent,
    Status,
    SystemContent,
    TextContent,
    UnsupportedContent,
    WebhookPayload,
    parse_webhook,
)

OUT_A = "wamid.HBgLMTU1NTAwMDExMTEVAgARGBI1ODUxQzE1QUVCMjc5QjY3QzgA"
ALICE = ("15550001111", "US.10293847561029384756", "Alice Example")
BRUNO = ("15550002222", "US.20394857612039485761", "Bruno Teste")
DEV = ("15550008888", "US.70819203142536475869", "Dev Patel")


def at(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, tz=UTC)


def only_message(name: str) -> tuple[ChangeValue, InboundMessage]:
    (value,) = parse_webhook(sample_json(name)).iter_values()
    (message,) = value.messages
    return value, message


def only_status(name: str) -> Status:
    (value,) = parse_webhook(sample_json(name)).iter_values()
    (status,) = value.statuses
    return status


def assert_sender(value, message, wa_id, bsuid, name):
    contact = value.contact_for(message)
    assert message.from_wa_id == wa_id
    assert message.from_user_id == bsuid
    assert contact is not None
    assert contact.name == name


def decoded_block_from_index(heading: str) -> str:
    """The ```text block following `heading` in INDEX.md's 'Decoded' section."""
    index = (SAMPLES_DIR / "INDEX.md").read_text(encoding="utf-8")
    after = index.split(heading, 1)[1].split("```text\n", 1)[1]
    return after.split("\n```", 1)[0]


# --- Every sample -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sample_names())
def test_every_sample_parses_to_known_types_with_ids_and_utc_timestamps(name):
    payload = parse_webhook(sample_json(name))

    assert payload.object == "whatsapp_business_account"
    assert payload.unknown_fields == ()
    for value in payload.iter_values():
        assert value.phone_number_id == "110200300400500"
        assert value.display_phone_number == "15550009999"
        for item in (*value.messages, *value.statuses):
            assert item.id is not None and item.id.startswith("wamid.")
            assert item.timestamp is not None and item.timestamp.tzinfo is UTC
        for message in value.messages:
            assert message.type in KNOWN_MESSAGE_TYPES


def test_entry_id_is_the_waba_id():
    (entry,) = parse_webhook(sample_json("01_text.json")).entries

    assert entry.id == "102938475610293"
    assert [change.field for change in entry.changes] == ["messages"]


# --- Text ---------------------------------------------------------------------------------


def test_01_plain_text_carries_phone_bsuid_name_and_body():
    value, message = only_message("01_text.json")

    assert_sender(value, message, *ALICE)
    assert message.id == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTI0M0UxMDYxRjM0MTRBRDYwMAA="
    assert message.type == "text"
    assert message.content == TextContent(body="Hi! Do you deliver to Lisbon?")
    assert message.text == "Hi! Do you deliver to Lisbon?"
    assert message.timestamp == at(1785402000) == datetime(2026, 7, 30, 9, 0, tzinfo=UTC)
    assert message.context is None and message.referral is None and message.errors == ()


def test_02_legacy_text_without_bsuid_matches_contact_by_phone():
    value, message = only_message("02_text_legacy_no_bsuid.json")

    assert_sender(value, message, "15550002222", None, "Bruno Teste")
    assert value.contact_for(message).user_id is None
    assert message.id == (
        "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCBDQ0I2OUY2NEQ4NzdEMDM0Q0MyREYyQTJDMUQzRUI2QwA="
    )
    assert message.text == "Bom dia, qual o horario de funcionamento?"
    assert message.timestamp == at(1785402060)


def test_03_reply_points_at_the_quoted_outbound_message():
    value, message = only_message("03_text_reply_context.json")

    assert_sender(value, message, *ALICE)
    assert message.id == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUJGNDkxQkI3QTNCMjFCMkYzQQA="
    assert message.text == "Yes, the blue one please."
    assert message.timestamp == at(1785402120)
    assert message.context.replied_to_id == OUT_A
    assert message.context.replied_to_from == "15550009999"
    assert message.context.forwarded_flag is None


def test_04_unicode_rtl_and_emoji_body_round_trips_exactly():
    value, message = only_message("04_text_unicode_emoji_rtl_wire.json")

    assert_sender(value, message, "15550003333", "US.30495867123049586712", "مريم العلي")
    assert message.id == "wamid.HBgLMTU1NTAwMDMzMzMVAgASGBQzQUNENUY2NUZCODE1M0MwQzVDOQA="
    assert message.timestamp == at(1785402180)
    assert message.text == decoded_block_from_index("04 text body")
    assert len(message.text) == 155
    for fragment in ("مرحبا", "١٢٣٤ 📦", "שלום! 👋", "ñandú", "«ça marche» €12,50", "👍🏽"):
        assert fragment in message.text
    for fragment in ("👨\u200d👩\u200d👧\u200d👦", "🇵🇹", "日本語テスト"):
        assert fragment in message.text
    assert "email: alice@example.com path: a/b <tag> 100%" in message.text


def test_05_text_of_4096_code_points_is_not_truncated():
    value, message = only_message("05_text_4096_chars.json")

    assert_sender(value, message, *ALICE)
    assert message.id == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUYwQ0UxMDZDNTM4MjQyQURDMAA="
    assert message.timestamp == at(1785402240)
    assert len(message.text) == 4096
    assert message.text.endswith("!") and "\n" in message.text
    assert hashlib.sha256(message.text.encode()).hexdigest() == (
        "36c2e52f3e6c9c84461e72c31a12a53480d338caed59679424f001a39b58ae49"
    )


def test_06_contact_without_profile_has_no_name_but_still_matches():
    value, message = only_message("06_text_contact_without_profile.json")

    assert_sender(value, message, "15550004444", "US.40596871234059687123", None)
    assert message.id == "wamid.HBgLMTU1NTAwMDQ0NDQVAgASGBQzQUVDNkQwMzMzNDA4RDRGRTYzOQA="
    assert message.text == "482913 is your verification code."
    assert message.timestamp == at(1785402300)


def test_07_bsuid_only_sender_is_matched_by_user_id_and_keeps_username():
    value, message = only_message("07_text_bsuid_only_username.json")

    assert_sender(value, message, None, "US.50607080901020304050", "Rosa Mendes")
    assert value.contact_for(message).wa_id is None
    assert value.contact_for(message).username == "@rosa.mendes"
    assert message.id == (
        "wamid.HBgXVVMuNTA2MDcwODA5MDEwMjAzMDQwNTAVAgASGBQzQUM3QzQ5MTBCQUVDRjkzNEY5QwA="
    )
    assert message.text == ("Hello, I found you through your username. Are you open on Sunday?")
    assert message.timestamp == at(1785402360)


def test_08_frequently_forwarded_text_is_flagged():
    value, message = only_message("08_text_frequently_forwarded.json")

    assert_sender(value, message, "15550002222", BRUNO[1], "Bruno Teste")
    assert message.id == (
        "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA4QzI5QzQ2NzQ0QTVDMTYxNEI3NDUwRkIyRkJDOTczNwA="
    )
    assert message.text == ("Forwarded: 50% off everything this weekend, just show this message!")
    assert message.timestamp == at(1785402420)
    assert message.context.frequently_forwarded is True
    assert message.context.forwarded_flag == "frequently_forwarded"
    assert message.context.replied_to_id is None


# --- Media --------------------------------------------------------------------------------


def test_09_image_caption_becomes_the_text_and_media_id_is_kept():
    value, message = only_message("09_image_with_caption.json")

    assert_sender(value, message, *ALICE)
    assert message.id == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTAyMTFBQzJCODBBQTAwRjFGRAA="
    assert message.type == "image"
    assert message.text == "This is the scratch on the table top"
    assert message.timestamp == at(1785402480)
    media = message.content
    assert isinstance(media, MediaContent)
    assert (media.kind, media.media_id, media.mime_type) == (
        "image",
        "5915090851286865",
        "image/jpeg",
    )
    assert media.caption == message.text
    assert media.sha256 == "WLn/696nqCXBAQl0OaoFsFsnWgMijhV2mMra5rQ5esk="
    assert media.url.startswith("https://lookaside.fbsbx.com/")


def test_10_voice_note_is_audio_with_voice_flag_and_no_text():
    value, message = only_message("10_audio_voice_note.json")

    assert_sender(value, message, *BRUNO)
    assert message.id == (
        "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA0QzRFODc0MDJEMzRFRTY1QTEyMzBFOTlDODlBMjdBQgA="
    )
    assert message.type == "audio"
    assert message.text is None
    assert message.timestamp == at(1785402540)
    assert message.content.media_id == "7220165695209446"
    assert message.content.mime_type == "audio/ogg; codecs=opus"
    assert message.content.voice is True


def test_11_forwarded_video_keeps_caption_and_forwarded_flag():
    value, message = only_message("11_video_forwarded.json")

    assert_sender(value, message, *DEV)
    assert message.id == "wamid.HBgLMTU1NTAwMDg4ODgVAgASGBQzQTIzNUYwQzU1M0RFOTU0MDZCNwA="
    assert message.type == "video"
    assert message.text == "Unboxing video, the lid is cracked"
    assert message.timestamp == at(1785402600)
    assert message.content.media_id == "9345231065976980"
    assert message.content.mime_type == "video/mp4"
    assert message.context.forwarded_flag == "forwarded"


def test_12_document_keeps_non_ascii_filename_and_caption():
    value, message = only_message("12_document_pdf.json")

    assert_sender(value, message, *DEV)
    assert message.id == "wamid.HBgLMTU1NTAwMDg4ODgVAgASGBQzQUZEQTM2NjE2MkU2NTc4QjVBQgA="
    assert message.type == "document"
    assert message.text == "Invoice for order 88213"
    assert message.timestamp == at(1785402660)
    assert message.content.filename == "Fatura_88213_maço.pdf"
    assert message.content.media_id == "5089954613205792"
    assert message.content.mime_type == "application/pdf"


def test_13_animated_sticker_has_no_text():
    value, message = only_message("13_sticker_animated.json")

    assert_sender(value, message, *ALICE)
    assert message.id == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTk4RTJDQjdCNTJGQTBDMDhDQwA="
    assert message.type == "sticker"
    assert message.text is None
    assert message.timestamp == at(1785402720)
    assert message.content.media_id == "7400111294513705"
    assert message.content.mime_type == "image/webp"
    assert message.content.animated is True


# --- Location, contacts, interactive, button ---------------------------------------------


def test_14_location_keeps_coordinates_name_and_address():
    value, message = only_message("14_location_named_place.json")

    assert_sender(value, message, *BRUNO)
    assert message.id == (
        "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA1M0Y4QTA2MEZCRUZFMkQzMUMyNzQ2MjYxQTY0M0IyMwA="
    )
    assert message.type == "location"
    assert message.text is None
    assert message.timestamp == at(1785402780)
    assert message.content == LocationContent(
        latitude=38.7071382,
        longitude=-9.1355532,
        name="Praça do Comércio",
        address="Praça do Comércio, 1100-148 Lisboa, Portugal",
        url="https://maps.google.com/?cid=1234567890123456789",
    )


def test_15_shared_contact_card_gives_name_phones_email_and_org():
    value, message = only_message("15_contacts_shared_card.json")

    assert_sender(value, message, *ALICE)
    assert message.id == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTVGRDFCMzcyMTI1MzMxNEUzNAA="
    assert message.type == "contacts"
    assert message.timestamp == at(1785402840)
    assert isinstance(message.content, ContactsContent)
    (card,) = message.content.contacts
    assert card.formatted_name == "João Silva"
    assert (card.first_name, card.last_name) == ("João", "Silva")
    assert card.phones == ("+1 555-000-5555", "+1 555-000-5556")
    assert card.emails == ("joao.silva@example.com",)
    assert card.organization == "Example Lda"
    assert card.raw["vcard"].startswith("BEGIN:VCARD")


def test_16_button_reply_gives_reply_id_title_and_replied_to_message():
    value, message = only_message("16_interactive_button_reply.json")

    assert_sender(value, message, *ALICE)
    assert message.id == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUI0MEE2REZFRkM5NTk1OEJBRgA="
    assert message.type == "interactive"
    assert message.text == "Confirm slot"
    assert message.timestamp == at(1785402900)
    content = message.content
    assert content.interactive_type == "button_reply"
    assert (content.reply_id, content.title) == ("confirm_delivery_slot", "Confirm slot")
    assert message.context.replied_to_id == (
        "wamid.HBgLMTU1NTAwMDExMTEVAgARGBI3MjJGQ0M3RENGRTFCMzM0ODcA"
    )


def test_17_list_reply_gives_id_title_and_description():
    value, message = only_message("17_interactive_list_reply.json")

    assert_sender(value, message, *BRUNO)
    assert message.id == (
        "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA2RDhDRUNFNjAxMTNENjNBQjY3RkQ0RTVGOTBFQUIwQQA="
    )
    assert message.text == "Express (1-2 days)"
    assert message.timestamp == at(1785402960)
    content = message.content
    assert content.interactive_type == "list_reply"
    assert content.reply_id == "priority_express"
    assert content.description == "Delivered by courier, EUR 9.90"
    assert message.context.replied_to_id == (
        "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBI4QkYzNTgwQjJGQkQyQkFFQ0EA"
    )


def test_18_flow_completion_parses_response_json_and_keeps_the_raw_string():
    value, message = only_message("18_interactive_nfm_reply_flow.json")

    assert_sender(value, message, *DEV)
    assert message.id == "wamid.HBgLMTU1NTAwMDg4ODgVAgASGBQzQUUzMTJDRDlBRDk4MEIwRDg3RAA="
    assert message.timestamp == at(1785403020)
    assert message.text == "Sent"
    content = message.content
    assert (content.interactive_type, content.flow_name) == ("nfm_reply", "flow")
    assert content.flow_response == {
        "flow_token": "ft_8c2d1e7a-orderfeedback",
        "delivery_rating": "4",
        "comment": "Courier was friendly",
        "contact_me": True,
    }
    assert content.flow_response_raw == (
        '{"flow_token":"ft_8c2d1e7a-orderfeedback","delivery_rating":"4",'
        '"comment":"Courier was friendly","contact_me":true}'
    )
    assert message.context.replied_to_id == (
        "wamid.HBgLMTU1NTAwMDg4ODgVAgARGBIzN0MzM0Y0RjA4RTgzQ0VFQTYA"
    )


def test_19_template_quick_reply_gives_payload_and_button_text():
    value, message = only_message("19_button_template_quick_reply.json")

    assert_sender(value, message, *BRUNO)
    assert message.id == (
        "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA3RTI3MUQwRThGQTUxNTlEMDQ0MkVDMzExQTBEMEQ3OAA="
    )
    assert message.type == "button"
    assert message.content == ButtonContent(payload="RESCHEDULE_DELIVERY", text="Reschedule")
    assert message.text == "Reschedule"
    assert message.timestamp == at(1785403080)
    assert message.context.replied_to_id == (
        "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBI0M0JDQTFBMzUwNjFCM0U1QUMA"
    )


# --- Reactions, orders, system, referral -------------------------------------------------


def test_20_reaction_targets_the_outbound_message_with_its_emoji():
    value, message = only_message("20_reaction.json")

    assert_sender(value, message, *ALICE)
    assert message.id == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUU0MDdGQUM3N0NCM0Y1NTBEMwA="
    assert message.type == "reaction"
    assert message.content == ReactionContent(message_id=OUT_A, emoji="\u2764\ufe0f")
    assert message.text is None
    assert message.timestamp == at(1785403140)


def test_21_reaction_without_emoji_means_removal():
    value, message = only_message("21_reaction_removed.json")

    assert_sender(value, message, *ALICE)
    assert message.id == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTBDQzNFNjJGNkVCQ0JBOUM0MwA="
    assert message.content == ReactionContent(message_id=OUT_A, emoji=None)
    assert message.timestamp == at(1785403200)


def test_22_order_lists_items_and_totals_quantity_times_price():
    value, message = only_message("22_order.json")

    assert_sender(value, message, *DEV)
    assert message.id == "wamid.HBgLMTU1NTAwMDg4ODgVAgASGBQzQTE1MEIzNURBQTgxMUVFMkNDNgA="
    assert message.type == "order"
    assert message.text == "Can you gift-wrap the lamp?"
    assert message.timestamp == at(1785403260)
    order = message.content
    assert isinstance(order, OrderContent)
    assert order.catalog_id == "194836987003835"
    assert [item.product_retailer_id for item in order.items] == [
        "LAMP-OAK-01",
        "BULB-E27-WARM",
    ]
    assert [(item.quantity, item.item_price) for item in order.items] == [
        (1, 49.9),
        (3, 4.5),
    ]
    assert {item.currency for item in order.items} == {"EUR"}
    assert order.total == pytest.approx(63.4)


def test_23_number_change_gives_new_wa_id_and_bsuid_without_contacts():
    value, message = only_message("23_system_user_changed_number.json")

    assert value.contacts == ()
    assert value.contact_for(message) is None
    assert message.from_wa_id == "15550006666"
    assert message.id == "wamid.HBgLMTU1NTAwMDY2NjYVAgASGBQzQUFGNUQyQUE4NDYxQjQzQTBCMwA="
    assert message.type == "system"
    assert message.timestamp == at(1785403320)
    assert message.content == SystemContent(
        system_type="user_changed_number",
        body="User Carla Mendes changed from 15550006666 to 15550007777",
        new_wa_id="15550007777",
        new_user_id="US.61728394051627384950",
        previous_user_id="US.60718293041526374859",
        identity_hash=None,
    )
    assert message.text == message.content.body


def test_24_click_to_whatsapp_ad_text_carries_the_referral():
    value, message = only_message("24_text_referral_click_to_whatsapp_ad.json")

    assert_sender(value, message, *DEV)
    assert message.id == "wamid.HBgLMTU1NTAwMDg4ODgVAgASGBQzQTlFQjREOUY3QjdCMDQwQ0Y4QQA="
    assert message.text == "Can I get more info about this?"
    assert message.timestamp == at(1785403380)
    referral = message.referral
    assert referral.source_id == "120226305854810726"
    assert referral.ctwa_clid == (
        "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0"
        "-eM-GABDLOPaOdRMv-_zfUQ2a"
    )
    assert (referral.source_type, referral.media_type) == ("ad", "image")
    assert referral.headline == "Chat with us"
    assert referral.welcome_text == "Hi there! Let us know how we can help!"


# --- Unsupported, revoke, errors ---------------------------------------------------------


def test_25_unsupported_message_keeps_inner_type_and_error_code():
    value, message = only_message("25_unsupported_message.json")

    assert_sender(value, message, *BRUNO)
    assert message.id == (
        "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA0RDg5RDVGQjVBRDI0MDk4NThBRkEwQzUyM0EwMkIyMAA="
    )
    assert message.type == "unsupported"
    assert message.content == UnsupportedContent(unsupported_type="poll_creation")
    assert message.text is None
    assert message.timestamp == at(1785403440)
    assert [error.code for error in message.errors] == [131051]
    assert message.errors[0].details == "Message type is currently not supported."


def test_26_legacy_unknown_type_stays_unknown_with_error_code_and_details():
    value, message = only_message("26_unknown_message_legacy.json")

    assert_sender(value, message, "15550001111", None, "Alice Example")
    assert message.id == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQURERUNGNkZDMDE3NkYwODY3OAA="
    assert message.type == "unknown"
    assert isinstance(message.content, UnsupportedContent)
    assert message.timestamp == at(1785403500)
    assert [error.code for error in message.errors] == [131051]
    assert message.errors[0].details == "Message type is not currently supported"


def test_27_revoke_points_at_the_deleted_message():
    value, message = only_message("27_revoke_user_deleted_message.json")

    assert_sender(value, message, *ALICE)
    assert message.id == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUY3QTJDQThEREM3OTQ1QTUzQwA="
    assert message.type == "revoke"
    assert message.content == RevokeContent(
        original_message_id="wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUYwQ0UxMDZDNTM4MjQyQURDMAA="
    )
    assert message.text is None
    assert message.timestamp == at(1785403560)


def test_28_interactive_without_body_stays_interactive_with_empty_content():
    value, message = only_message("28_interactive_missing_body_with_value_errors.json")

    assert_sender(value, message, *DEV)
    assert message.id == "wamid.HBgLMTU1NTAwMDg4ODgVAgASGBQzQTI0NzI4NTEwNDREMDNDRUExNwA="
    assert message.type == "interactive"
    assert message.content == InteractiveContent(None, None, None, None, None, None, None)
    assert message.text is None
    assert message.timestamp == at(1785403620)
    assert [error.code for error in value.errors] == [131000]
    assert value.errors[0].details == "Unsupported webhook payload"


def test_29_value_errors_only_yields_no_messages_or_statuses():
    (value,) = parse_webhook(sample_json("29_value_errors_only.json")).iter_values()

    assert (value.messages, value.statuses, value.contacts) == ((), (), ())
    (error,) = value.errors
    assert (error.code, error.title) == (130429, "Rate limit hit")
    assert error.href == "/documentation/business-messaging/whatsapp/support/error-codes"


# --- Batches and statuses ----------------------------------------------------------------


def test_30_batch_attributes_three_messages_to_their_own_senders():
    payload = parse_webhook(sample_json("30_batch_3_messages_2_users.json"))

    seen = [
        (message.id, value.contact_for(message).name, message.type, message.text)
        for value in payload.iter_values()
        for message in value.messages
    ]
    assert seen == [
        (
            "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQURBMDk5OEY3QTg5MjE3N0M4NQA=",
            "Alice Example",
            "text",
            "Sending my location",
        ),
        (
            "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUFCQTAwQjAwOTUxNTczODU3MAA=",
            "Alice Example",
            "location",
            None,
        ),
        (
            "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA3MkUxNDU1OERBQ0VDOTUyOTI1Q0VDMjY0NDQ1NzVEMAA=",
            "Bruno Teste",
            "text",
            "Is the store open today?",
        ),
    ]
    messages = [m for value in payload.iter_values() for m in value.messages]
    assert [m.from_wa_id for m in messages] == [ALICE[0], ALICE[0], BRUNO[0]]
    assert [m.timestamp for m in messages] == [
        at(1785403680),
        at(1785403682),
        at(1785403681),
    ]
    assert (messages[1].content.latitude, messages[1].content.longitude) == (
        38.7223,
        -9.1393,
    )


def test_32_statuses_and_message_in_two_changes_of_one_entry():
    payload = parse_webhook(sample_json("32_batch_statuses_and_message_two_changes.json"))
    statuses_value, messages_value = payload.iter_values()

    assert [(s.id, s.status, s.timestamp) for s in statuses_value.statuses] == [
        (OUT_A, "delivered", at(1785403795)),
        (OUT_A, "read", at(1785403797)),
    ]
    assert statuses_value.messages == ()
    delivered = statuses_value.statuses[0]
    assert (delivered.recipient_id, delivered.recipient_user_id) == ALICE[:2]
    assert (delivered.pricing_category, delivered.pricing_model) == ("service", "PMP")
    assert delivered.billable is False
    (message,) = messages_value.messages
    assert message.id == "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTU3QkVERjRFOEQ2NjVENDJBQwA="
    assert message.from_wa_id == ALICE[0]
    assert (message.type, message.text) == ("text", "Got it, thanks!")
    assert message.timestamp == at(1785403800)


def test_34_sent_status_gives_id_recipient_and_pricing_without_conversation():
    status = only_status("34_status_sent.json")

    assert status.id == "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBI4QkYzNTgwQjJGQkQyQkFFQ0EA"
    assert status.status == "sent"
    assert status.recipient_id == "15550002222"
    assert status.recipient_user_id == BRUNO[1]
    assert status.timestamp == at(1785404000)
    assert status.errors == ()
    assert (status.conversation_id, status.conversation_origin) == (None, None)
    assert status.pricing_category == "service"


def test_38_failed_status_carries_reengagement_error_131047():
    status = only_status("38_status_failed_131047_reengagement.json")

    assert status.id == "wamid.HBgLMTU1NTAwMDg4ODgVAgARGBIyQzk2RDI5RjY0QTVGOUY3REIA"
    assert status.status == "failed"
    assert status.recipient_id == "15550008888"
    assert status.recipient_user_id is None
    assert status.timestamp == at(1785404200)
    (error,) = status.errors
    assert (error.code, error.title) == (131047, "Re-engagement message")
    assert error.details.startswith("Message failed to send because more than 24 hours")


# --- Behaviour on variants derived from the samples --------------------------------------


def sample_message_dict(payload: dict, change: int = 0) -> dict:
    return payload["entry"][0]["changes"][change]["value"]["messages"][0]


def test_contact_is_matched_by_sender_never_by_array_position():
    payload = sample_json("30_batch_3_messages_2_users.json")
    alice_value = payload["entry"][0]["changes"][0]["value"]
    bruno_value = payload["entry"][1]["changes"][0]["value"]
    # Bruno's contact first, his message last: index matching would name the wrong person.
    alice_value["contacts"].insert(0, bruno_value["contacts"][0])
    alice_value["messages"].append(bruno_value["messages"][0])

    (value, _) = parse_webhook(payload).iter_values()

    assert [value.contact_for(m).name for m in value.messages] == [
        "Alice Example",
        "Alice Example",
        "Bruno Teste",
    ]


def test_contact_falls_back_to_bsuid_when_phone_does_not_match():
    payload = sample_json("01_text.json")
    # Meta warns `from` and `wa_id` may differ (e.g. Brazilian ninth digit).
    payload["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = "5511999990000"

    value, message = next((v, v.messages[0]) for v in parse_webhook(payload).iter_values())

    assert value.contact_for(message).name == "Alice Example"


def test_unrecognised_type_is_kept_as_unsupported_and_logged_once(caplog):
    payload = sample_json("01_text.json")
    sample_message_dict(payload)["type"] = "poll_vote_2027"

    with caplog.at_level(logging.WARNING, logger="webhooks.payloads"):
        (value,) = parse_webhook(payload).iter_values()

    (message,) = value.messages
    assert message.type == "unsupported"
    assert message.content == UnsupportedContent(unsupported_type="poll_vote_2027")
    assert message.text is None
    assert message.raw["text"]["body"] == "Hi! Do you deliver to Lisbon?"
    (record,) = caplog.records
    assert record.original_type == "poll_vote_2027"
    assert record.wamid == message.id


def test_missing_type_is_unsupported_with_no_original_type():
    payload = sample_json("01_text.json")
    del sample_message_dict(payload)["type"]

    (value,) = parse_webhook(payload).iter_values()

    assert value.messages[0].type == "unsupported"
    assert value.messages[0].content == UnsupportedContent(unsupported_type=None)


def test_request_welcome_is_known_and_has_no_content():
    payload = sample_json("01_text.json")
    sample_message_dict(payload)["type"] = "request_welcome"

    (value,) = parse_webhook(payload).iter_values()

    assert (value.messages[0].type, value.messages[0].content) == ("request_welcome", None)


def test_edit_gives_the_original_id_and_the_new_text():
    payload = sample_json("27_revoke_user_deleted_message.json")
    message = sample_message_dict(payload)
    original = message.pop("revoke")["original_message_id"]
    message["type"] = "edit"
    message["edit"] = {
        "original_message_id": original,
        "message": {"type": "text", "text": {"body": "Corrected text"}},
    }

    (value,) = parse_webhook(payload).iter_values()

    assert value.messages[0].content == EditContent(original, "Corrected text")
    assert value.messages[0].text == "Corrected text"


def test_numbers_sent_as_strings_and_ids_sent_as_numbers_are_coerced():
    payload = sample_json("22_order.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = 15550008888
    message = sample_message_dict(payload)
    message["from"] = 15550008888
    message["timestamp"] = 1785403260
    message["order"]["product_items"][0]["quantity"] = "2"
    message["order"]["product_items"][0]["item_price"] = "49.9"

    (parsed,) = parse_webhook(payload).iter_values()

    (order_message,) = parsed.messages
    assert order_message.from_wa_id == "15550008888"
    assert parsed.contact_for(order_message).name == "Dev Patel"
    assert order_message.timestamp == at(1785403260)
    assert order_message.content.items[0].quantity == 2.0
    assert order_message.content.total == pytest.approx(2 * 49.9 + 3 * 4.5)


def test_location_given_as_numeric_strings_is_parsed_and_garbage_becomes_none():
    payload = sample_json("14_location_named_place.json")
    location = sample_message_dict(payload)["location"]
    location["latitude"] = "38.7"
    location["longitude"] = {"not": "a number"}

    (value,) = parse_webhook(payload).iter_values()

    assert value.messages[0].content.latitude == 38.7
    assert value.messages[0].content.longitude is None


def test_unparsable_timestamp_becomes_none_not_an_error():
    payload = sample_json("01_text.json")
    sample_message_dict(payload)["timestamp"] = "yesterday"

    (value,) = parse_webhook(payload).iter_values()

    assert value.messages[0].timestamp is None


def test_flow_response_that_is_not_a_json_object_is_kept_only_raw():
    payload = sample_json("18_interactive_nfm_reply_flow.json")
    sample_message_dict(payload)["interactive"]["nfm_reply"]["response_json"] = "{broken"

    (value,) = parse_webhook(payload).iter_values()

    assert value.messages[0].content.flow_response is None
    assert value.messages[0].content.flow_response_raw == "{broken"


def test_empty_emoji_string_means_reaction_removed():
    payload = sample_json("20_reaction.json")
    sample_message_dict(payload)["reaction"]["emoji"] = ""

    (value,) = parse_webhook(payload).iter_values()

    assert value.messages[0].content.emoji is None


def test_order_total_is_unknown_when_a_line_has_no_price():
    payload = sample_json("22_order.json")
    del sample_message_dict(payload)["order"]["product_items"][1]["item_price"]

    (value,) = parse_webhook(payload).iter_values()

    assert value.messages[0].content.total is None


def test_non_messages_field_is_reported_as_unknown_and_not_parsed():
    payload = sample_json("01_text.json")
    payload["entry"][0]["changes"][0]["field"] = "account_update"

    parsed = parse_webhook(payload)

    assert parsed.unknown_fields == ("account_update",)
    assert list(parsed.iter_values()) == []
    assert parsed.entries[0].changes[0].value is None
    assert parsed.entries[0].changes[0].raw["field"] == "account_update"


def test_malformed_list_items_are_skipped_and_the_rest_is_kept():
    payload = sample_json("30_batch_3_messages_2_users.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"].insert(0, "not a message")
    value["contacts"].append(42)
    payload["entry"].append(["not", "an", "entry"])

    parsed = parse_webhook(payload)

    assert sum(len(v.messages) for v in parsed.iter_values()) == 3


@pytest.mark.parametrize("body", [None, [], "text", 42, 1.5, True, {}, {"entry": "x"}])
def test_body_that_is_not_a_webhook_gives_an_empty_payload(body):
    payload = parse_webhook(body)

    assert isinstance(payload, WebhookPayload)
    assert payload.entries == ()


# --- Totality: parse_webhook never raises -------------------------------------------------


def exercise(payload: WebhookPayload) -> None:
    """Touch every derived property, as the receiver will, so lazy failures surface too."""
    assert isinstance(payload, WebhookPayload)
    assert all(isinstance(name, str) for name in payload.unknown_fields)
    for value in payload.iter_values():
        for message in value.messages:
            assert isinstance(message.type, str)
            assert message.type in KNOWN_MESSAGE_TYPES
            assert message.timestamp is None or message.timestamp.tzinfo is UTC
            assert message.text is None or isinstance(message.text, str)
            value.contact_for(message)
            if message.context is not None:
                assert message.context.forwarded_flag in (None, "forwarded", "frequently_forwarded")
            if isinstance(message.content, OrderContent):
                message.content.total  # noqa: B018 - the property must not raise
        for status in value.statuses:
            assert status.timestamp is None or status.timestamp.tzinfo is UTC


FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(json_values)
def test_parse_webhook_never_raises_on_arbitrary_json(data):
    exercise(parse_webhook(data))


@FAST
@given(mutated_samples())
def test_parse_webhook_never_raises_on_mutated_samples(data):
    exercise(parse_webhook(data))
