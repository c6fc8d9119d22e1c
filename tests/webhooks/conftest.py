import json

import pytest
from django.core.management import call_command

from tests.samples import TEST_APP_SECRET, sample_bytes, signed_headers

WEBHOOK_URL = "/webhooks/whatsapp/"
VERIFY_TOKEN = "verify-me-please"


@pytest.fixture(autouse=True)
def whatsapp_settings(settings):
    settings.WHATSAPP_APP_SECRET = TEST_APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN
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


@pytest.fixture
def run_worker():
    """Drain the task queue with the real `db_worker`, as the worker process would."""

    def run():
        call_command(
            "db_worker",
            "--batch",
            "--no-reload",
            "--interval",
            "0",
            "--no-startup-delay",
            verbosity=0,
        )

    return run


def resign(data: dict) -> bytes:
    """A sample, changed by a test, serialised compactly as Meta sends it."""
    return json.dumps(data, separators=(",", ":")).encode()
