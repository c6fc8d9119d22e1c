import json

import pytest

from tests.samples import TEST_APP_SECRET, sample_bytes, signed_headers

WEBHOOK_URL = "/webhooks/whatsapp/"
VERIFY_TOKEN = "verify-me-please"


@pytest.fixture(autouse=True)
def whatsapp_settings(settings):
    settings.WHATSAPP_APP_SECRET = TEST_APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN
    # Receiving is tested here; the bot's replies are tested in tests/conversations.
    settings.BOT_ENABLED = False
    return settings


@pytest.fixture
def post_body(client):
    """POST raw bytes to the webhook the way Meta does, signed with the test app secret."""

    def post(body: bytes, **headers):
        extra = {**signed_headers(body), **headers}
        return client.post(WEBHOOK_URL, data=body, content_type="application/json", **extra)

    return post


@pytest.fixture
def post_sample(post_body):
    def post(name: str):
        response = post_body(sample_bytes(name))
        assert response.status_code == 200, response.content
        return response

    return post


def resign(data: dict) -> bytes:
    """A sample, changed by a test, serialised compactly as Meta sends it."""
    return json.dumps(data, separators=(",", ":")).encode()
