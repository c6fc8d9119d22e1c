"""The OpenAPI 3 schema is valid, its docs page works offline, and fuzzing it finds no 500."""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import schemathesis
from django.utils import timezone
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.core import NotSet

from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db

# Bounded: a few examples per operation keep the whole fuzz well under a minute.
EXAMPLES_PER_OPERATION = 12


def test_the_schema_is_openapi_3_and_names_every_endpoint(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    validate_schema(schema)  # against the OpenAPI 3 JSON schema drf-spectacular ships
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/conversations/",
        "/api/v1/conversations/{id}/",
        "/api/v1/conversations/{id}/messages/",
        "/api/v1/conversations/{id}/block/",
        "/api/v1/conversations/{id}/unblock/",
        "/api/v1/profiles/",
        "/api/v1/profiles/{id}/",
    }
    send = schema["paths"]["/api/v1/conversations/{id}/messages/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in send["parameters"]}
    assert "tokenAuth" in {k for s in send["security"] for k in s}


def test_the_docs_page_serves_swagger_ui_from_our_own_static_files(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def call(client, case, auth: dict[str, str]):
    """Send a generated case through Django's test client, inside the test's transaction
    (the real WSGI handler would close the test's database connection between requests)."""
    headers = {name: str(value) for name, value in (case.headers or {}).items()} | auth
    query = urlencode(case.query or {}, doseq=True)
    path = case.formatted_path + (f"?{query}" if query else "")
    if isinstance(case.body, NotSet):
        body = ""
    elif isinstance(case.body, bytes):  # negative cases may send bytes that are not JSON
        body = case.body
    else:
        body = json.dumps(case.body)
    return client.generic(
        case.method, path, data=body, content_type="application/json", headers=headers
    )


@pytest.fixture
def fuzz_target(staff_user, settings):
    """Real rows to hit (ids 1.. exist), an Admin's token, and no rate limit in the way."""
    settings.API_THROTTLE_RATE = "100000/min"
    conversation = make_conversation(last_inbound_at=timezone.now() - timedelta(minutes=5))
    make_message(conversation, text="hello")
    token = Token.objects.create(user=staff_user("admin"))
    return {"Authorization": f"Token {token.key}"}


def test_fuzzing_every_operation_finds_no_server_error(client, fuzz_target):
    raw = client.get("/api/v1/schema/", {"format": "json"}).json()
    schema = schemathesis.openapi.from_dict(raw)
    failures, statuses = [], set()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9

    for operation in operations:
        # Valid requests, and requests that break the schema (those must get 4xx, not 500).
        strategy = operation.as_strategy() | operation.as_strategy(GenerationMode.NEGATIVE)

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = call(client, case, fuzz_target)
            statuses.add(response.status_code)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, response.content[:500]))

        run()
    assert failures == []
    # The fuzz reached the endpoints (answers with data) and was turned away by them (4xx
    # for what it made up), not only by the door: which 4xx varies with the random draw.
    assert any(200 <= code < 300 for code in statuses)
    assert any(400 <= code < 500 for code in statuses)
