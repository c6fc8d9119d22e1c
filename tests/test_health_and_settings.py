"""Start-up settings and the health check Render relies on."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter with only the given settings environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DEBUG"))}
    clean.pop("SECRET_KEY", None)
    clean.pop("REDIS_URL", None)
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "botproject.settings"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "conn_max_age": db["CONN_MAX_AGE"],
    "pool": db.get("OPTIONS", {}).get("pool"),
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "tasks": settings.TASKS["default"]["BACKEND"],
    "brain": settings.BOT_BRAIN,
    "transport": settings.WHATSAPP_TRANSPORT,
}, default=lambda value: getattr(value, "__qualname__", repr(value))))
"""


def test_without_secret_key_and_debug_off_start_up_fails_clearly():
    result = run_python("import django; django.setup()", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_embedded_defaults_need_no_services():
    result = run_python(SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["layer"] == "channels.layers.InMemoryChannelLayer"
    assert shown["tasks"] == "django_tasks_db.DatabaseBackend"
    assert shown["brain"] == "offline"
    assert shown["transport"] == "console"


def test_postgres_uses_the_psycopg_pool_without_persistent_connections():
    result = run_python(
        SHOW_SETTINGS,
        DATABASE_URL="postgres://app:pw@db.example:5432/app?sslmode=require",
        DB_POOL_MAX_SIZE="4",
        REDIS_URL="redis://127.0.0.1:6379/0",
        OPENAI_API_KEY="sk-test",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["conn_max_age"] == 0
    assert shown["pool"]["max_size"] == 4
    # Health checks on checkout, but only for connections that sat idle (botproject/db_pool.py).
    assert shown["pool"]["check"] == "check_if_idle.<locals>.check"
    assert shown["layer"] == "channels_redis.core.RedisChannelLayer"
    assert shown["brain"] == "openai"


@pytest.mark.parametrize("bucket", [None, "", "  "])
def test_s3_media_storage_without_a_bucket_is_refused_at_start_up(bucket):
    env = {"MEDIA_STORAGE": "s3"} | ({} if bucket is None else {"MEDIA_S3_BUCKET": bucket})
    result = run_python("import django; django.setup()", **env)
    assert result.returncode != 0
    assert "MEDIA_S3_BUCKET" in result.stderr


def test_an_unknown_transport_is_refused_at_start_up():
    result = run_python("import django; django.setup()", WHATSAPP_TRANSPORT="carrier-pigeon")
    assert result.returncode != 0
    assert "WHATSAPP_TRANSPORT" in result.stderr


@pytest.mark.django_db
def test_healthz_reports_the_database_answering(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_down():
    code = """
import django
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(response.status_code, response.content.decode())
"""
    # Nothing listens on port 9 of the loopback: the database "is down".
    result = run_python(
        code,
        DATABASE_URL="postgres://nobody@127.0.0.1:9/none",
        DB_POOL_TIMEOUT="2",
        ALLOWED_HOSTS="testserver",
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "error", "database": "unreachable"}
