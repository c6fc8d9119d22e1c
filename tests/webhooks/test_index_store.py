"""Every sample in INDEX.md, posted with INDEX.md's own signature, stored as INDEX.md says.

Each body goes through the real view with the literal `X-Hub-Signature-256` from INDEX.md's
table, the real `db_worker` processes it, and the assertions read the database: what an agent
would see in the back office, not what the parser returned.
"""

import hashlib
from datetime import UTC, datetime

import pytest

from conversations.models import Conversation, Message
from tests.factories import make_conversation, make_message
from tests.samples import SAMPLES_DIR, TEST_APP_SECRET, index_signatures, sample_bytes
from tests.webhooks.conftest import WEBHOOK_URL
from webhooks.models import WebhookEvent

# The real worker closes and reopens connections, which needs real commits.
pytestmark = pytest.mark.django_db(transaction=True)

# Outbound (business-sent) wamids, named as INDEX.md names them.
OUT_A = "wamid.HBgLMTU1NTAwMDExMTEVAgARGBI1ODUxQzE1QUVCMjc5QjY3QzgA"
OUT_B = "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBI4QkYzNTgwQjJGQkQyQkFFQ0EA"
OUT_FAILED = "wamid.HBgLMTU1NTAwMDg4ODgVAgARGBIyQzk2RDI5RjY0QTVGOUY3REIA"

ALICE = {"wa_id": "15550001111", "display_name": "Alice Example"}
BRUNO = {"wa_id": "15550002222", "display_name": "Bruno Teste"}
DEV = {"wa_id": "15550008888", "display_name": "Dev Patel"}
FROM_USER = {"direction": "in", "sender": "user"}


def at(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, tz=UTC)


def decoded_body_from_index(heading: str) -> str:
    """The ```text block after `heading` in INDEX.md: the spec's own decoded text."""
    index = (SAMPLES_DIR / "INDEX.md").read_text(encoding="utf-8")
    after = index.split(heading, 1)[1].split("```text\n", 1)[1]
    return after.split("\n```", 1)[0]


# Samples that store one inbound message and nothing else: INDEX.md's "Store" list, per file.
# `conversation` and `message` are model fields, `content` keys of `Message.content`,
# `value_errors` the codes kept on the webhook event.
ONE_MESSAGE_SAMPLES: dict[str, dict] = {
    "01_text.json": {
        "conversation": {**ALICE, "bsuid": "US.10293847561029384756"},
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTI0M0UxMDYxRjM0MTRBRDYwMAA=",
            "type": "text",
            "text": "Hi! Do you deliver to Lisbon?",
            "timestamp": at(1785402000),
        },
    },
    "02_text_legacy_no_bsuid.json": {
        "conversation": {**BRUNO, "bsuid": None},
        "message": {
            **FROM_USER,
            "wamid": (
                "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCBDQ0I2OUY2NEQ4NzdEMDM0Q0MyREYyQTJDMUQzRUI2QwA="
            ),
            "type": "text",
            "text": "Bom dia, qual o horario de funcionamento?",
            "timestamp": at(1785402060),
        },
    },
    "03_text_reply_context.json": {
        "conversation": ALICE,
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUJGNDkxQkI3QTNCMjFCMkYzQQA=",
            "type": "text",
            "text": "Yes, the blue one please.",
            "timestamp": at(1785402120),
            "reply_to_wamid": OUT_A,
        },
    },
    "04_text_unicode_emoji_rtl_wire.json": {
        "conversation": {"wa_id": "15550003333", "display_name": "مريم العلي"},
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDMzMzMVAgASGBQzQUNENUY2NUZCODE1M0MwQzVDOQA=",
            "type": "text",
            "text": decoded_body_from_index("04 text body"),
            "timestamp": at(1785402180),
        },
    },
    "06_text_contact_without_profile.json": {
        "conversation": {"wa_id": "15550004444", "display_name": ""},
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDQ0NDQVAgASGBQzQUVDNkQwMzMzNDA4RDRGRTYzOQA=",
            "type": "text",
            "text": "482913 is your verification code.",
            "timestamp": at(1785402300),
        },
    },
    "07_text_bsuid_only_username.json": {
        "conversation": {
            "wa_id": None,
            "bsuid": "US.50607080901020304050",
            "username": "@rosa.mendes",
            "display_name": "Rosa Mendes",
        },
        "message": {
            **FROM_USER,
            "wamid": (
                "wamid.HBgXVVMuNTA2MDcwODA5MDEwMjAzMDQwNTAVAgASGBQzQUM3QzQ5MTBCQUVDRjkzNEY5QwA="
            ),
            "type": "text",
            "text": "Hello, I found you through your username. Are you open on Sunday?",
            "timestamp": at(1785402360),
        },
    },
    "08_text_frequently_forwarded.json": {
        "conversation": BRUNO,
        "message": {
            **FROM_USER,
            "wamid": (
                "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA4QzI5QzQ2NzQ0QTVDMTYxNEI3NDUwRkIyRkJDOTczNwA="
            ),
            "type": "text",
            "text": "Forwarded: 50% off everything this weekend, just show this message!",
            "timestamp": at(1785402420),
        },
        "content": {"forwarded": "frequently_forwarded"},
    },
    "09_image_with_caption.json": {
        "conversation": ALICE,
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTAyMTFBQzJCODBBQTAwRjFGRAA=",
            "type": "image",
            "text": "This is the scratch on the table top",
            "timestamp": at(1785402480),
        },
        "content": {
            "caption": "This is the scratch on the table top",
            "media_id": "5915090851286865",
            "mime_type": "image/jpeg",
            "sha256": "WLn/696nqCXBAQl0OaoFsFsnWgMijhV2mMra5rQ5esk=",
        },
    },
    "10_audio_voice_note.json": {
        "conversation": BRUNO,
        "message": {
            **FROM_USER,
            "wamid": (
                "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA0QzRFODc0MDJEMzRFRTY1QTEyMzBFOTlDODlBMjdBQgA="
            ),
            "type": "audio",
            "text": "",
            "timestamp": at(1785402540),
        },
        "content": {
            "voice": True,
            "media_id": "7220165695209446",
            "mime_type": "audio/ogg; codecs=opus",
            "sha256": "Vbx48rMXzmLAmkpCCJcJiIT0l+MGOUjM1KiMTgZL4YM=",
        },
    },
    "11_video_forwarded.json": {
        "conversation": DEV,
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDg4ODgVAgASGBQzQTIzNUYwQzU1M0RFOTU0MDZCNwA=",
            "type": "video",
            "text": "Unboxing video, the lid is cracked",
            "timestamp": at(1785402600),
        },
        "content": {
            "caption": "Unboxing video, the lid is cracked",
            "media_id": "9345231065976980",
            "mime_type": "video/mp4",
            "forwarded": "forwarded",
        },
    },
    "12_document_pdf.json": {
        "conversation": DEV,
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDg4ODgVAgASGBQzQUZEQTM2NjE2MkU2NTc4QjVBQgA=",
            "type": "document",
            "text": "Invoice for order 88213",
            "timestamp": at(1785402660),
        },
        "content": {
            "caption": "Invoice for order 88213",
            "filename": "Fatura_88213_maço.pdf",
            "media_id": "5089954613205792",
            "mime_type": "application/pdf",
        },
    },
    "13_sticker_animated.json": {
        "conversation": ALICE,
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTk4RTJDQjdCNTJGQTBDMDhDQwA=",
            "type": "sticker",
            "text": "",
            "timestamp": at(1785402720),
        },
        "content": {
            "media_id": "7400111294513705",
            "mime_type": "image/webp",
            "animated": True,
        },
    },
    "14_location_named_place.json": {
        "conversation": BRUNO,
        "message": {
            **FROM_USER,
            "wamid": (
                "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA1M0Y4QTA2MEZCRUZFMkQzMUMyNzQ2MjYxQTY0M0IyMwA="
            ),
            "type": "location",
            "timestamp": at(1785402780),
        },
        "content": {
            "latitude": 38.7071382,
            "longitude": -9.1355532,
            "name": "Praça do Comércio",
            "address": "Praça do Comércio, 1100-148 Lisboa, Portugal",
        },
    },
    "16_interactive_button_reply.json": {
        "conversation": ALICE,
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUI0MEE2REZFRkM5NTk1OEJBRgA=",
            "type": "interactive",
            "text": "Confirm slot",
            "timestamp": at(1785402900),
            "reply_to_wamid": "wamid.HBgLMTU1NTAwMDExMTEVAgARGBI3MjJGQ0M3RENGRTFCMzM0ODcA",
        },
        "content": {
            "interactive_type": "button_reply",
            "reply_id": "confirm_delivery_slot",
            "title": "Confirm slot",
        },
    },
    "17_interactive_list_reply.json": {
        "conversation": BRUNO,
        "message": {
            **FROM_USER,
            "wamid": (
                "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA2RDhDRUNFNjAxMTNENjNBQjY3RkQ0RTVGOTBFQUIwQQA="
            ),
            "type": "interactive",
            "text": "Express (1-2 days)",
            "timestamp": at(1785402960),
            "reply_to_wamid": OUT_B,
        },
        "content": {
            "interactive_type": "list_reply",
            "reply_id": "priority_express",
            "title": "Express (1-2 days)",
            "description": "Delivered by courier, EUR 9.90",
        },
    },
    "18_interactive_nfm_reply_flow.json": {
        "conversation": DEV,
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDg4ODgVAgASGBQzQUUzMTJDRDlBRDk4MEIwRDg3RAA=",
            "type": "interactive",
            "timestamp": at(1785403020),
            "reply_to_wamid": "wamid.HBgLMTU1NTAwMDg4ODgVAgARGBIzN0MzM0Y0RjA4RTgzQ0VFQTYA",
        },
        "content": {
            "interactive_type": "nfm_reply",
            "flow_response": {
                "flow_token": "ft_8c2d1e7a-orderfeedback",
                "delivery_rating": "4",
                "comment": "Courier was friendly",
                "contact_me": True,
            },
            "flow_response_raw": (
                '{"flow_token":"ft_8c2d1e7a-orderfeedback","delivery_rating":"4",'
                '"comment":"Courier was friendly","contact_me":true}'
            ),
        },
    },
    "19_button_template_quick_reply.json": {
        "conversation": BRUNO,
        "message": {
            **FROM_USER,
            "wamid": (
                "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA3RTI3MUQwRThGQTUxNTlEMDQ0MkVDMzExQTBEMEQ3OAA="
            ),
            "type": "button",
            "text": "Reschedule",
            "timestamp": at(1785403080),
            "reply_to_wamid": "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBI0M0JDQTFBMzUwNjFCM0U1QUMA",
        },
        "content": {"payload": "RESCHEDULE_DELIVERY", "text": "Reschedule"},
    },
    "24_text_referral_click_to_whatsapp_ad.json": {
        "conversation": DEV,
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDg4ODgVAgASGBQzQTlFQjREOUY3QjdCMDQwQ0Y4QQA=",
            "type": "text",
            "text": "Can I get more info about this?",
            "timestamp": at(1785403380),
        },
        "referral": {
            "source_id": "120226305854810726",
            "ctwa_clid": (
                "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0"
                "-eM-GABDLOPaOdRMv-_zfUQ2a"
            ),
        },
    },
    "25_unsupported_message.json": {
        "conversation": BRUNO,
        "message": {
            **FROM_USER,
            "wamid": (
                "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA0RDg5RDVGQjVBRDI0MDk4NThBRkEwQzUyM0EwMkIyMAA="
            ),
            "type": "unsupported",
            "timestamp": at(1785403440),
        },
        "content": {"unsupported_type": "poll_creation"},
        "message_errors": [131051],
    },
    "26_unknown_message_legacy.json": {
        "conversation": ALICE,
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQURERUNGNkZDMDE3NkYwODY3OAA=",
            "type": "unknown",
            "timestamp": at(1785403500),
        },
        "message_errors": [131051],
    },
    "28_interactive_missing_body_with_value_errors.json": {
        "conversation": DEV,
        "message": {
            **FROM_USER,
            "wamid": "wamid.HBgLMTU1NTAwMDg4ODgVAgASGBQzQTI0NzI4NTEwNDREMDNDRUExNwA=",
            "type": "interactive",
            "timestamp": at(1785403620),
        },
        "content": {"interactive_type": None},
        "value_errors": [131000],
    },
}

# Samples whose "Store" list is about more than one message row; each has its own test below.
SAMPLES_WITH_OWN_TEST = {
    "05_text_4096_chars.json",
    "15_contacts_shared_card.json",
    "20_reaction.json",
    "21_reaction_removed.json",
    "22_order.json",
    "23_system_user_changed_number.json",
    "27_revoke_user_deleted_message.json",
    "29_value_errors_only.json",
    "30_batch_3_messages_2_users.json",
    "32_batch_statuses_and_message_two_changes.json",
    "34_status_sent.json",
    "38_status_failed_131047_reengagement.json",
}


@pytest.fixture(autouse=True)
def app_secret(settings):
    """INDEX.md's signatures are made with this secret."""
    settings.WHATSAPP_APP_SECRET = TEST_APP_SECRET


@pytest.fixture
def deliver(client, run_worker):
    """Meta delivers the samples (exact bytes, INDEX.md's signature), then the worker runs."""

    def post_and_process(*names: str) -> dict[str, WebhookEvent]:
        signatures = index_signatures()
        for name in names:
            body = sample_bytes(name)
            length, signature = signatures[name]
            assert len(body) == length, f"{name} is not the file INDEX.md signed"
            response = client.post(
                WEBHOOK_URL,
                data=body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=signature,
            )
            assert response.status_code == 200, (name, response.content)
        run_worker()
        events = {bytes(event.body): event for event in WebhookEvent.objects.all()}
        delivered = {name: events[sample_bytes(name)] for name in names}
        for name, event in delivered.items():
            assert event.outcome == "processed", (name, event.error)
        return delivered

    return post_and_process


def stored_message(wamid: str) -> Message:
    return Message.objects.select_related("conversation").get(wamid=wamid)


def test_every_sample_in_index_md_is_covered_here():
    assert set(index_signatures()) == set(ONE_MESSAGE_SAMPLES) | SAMPLES_WITH_OWN_TEST
    assert not set(ONE_MESSAGE_SAMPLES) & SAMPLES_WITH_OWN_TEST


@pytest.mark.parametrize("name", sorted(ONE_MESSAGE_SAMPLES))
def test_single_message_sample_is_stored_as_index_md_says(deliver, name):
    expected = ONE_MESSAGE_SAMPLES[name]

    event = deliver(name)[name]

    message = stored_message(expected["message"]["wamid"])
    assert {field: getattr(message, field) for field in expected["message"]} == expected["message"]
    conversation = message.conversation
    assert {field: getattr(conversation, field) for field in expected["conversation"]} == expected[
        "conversation"
    ]
    assert {key: message.content.get(key, "<absent>") for key in expected.get("content", {})} == (
        expected.get("content", {})
    )
    if "referral" in expected:
        referral = message.content["referral"]
        assert {key: referral.get(key) for key in expected["referral"]} == expected["referral"]
    if "message_errors" in expected:
        codes = [error["code"] for error in message.content["errors"]]
        assert codes == expected["message_errors"]
    value_errors = [error["code"] for error in event.summary.get("value_errors", [])]
    assert value_errors == expected.get("value_errors", [])
    assert event.summary["messages_stored"] == 1
    assert Message.objects.filter(direction="in").count() == 1
    assert Conversation.objects.count() == 1


def test_05_text_of_4096_characters_is_stored_whole(deliver):
    deliver("05_text_4096_chars.json")

    message = stored_message("wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUYwQ0UxMDZDNTM4MjQyQURDMAA=")
    assert (message.direction, message.sender, message.type) == ("in", "user", "text")
    assert (message.conversation.wa_id, message.conversation.display_name) == (
        "15550001111",
        "Alice Example",
    )
    assert message.timestamp == at(1785402240)
    assert len(message.text) == 4096
    assert hashlib.sha256(message.text.encode()).hexdigest() == (
        "36c2e52f3e6c9c84461e72c31a12a53480d338caed59679424f001a39b58ae49"
    )


def test_15_shared_contact_card_keeps_name_and_phones(deliver):
    deliver("15_contacts_shared_card.json")

    message = stored_message("wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTVGRDFCMzcyMTI1MzMxNEUzNAA=")
    assert (message.direction, message.sender, message.type) == ("in", "user", "contacts")
    assert (message.conversation.wa_id, message.conversation.display_name) == (
        "15550001111",
        "Alice Example",
    )
    assert message.timestamp == at(1785402840)
    cards = [
        {"formatted_name": card["formatted_name"], "phones": card["phones"]}
        for card in message.content["contacts"]
    ]
    assert cards == [
        {"formatted_name": "João Silva", "phones": ["+1 555-000-5555", "+1 555-000-5556"]}
    ]


def test_20_reaction_is_stored_and_shown_on_the_message_it_reacts_to(deliver):
    alice = make_conversation(wa_id="15550001111")
    reacted_to = make_message(alice, direction="out", status="read", wamid=OUT_A)

    deliver("20_reaction.json")

    reaction = stored_message("wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUU0MDdGQUM3N0NCM0Y1NTBEMwA=")
    assert (reaction.direction, reaction.sender, reaction.type) == ("in", "user", "reaction")
    assert reaction.conversation == alice
    assert reaction.conversation.display_name == "Alice Example"
    assert reaction.timestamp == at(1785403140)
    assert (reaction.content["message_id"], reaction.content["emoji"]) == (OUT_A, "❤️")
    reacted_to.refresh_from_db()
    assert reacted_to.reaction == "❤️"


def test_21_removed_reaction_is_stored_and_clears_the_message_it_was_on(deliver):
    alice = make_conversation(wa_id="15550001111")
    reacted_to = make_message(
        alice,
        direction="out",
        status="read",
        wamid=OUT_A,
        reaction="❤️",
        reaction_at=at(1785403140),
    )

    deliver("21_reaction_removed.json")

    removal = stored_message("wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTBDQzNFNjJGNkVCQ0JBOUM0MwA=")
    assert (removal.direction, removal.sender, removal.type) == ("in", "user", "reaction")
    assert removal.conversation.display_name == "Alice Example"
    assert removal.timestamp == at(1785403200)
    assert (removal.content["message_id"], removal.content["emoji"]) == (OUT_A, None)
    reacted_to.refresh_from_db()
    assert reacted_to.reaction == ""


def test_22_order_keeps_catalog_note_and_line_items_worth_63_40(deliver):
    deliver("22_order.json")

    order = stored_message("wamid.HBgLMTU1NTAwMDg4ODgVAgASGBQzQTE1MEIzNURBQTgxMUVFMkNDNgA=")
    assert (order.direction, order.sender, order.type) == ("in", "user", "order")
    assert (order.conversation.wa_id, order.conversation.display_name) == (
        "15550008888",
        "Dev Patel",
    )
    assert order.timestamp == at(1785403260)
    assert order.text == "Can you gift-wrap the lamp?"
    assert order.content["catalog_id"] == "194836987003835"
    items = order.content["items"]
    assert len(items) == 2
    total = sum(item["quantity"] * item["item_price"] for item in items)
    assert total == pytest.approx(63.4)


def test_23_number_change_is_a_system_message_and_moves_the_user_to_the_new_number(deliver):
    deliver("23_system_user_changed_number.json")

    notice = stored_message("wamid.HBgLMTU1NTAwMDY2NjYVAgASGBQzQUFGNUQyQUE4NDYxQjQzQTBCMwA=")
    assert (notice.direction, notice.sender, notice.type) == ("in", "system", "system")
    assert notice.timestamp == at(1785403320)
    assert notice.raw["from"] == "15550006666"
    assert {key: notice.content[key] for key in ("system_type", "new_wa_id", "new_user_id")} == {
        "system_type": "user_changed_number",
        "new_wa_id": "15550007777",
        "new_user_id": "US.61728394051627384950",
    }
    conversation = Conversation.objects.get()
    assert notice.conversation_id == conversation.pk
    assert (conversation.wa_id, conversation.bsuid, conversation.display_name) == (
        "15550007777",
        "US.61728394051627384950",
        "",
    )


def test_27_revoke_is_stored_and_flags_the_deleted_message(deliver):
    deliver("05_text_4096_chars.json")
    deliver("27_revoke_user_deleted_message.json")

    revoke = stored_message("wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUY3QTJDQThEREM3OTQ1QTUzQwA=")
    assert (revoke.direction, revoke.sender, revoke.type) == ("in", "user", "revoke")
    assert revoke.conversation.display_name == "Alice Example"
    assert revoke.timestamp == at(1785403560)
    deleted_wamid = "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUYwQ0UxMDZDNTM4MjQyQURDMAA="
    assert revoke.content["original_message_id"] == deleted_wamid
    assert stored_message(deleted_wamid).revoked_at == at(1785403560)


def test_29_errors_only_stores_the_error_and_no_rows(deliver):
    event = deliver("29_value_errors_only.json")["29_value_errors_only.json"]

    assert [error["code"] for error in event.summary["value_errors"]] == [130429]
    assert not Message.objects.exists()
    assert not Conversation.objects.exists()


def test_30_batch_stores_three_messages_each_with_its_own_sender(deliver):
    event = deliver("30_batch_3_messages_2_users.json")["30_batch_3_messages_2_users.json"]

    assert event.summary["messages_stored"] == 3
    stored = {
        message.wamid: (
            message.conversation.wa_id,
            message.type,
            message.text,
            message.timestamp,
        )
        for message in Message.objects.filter(direction="in").select_related("conversation")
    }
    assert stored == {
        "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQURBMDk5OEY3QTg5MjE3N0M4NQA=": (
            "15550001111",
            "text",
            "Sending my location",
            at(1785403680),
        ),
        "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUFCQTAwQjAwOTUxNTczODU3MAA=": (
            "15550001111",
            "location",
            "",
            at(1785403682),
        ),
        "wamid.HBgLMTU1NTAwMDIyMjIVAgASGCA3MkUxNDU1OERBQ0VDOTUyOTI1Q0VDMjY0NDQ1NzVEMAA=": (
            "15550002222",
            "text",
            "Is the store open today?",
            at(1785403681),
        ),
    }
    location = stored_message("wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUFCQTAwQjAwOTUxNTczODU3MAA=")
    assert (location.content["latitude"], location.content["longitude"]) == (38.7223, -9.1393)


def test_32_batch_marks_the_outbound_message_read_and_stores_the_new_text(deliver):
    alice = make_conversation(wa_id="15550001111")
    outbound = make_message(alice, direction="out", status="sent", wamid=OUT_A)

    event = deliver("32_batch_statuses_and_message_two_changes.json")[
        "32_batch_statuses_and_message_two_changes.json"
    ]

    outbound.refresh_from_db()
    assert outbound.status == "read"
    assert outbound.delivered_at == at(1785403795)
    assert outbound.read_at == at(1785403797)
    assert event.summary["statuses_applied"] == 2
    message = stored_message("wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQTU3QkVERjRFOEQ2NjVENDJBQwA=")
    assert (message.direction, message.sender, message.type, message.text) == (
        "in",
        "user",
        "text",
        "Got it, thanks!",
    )
    assert message.conversation == alice
    assert message.timestamp == at(1785403800)


def test_34_sent_status_moves_the_queued_message_to_sent(deliver):
    bruno = make_conversation(wa_id="15550002222")
    outbound = make_message(bruno, direction="out", status="queued", wamid=OUT_B)

    event = deliver("34_status_sent.json")["34_status_sent.json"]

    outbound.refresh_from_db()
    assert outbound.status == "sent"
    assert outbound.sent_at == at(1785404000)
    assert event.summary["statuses_applied"] == 1
    assert "unknown_statuses" not in event.summary


def test_38_failed_status_stores_code_and_title_on_the_outbound_message(deliver):
    dev = make_conversation(wa_id="15550008888")
    outbound = make_message(dev, direction="out", status="sent", wamid=OUT_FAILED)

    event = deliver("38_status_failed_131047_reengagement.json")[
        "38_status_failed_131047_reengagement.json"
    ]

    outbound.refresh_from_db()
    assert (outbound.status, outbound.error_code, outbound.error_title) == (
        "failed",
        131047,
        "Re-engagement message",
    )
    assert event.summary["statuses_applied"] == 1


def test_38_failed_status_for_a_wamid_we_never_sent_is_kept_without_error(deliver):
    event = deliver("38_status_failed_131047_reengagement.json")[
        "38_status_failed_131047_reengagement.json"
    ]

    assert event.error == ""
    assert event.summary["unknown_statuses"] == [{"id": OUT_FAILED, "status": "failed"}]
    assert bytes(event.body) == sample_bytes("38_status_failed_131047_reengagement.json")
    assert not Message.objects.exists()
