"""Random, mutated and hostile signed payloads never get a 500, nor fail processing."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.webhooks.strategies import hostile_bodies, json_values, mutated_samples
from webhooks.models import WebhookEvent
from webhooks.queue import drain_events

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def post_and_process(post_body, body: bytes):
    """Post, then let the worker's queue process what was stored: the whole pipeline."""
    response = post_body(body)
    drain_events()
    return response


def is_strict_json(data) -> bool:
    """NaN and Infinity are Python's extension, not JSON: such a body must get a 400."""
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        return False
    return True


@FUZZ
@given(data=mutated_samples() | json_values)
def test_signed_random_payloads_never_get_a_500(post_body, data):
    body = json.dumps(data).encode()
    before = WebhookEvent.objects.count()
    response = post_and_process(post_body, body)
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


@FUZZ
@given(case=hostile_bodies())
def test_signed_hostile_bodies_get_the_right_answer_and_a_clear_outcome(post_body, case):
    """Deep nesting, wrong types, NaN, duplicate keys, a BOM, lone surrogates, huge batches."""
    body, expected_status = case
    response = post_and_process(post_body, body)
    assert response.status_code == expected_status, response.content[:300]
    event = WebhookEvent.objects.order_by("-pk").first()
    if expected_status == 200:
        assert event.outcome == "processed", event.error
    else:
        assert event.outcome == "rejected"
        assert event.error and event.error in response.json()["error"]
