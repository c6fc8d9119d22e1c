"""Errors reach Sentry (a local stand-in of its ingest endpoint) without secrets or words."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests
import sentry_sdk

from botproject.sentry import SAFE_HEADERS, init_sentry
from tests.browser.asgi_server import ROOT, server_env
from tests.ops.sentry_urls import LEAD_TEXT

ACCESS_TOKEN = "EAAG-graph-access-token-0123456789"
OPS_TOKEN = "ops-monitor-token-9876543210"
APP_SECRET = "meta-app-secret-abcdef123456"


@pytest.fixture
def sentry_on(sentry_standin, settings):
    settings.WHATSAPP_ACCESS_TOKEN = ACCESS_TOKEN
    settings.OPS_TOKEN = OPS_TOKEN
    init_sentry(dsn=sentry_standin.dsn, environment="test", release="ops-test")
    yield sentry_standin
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def assert_clean(text: str) -> None:
    for forbidden in (
        "Zenobia",
        "Quillfeather",
        "Pangolin",
        ACCESS_TOKEN,
        OPS_TOKEN,
        APP_SECRET,
        "sha256=",
        "sessionid",
    ):
        assert forbidden not in text, forbidden


@pytest.mark.urls("tests.ops.sentry_urls")
def test_a_view_error_reaches_sentry_without_message_text_or_secrets(live_server, sentry_on):
    # A real HTTP request (live_server), so the SDK reads the request as it does in production.
    response = requests.post(
        f"{live_server.url}/fail/?hub.verify_token={OPS_TOKEN}&hub.challenge=1",
        data=json.dumps({"text": LEAD_TEXT}),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {OPS_TOKEN}",
            "X-Hub-Signature-256": "sha256=" + "ab" * 32,
            "Cookie": "sessionid=sessionid-cookie-value",
        },
        timeout=10,
    )
    sentry_sdk.flush(timeout=5)

    assert response.status_code == 500
    events = sentry_on.events()
    exception_events = [e for e in events if e.get("exception")]
    assert exception_events, f"no exception event among {len(events)} events"
    exception = exception_events[-1]["exception"]["values"][-1]
    assert exception["type"] == "ValueError"
    assert exception["value"] == "no reply for '[Filtered]' using '[Filtered]'"
    assert exception["stacktrace"]["frames"][-1]["function"] == "failing_view"
    log_event = next(e for e in events if e.get("logger") == "conversations.services.bot")
    assert log_event["logentry"] == {"message": "Could not answer %s with %s"}
    assert log_event["extra"] == {"message_id": 7}
    request = exception_events[-1]["request"]
    assert request["url"] == f"{live_server.url}/fail/" and request["method"] == "POST"
    assert {name.lower() for name in request["headers"]} <= SAFE_HEADERS
    assert_clean(sentry_on.raw_text())


def test_settings_turn_sentry_on_from_the_environment(sentry_standin, tmp_path):
    """The worker and web processes report when SENTRY_DSN is set, scrubbed the same way."""
    script = (
        "import logging; logging.getLogger('conversations.services.outbound').error("
        f"'Send failed for %s with %s', {LEAD_TEXT!r}, {APP_SECRET!r}, "
        f"extra={{'text': {LEAD_TEXT!r}, 'code': 131047}})"
    )
    env = server_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SENTRY_DSN=sentry_standin.dsn,
        SENTRY_ENVIRONMENT="staging",
        SENTRY_RELEASE="abc123",
        WHATSAPP_APP_SECRET=APP_SECRET,
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
    )

    [event] = sentry_standin.events()
    assert (event["environment"], event["release"]) == ("staging", "abc123")
    assert event["logentry"]["message"] == "Send failed for %s with %s"
    assert event["extra"] == {"code": 131047}
    assert_clean(sentry_standin.raw_text())


def test_settings_import_without_sentry_sdk_when_no_dsn_is_set():
    script = (
        "import sys; sys.modules['sentry_sdk'] = None\n"
        "import django; django.setup()\n"
        "from django.conf import settings; print(repr(settings.SENTRY_DSN))"
    )
    env = server_env(SENTRY_DSN="")
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, timeout=60
    )

    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.strip() == b"''"
