"""Random and mutated payloads with valid signatures never get a 500, nor fail processing."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.webhooks.strategies import json_values, mutated_samples
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def immediate_tasks(settings):
    """Run processing inside the request so each example exercises the whole pipeline."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def is_strict_json(data) -> bool:
    """NaN and Infinity are Python's extension, not JSON: such a body must get a 400."""
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        return False
    return True


@FUZZ
@given(data=mutated_samples() | json_values)
def test_signed_random_payloads_never_get_a_500(post_body, immediate_tasks, data):
    body = json.dumps(data).encode()
    before = WebhookEvent.objects.count()
    response = post_body(body)
    assert response.status_code in (200, 400)
    event = WebhookEvent.objects.order_by("-pk").first()
    assert WebhookEvent.objects.count() == before + 1
    if isinstance(data, dict) and is_strict_json(data):
        assert response.status_code == 200
        assert event.outcome == "processed", event.error
    else:
        assert response.status_code == 400
        assert event.outcome == "rejected"


@FUZZ
@given(raw=st.binary(max_size=200))
def test_signed_random_bytes_never_get_a_500(post_body, raw):
    assert post_body(raw).status_code in (200, 400)
