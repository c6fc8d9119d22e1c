import pytest

from conversations.models import Conversation, Direction, Message
from tests.samples import TEST_APP_SECRET, signed_headers, status_webhook, text_webhook

WEBHOOK_URL = "/webhooks/whatsapp/"


@pytest.fixture(autouse=True)
def bot_settings(settings):
    """Signed webhooks, and no waiting: bursts, retries and confirmations happen at once."""
    settings.WHATSAPP_APP_SECRET = TEST_APP_SECRET
    settings.BOT_BURST_SECONDS = 0
    settings.BOT_RETRY_BASE_SECONDS = 0
    settings.WHATSAPP_RETRY_BASE_SECONDS = 0
    settings.WHATSAPP_CONFIRM_WAIT_SECONDS = 0
    return settings


@pytest.fixture
def post_webhook(client):
    """POST a body to the webhook as Meta does: signed, raw bytes."""

    def post(body: bytes):
        response = client.post(
            WEBHOOK_URL, data=body, content_type="application/json", **signed_headers(body)
        )
        assert response.status_code == 200, response.content
        return response

    return post


@pytest.fixture
def user_writes(post_webhook):
    """The lead sends a text through the real webhook; returns the wamid Meta gave it."""

    def write(text: str, **fields) -> str:
        body, wamid = text_webhook(text, **fields)
        post_webhook(body)
        return wamid

    return write


@pytest.fixture
def meta_reports(post_webhook):
    """Meta posts a status webhook for one of our outbound messages."""

    def report(message: Message, status: str, **fields) -> None:
        post_webhook(status_webhook(message.wamid, status, **fields))

    return report


def conversation_of(wa_id: str = "15550001111") -> Conversation:
    return Conversation.objects.select_related("profile").get(wa_id=wa_id)


def replies_to(wa_id: str = "15550001111") -> list[Message]:
    """What the business sent (or tried to send) to one user, oldest first."""
    return list(
        Message.objects.filter(conversation__wa_id=wa_id, direction=Direction.OUT).order_by(
            "timestamp", "id"
        )
    )
