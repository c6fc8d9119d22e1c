"""The simulator (/simulator/): what it signs is what Meta would post, and who may use it.

Each body the page gets signed is posted to the real webhook here, as the page's script does,
and the real worker stores it: the simulator has no path of its own past the signature.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from conversations.models import Direction, Message, MessageStatus, MessageType, Sender
from tests.factories import make_conversation, make_message
from tests.samples import TEST_APP_SECRET
from tests.webhooks.conftest import WEBHOOK_URL
from webhooks.payloads import parse_webhook
from webhooks.signature import compute_signature
from webhooks.simulator.payloads import SampleKind, SimulatedUser, inbound_body

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "15550007001"
OUTBOUND_WAMID = "wamid.console.simulator-test"


@pytest.fixture(autouse=True)
def simulator_on(settings):
    settings.SIMULATOR_ENABLED = True  # pytest-django runs with DEBUG off
    return settings


@pytest.fixture
def agent_client(client_as):
    return client_as("agent")


def sign(client, kind: str, text: str = "", phone: str = PHONE, name: str = "Ana Lima"):
    return client.post(
        reverse("simulator-sign"), {"phone": phone, "name": name, "kind": kind, "text": text}
    )


def post_signed(client, signed: dict):
    """What simulator.js does with the answer: post the body, byte for byte, with its header."""
    return client.post(
        WEBHOOK_URL,
        data=signed["body"].encode("ascii"),
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signed["signature"],
    )


def business_message(status: str = MessageStatus.SENT) -> Message:
    conversation = make_conversation(wa_id=PHONE)
    return make_message(
        conversation, direction=Direction.OUT, status=status, wamid=OUTBOUND_WAMID, text="Hi!"
    )


@pytest.mark.parametrize(
    ("kind", "stored_type"),
    [
        ("text", MessageType.TEXT),
        ("image", MessageType.IMAGE),
        ("location", MessageType.LOCATION),
        ("button", MessageType.INTERACTIVE),
        ("reaction", MessageType.REACTION),
    ],
)
def test_each_sample_is_signed_accepted_by_the_webhook_and_stored(
    agent_client, run_worker, kind, stored_type
):
    reacted_to = business_message()
    answer = sign(agent_client, kind, "Hi, I'm Ana Lima" if kind == "text" else "")
    assert answer.status_code == 200, answer.content
    signed = answer.json()
    assert signed["signature"] == compute_signature(signed["body"].encode(), TEST_APP_SECRET)

    assert post_signed(agent_client, signed).status_code == 200
    run_worker()

    stored = Message.objects.get(wamid=signed["wamid"])
    assert (stored.type, stored.direction, stored.sender) == (stored_type, "in", Sender.USER)
    assert stored.conversation.wa_id == PHONE
    assert stored.conversation.display_name == "Ana Lima"
    if kind == "reaction":
        reacted_to.refresh_from_db()
        assert reacted_to.reaction == "👍"
    if kind == "location":
        assert stored.content["name"] == "Praça do Comércio"
    if kind == "button":
        assert stored.text == "Talk to sales"
        assert stored.reply_to_wamid == OUTBOUND_WAMID


def test_every_send_gets_a_new_message_id_dated_now():
    user = SimulatedUser(wa_id=PHONE, name="Ana")
    first, first_id = inbound_body(user, SampleKind.TEXT, "one")
    _, second_id = inbound_body(user, SampleKind.TEXT, "one")

    assert first_id != second_id
    (message,) = [m for change in parse_webhook(json.loads(first)).iter_changes()
                  for m in change.value.messages]  # fmt: skip
    assert message.id == first_id
    assert message.text == "one"
    assert message.timestamp is not None


@pytest.mark.parametrize(
    ("report", "status", "error_code"),
    [("delivered", "delivered", None), ("read", "read", None), ("failed", "failed", 131047)],
)
def test_status_buttons_report_on_the_business_last_message(
    agent_client, run_worker, report, status, error_code
):
    outbound = business_message()
    signed = sign(agent_client, report).json()
    assert signed["wamid"] == OUTBOUND_WAMID

    assert post_signed(agent_client, signed).status_code == 200
    run_worker()

    outbound.refresh_from_db()
    assert (outbound.status, outbound.error_code) == (status, error_code)


def test_a_report_or_reaction_with_no_business_message_is_refused_with_a_reason(agent_client):
    for kind in ("delivered", "reaction"):
        answer = sign(agent_client, kind)
        assert answer.status_code == 409
        assert "sent nothing" in answer.json()["error"]


def test_a_phone_that_is_not_digits_or_an_unknown_kind_is_refused(agent_client):
    assert sign(agent_client, "text", "hi", phone="+1 555 0001").status_code == 400
    assert sign(agent_client, "sticker", "hi").status_code == 400
    assert sign(agent_client, "text", "").status_code == 400


def test_signing_needs_the_page_csrf_token(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user("agent"))
    assert sign(client, "text", "hi").status_code == 403


def test_the_thread_shows_the_phone_conversation_with_ticks_and_profile(agent_client):
    outbound = business_message(status=MessageStatus.READ)
    make_message(outbound.conversation, minutes=-1, text="Hello")

    thread = agent_client.get(reverse("simulator-thread"), {"phone": PHONE}).json()

    assert [(m["direction"], m["text"], m["status"]) for m in thread["messages"]] == [
        ("in", "Hello", ""),
        ("out", "Hi!", "read"),
    ]
    assert thread["profile"]["complete"] is False
    assert agent_client.get(reverse("simulator-thread"), {"phone": "1"}).json()["messages"] == []


# --- who may use it, and when ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "agent"])
def test_admins_and_agents_get_the_page_linked_from_the_admin(client_as, role):
    client = client_as(role)
    page = client.get(reverse("simulator"))
    assert page.status_code == 200
    assert b"simulator-config" in page.content
    assert b"<script>" not in page.content  # no inline code: data travels as json_script
    index = client.get(reverse("admin:index")).content.decode()
    assert index.count(reverse("simulator")) == 2  # the header link and the home page's


def test_viewers_may_not_send_as_a_user(client_as):
    client = client_as("viewer")
    assert client.get(reverse("simulator")).status_code == 403
    assert sign(client, "text", "hi").status_code == 403
    assert client.get(reverse("simulator-thread"), {"phone": PHONE}).status_code == 403
    assert reverse("simulator") not in client.get(reverse("admin:index")).content.decode()


def test_anonymous_visitors_are_sent_to_the_login(client):
    answer = client.get(reverse("simulator"))
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("admin:login"))


def test_with_debug_off_the_simulator_is_off_unless_enabled(client_as, client, settings):
    settings.SIMULATOR_ENABLED = False
    settings.DEBUG = False
    agent = client_as("agent")
    assert agent.get(reverse("simulator")).status_code == 404
    assert sign(agent, "text", "hi").status_code == 404
    assert reverse("simulator") not in agent.get(reverse("admin:index")).content.decode()

    settings.SIMULATOR_ENABLED = True
    assert agent.get(reverse("simulator")).status_code == 200


def test_without_an_app_secret_nothing_is_signed_and_the_webhook_still_refuses(
    agent_client, settings
):
    settings.DEBUG = False
    settings.WHATSAPP_APP_SECRET = ""
    assert sign(agent_client, "text", "hi").status_code == 409
    body, _ = inbound_body(SimulatedUser(wa_id=PHONE, name="Ana"), SampleKind.TEXT, "hi")
    refused = agent_client.post(
        WEBHOOK_URL,
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=compute_signature(body, ""),
    )
    assert refused.status_code == 503
