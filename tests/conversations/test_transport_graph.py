"""Sending to WhatsApp: the real `requests` Graph transport against a local Meta stand-in.

What goes over the wire follows whatsapp.md §9; how Meta's refusals and network failures are
classified (final, retryable, or ambiguous because Meta may already have the message) follows
§10-§11.
"""

import logging
import socket

import pytest

from conversations.transport import OutgoingText, SendError, get_transport
from conversations.transport.base import OutgoingMedia, OutgoingTemplate
from tests.samples import sample_json
from tests.standins import Reply
from tests.standins.graph_server import (
    accepted_but_cut_off,
    accepted_but_dropped,
    accepted_but_slow,
    graph_error,
    reengagement_error,
    server_error,
    throttled,
)

PHONE_NUMBER_ID = "106540352242922"
ALICE_WA_ID = "15550001111"
IDEMPOTENCY_KEY = "0f5e2c4a-8d1b-4f7e-9a3c-6b2d1e0f9a87"


def inbound_message(sample: str) -> dict:
    return sample_json(sample)["entry"][0]["changes"][0]["value"]["messages"][0]


def text_to_alice(text: str = "Your order ships today.", **fields) -> OutgoingText:
    return OutgoingText(
        to_wa_id=ALICE_WA_ID,
        to_bsuid=None,
        text=text,
        idempotency_key=IDEMPOTENCY_KEY,
        **fields,
    )


def send(message: OutgoingText):
    return get_transport().send_text(message)


def refusal(message: OutgoingText) -> SendError:
    with pytest.raises(SendError) as caught:
        send(message)
    return caught.value


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# What goes over the wire


def test_send_posts_to_the_phone_numbers_messages_endpoint_with_the_bearer_token(
    graph_transport_settings,
):
    send(text_to_alice())

    (request,) = graph_transport_settings.requests
    assert request.path == f"/v25.0/{PHONE_NUMBER_ID}/messages"
    assert request.headers["authorization"] == "Bearer test-token"
    assert request.headers["content-type"] == "application/json"


def test_a_text_goes_to_the_plus_prefixed_number_with_previews_off_and_our_key(
    graph_transport_settings,
):
    send(text_to_alice("Your order ships today."))

    assert graph_transport_settings.requests[0].json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": f"+{ALICE_WA_ID}",
        "type": "text",
        "text": {"preview_url": False, "body": "Your order ships today."},
        "biz_opaque_callback_data": IDEMPOTENCY_KEY,
    }


def test_a_reply_quotes_the_inbound_message_by_its_wamid(graph_transport_settings):
    inbound_wamid = inbound_message("03_text_reply_context.json")["id"]

    send(text_to_alice(reply_to_wamid=inbound_wamid))

    assert graph_transport_settings.requests[0].json()["context"] == {"message_id": inbound_wamid}


def test_a_contact_known_only_by_bsuid_is_addressed_by_recipient(graph_transport_settings):
    bsuid = inbound_message("07_text_bsuid_only_username.json")["from_user_id"]
    message = OutgoingText(
        to_wa_id=None, to_bsuid=bsuid, text="Hi Rosa!", idempotency_key=IDEMPOTENCY_KEY
    )

    result = send(message)

    body = graph_transport_settings.requests[0].json()
    assert body["recipient"] == bsuid
    assert "to" not in body
    assert result.wamid == graph_transport_settings.accepted[0][0]


def test_success_returns_the_wamid_meta_assigned_to_each_message(graph_transport_settings):
    first = send(text_to_alice("One"))
    second = send(text_to_alice("Two"))

    assert [first.wamid, second.wamid] == [wamid for wamid, _ in graph_transport_settings.accepted]
    assert first.wamid != second.wamid


def test_a_4096_character_text_is_sent_unchanged(graph_transport_settings):
    text = inbound_message("05_text_4096_chars.json")["text"]["body"]
    assert len(text) == 4096

    send(text_to_alice(text))

    assert graph_transport_settings.sent_texts == [text]


def test_emoji_rtl_and_combining_text_is_sent_unchanged(graph_transport_settings):
    text = inbound_message("04_text_unicode_emoji_rtl_wire.json")["text"]["body"]

    send(text_to_alice(text))

    sent = graph_transport_settings.requests[0].json()["text"]["body"]
    assert sent.encode("utf-8") == text.encode("utf-8")


def test_a_text_over_4096_characters_is_refused_by_meta_and_not_retried(
    graph_transport_settings,
):
    error = refusal(text_to_alice("x" * 4097))

    assert error.code == 100
    assert not error.retryable
    assert graph_transport_settings.sent_texts == []


def test_settings_are_read_when_the_transport_is_made(settings, graph_transport_settings):
    settings.WHATSAPP_GRAPH_URL = f"{graph_transport_settings.url}/v25.0/"
    settings.WHATSAPP_PHONE_NUMBER_ID = "109999888877776"

    send(text_to_alice())

    assert graph_transport_settings.requests[0].path == "/v25.0/109999888877776/messages"


# Meta's refusals (whatsapp.md §10-§11)


def test_a_closed_24_hour_window_is_a_final_131047_refusal(graph_transport_settings):
    graph_transport_settings.queue(reengagement_error())

    error = refusal(text_to_alice())

    assert error.code == 131047
    assert "Re-engagement" in error.title
    assert (error.retryable, error.ambiguous) == (False, False)
    assert graph_transport_settings.sent_texts == []


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        pytest.param(throttled(), 130429, id="throughput-429"),
        pytest.param(server_error(500), 131000, id="server-error-500"),
        pytest.param(server_error(503), 131000, id="unavailable-503"),
        pytest.param(
            graph_error(131056, "(#131056) Pair rate limit hit"), 131056, id="pair-rate-limit-400"
        ),
        pytest.param(Reply(status=502, raw=b"<html>Bad Gateway</html>"), None, id="html-502"),
    ],
)
def test_rate_limits_and_meta_outages_are_retried_later(graph_transport_settings, reply, code):
    graph_transport_settings.queue(reply)

    error = refusal(text_to_alice())

    assert error.code == code
    assert (error.retryable, error.ambiguous) == (True, False)


def test_a_refusal_is_logged_without_the_text_or_the_token(graph_transport_settings, caplog):
    caplog.set_level(logging.DEBUG, logger="conversations.transport.graph")
    graph_transport_settings.queue(reengagement_error())

    refusal(text_to_alice("Secret discount code SAVE50"))

    (record,) = caplog.records
    assert record.code == 131047
    logged = str(vars(record))
    assert "SAVE50" not in logged
    assert "test-token" not in logged


# Network failures: may Meta already have the message?


def test_a_timeout_after_meta_accepted_is_ambiguous_and_only_one_copy_went_out(
    graph_transport_settings,
):
    graph_transport_settings.queue(accepted_but_slow(1.0))  # read timeout is 0.5 s

    error = refusal(text_to_alice("Your order ships today."))

    assert (error.retryable, error.ambiguous) == (True, True)
    assert graph_transport_settings.sent_texts == ["Your order ships today."]
    assert len(graph_transport_settings.requests) == 1


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(accepted_but_dropped(), id="no-answer"),
        pytest.param(accepted_but_cut_off(), id="half-an-answer"),
    ],
)
def test_a_connection_broken_after_meta_accepted_is_ambiguous(graph_transport_settings, reply):
    graph_transport_settings.queue(reply)

    error = refusal(text_to_alice("Your order ships today."))

    assert (error.retryable, error.ambiguous) == (True, True)
    assert graph_transport_settings.sent_texts == ["Your order ships today."]


def test_a_refused_connection_is_retryable_and_not_ambiguous(settings, graph_transport_settings):
    settings.WHATSAPP_GRAPH_URL = f"http://127.0.0.1:{closed_port()}/v25.0"

    error = refusal(text_to_alice())

    assert (error.retryable, error.ambiguous) == (True, False)


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(Reply(body={"messaging_product": "whatsapp"}), id="no-messages"),
        pytest.param(Reply(body={"messages": []}), id="empty-messages"),
        pytest.param(Reply(body={"messages": [{"id": None}]}), id="null-id"),
        pytest.param(Reply(raw=b"OK"), id="not-json"),
    ],
)
def test_a_200_without_a_message_id_is_an_error_that_must_not_be_resent_blindly(
    graph_transport_settings, reply
):
    graph_transport_settings.queue(reply)

    error = refusal(text_to_alice())

    assert (error.retryable, error.ambiguous) == (False, True)


# The console transport (local development)


def console_lines(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "conversations.transport.console" and record.levelno == logging.INFO
    ]


def test_console_transport_shows_each_text_on_one_line_with_its_own_wamid(settings, caplog):
    settings.WHATSAPP_TRANSPORT = "console"
    caplog.set_level(logging.INFO, logger="conversations.transport.console")

    first = send(text_to_alice("Thanks, Ana!\nWhich company\n\ndo you work for?"))
    second = send(text_to_alice("Thanks, Ana!"))

    assert first.wamid.startswith("wamid.console.")
    assert first.wamid != second.wamid
    assert console_lines(caplog) == [
        f"Console transport: text to {ALICE_WA_ID}: Thanks, Ana! Which company do you work for?",
        f"Console transport: text to {ALICE_WA_ID}: Thanks, Ana!",
    ]


def test_console_transport_cuts_a_long_text_at_a_readable_length(settings, caplog):
    settings.WHATSAPP_TRANSPORT = "console"
    caplog.set_level(logging.INFO, logger="conversations.transport.console")
    text = sample_json("05_text_4096_chars.json")["entry"][0]["changes"][0]["value"]["messages"][0][
        "text"
    ]["body"]

    send(text_to_alice(text))

    [line] = console_lines(caplog)
    assert len(line) < 300
    assert line.endswith(f"… ({len(text)} characters)")
    assert " ".join(text.split())[:100] in line


def test_console_transport_shows_template_variables_and_media_captions(settings, caplog):
    settings.WHATSAPP_TRANSPORT = "console"
    caplog.set_level(logging.INFO, logger="conversations.transport.console")
    transport = get_transport()
    components = ({"type": "body", "parameters": [{"type": "text", "text": "Ana"}]},)

    transport.send_template(
        OutgoingTemplate(ALICE_WA_ID, None, "follow_up", "en_US", components, IDEMPOTENCY_KEY)
    )
    media_id = transport.upload_media(None, mime_type="application/pdf", filename="prices.pdf")
    transport.send_media(
        OutgoingMedia(
            ALICE_WA_ID, None, "document", media_id, "Our prices", "prices.pdf", IDEMPOTENCY_KEY
        )
    )

    template, upload, document = console_lines(caplog)
    assert template == f"Console transport: template follow_up (en_US) to {ALICE_WA_ID}: Ana"
    assert upload == f"Console transport: upload of prices.pdf (application/pdf) as {media_id}"
    assert document == f"Console transport: document prices.pdf to {ALICE_WA_ID}: Our prices"
