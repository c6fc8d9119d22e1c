"""Production settings and the Render Blueprint: what `render.yaml` asks for really exists,
`check --deploy` is clean, HTTPS is enforced behind Render's proxy, and admin logins are
throttled against password guessing."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.cache import cache
from django.core.management import get_commands
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
BLUEPRINT = yaml.safe_load((ROOT / "render.yaml").read_text())
SETTINGS_SOURCE = (ROOT / "botproject" / "settings.py").read_text()
# Set by Render itself or read by Render's Python runtime, not by our settings.
PLATFORM_VARIABLES = {"PYTHON_VERSION", "PORT", "RENDER", "RENDER_EXTERNAL_HOSTNAME"}
# Read by the web server's own config, as gunicorn reads its settings, not by Django's.
GUNICORN_CONF = ROOT / "botproject" / "gunicorn_conf.py"
SERVER_VARIABLES = {"WEB_CONCURRENCY"}


def services(kind: str) -> list[dict]:
    return [service for service in BLUEPRINT["services"] if service["type"] == kind]


def commands(service: dict) -> list[str]:
    text = " && ".join(filter(None, [service.get("buildCommand"), service.get("startCommand")]))
    return [part.strip() for part in text.split("&&") if part.strip()]


def env_keys() -> set[str]:
    keys = {var["key"] for group in BLUEPRINT["envVarGroups"] for var in group["envVars"]}
    for service in BLUEPRINT["services"]:
        keys |= {var["key"] for var in service.get("envVars", []) if "key" in var}
    return keys


def test_the_blueprint_has_a_gunicorn_web_service_a_worker_and_key_value():
    [web], [worker], [channels] = services("web"), services("worker"), services("keyvalue")
    assert web["startCommand"].startswith("gunicorn -c botproject/gunicorn_conf.py ")
    assert web["healthCheckPath"] == "/healthz"
    assert "migrate" in web["buildCommand"] and "collectstatic" in web["buildCommand"]
    assert "preDeployCommand" not in web  # the free plan has none
    assert "db_worker" in worker["startCommand"]
    assert channels["ipAllowList"] == []  # internal only
    for service in (web, worker):
        assert {"fromGroup": "botproject-shared"} in service["envVars"]
        redis = next(var for var in service["envVars"] if var.get("key") == "REDIS_URL")
        assert redis["fromService"]["name"] == channels["name"]


def test_shared_secrets_live_in_one_group_so_web_and_worker_agree():
    [group] = BLUEPRINT["envVarGroups"]
    keys = {var["key"] for var in group["envVars"]}
    assert {"SECRET_KEY", "DATABASE_URL", "WHATSAPP_APP_SECRET", "OPENAI_API_KEY"} <= keys
    for service in BLUEPRINT["services"]:
        own = {var.get("key") for var in service.get("envVars", [])}
        assert not own & {"SECRET_KEY", "DATABASE_URL", "WHATSAPP_APP_SECRET"}, service["name"]


def test_every_command_the_blueprint_names_exists_in_the_project():
    known = get_commands()
    for service in services("web") + services("worker"):
        for command in commands(service):
            words = command.split()
            if words[:2] == ["pip", "install"]:
                assert (ROOT / words[-1]).is_file(), command
            elif words[:2] == ["python", "manage.py"]:
                assert words[2] in known, command
            elif words[0] == "gunicorn":
                assert (ROOT / words[words.index("-c") + 1]).is_file(), command
                module, attribute = words[-1].split(":")
                assert hasattr(__import__(module, fromlist=[attribute]), attribute), command
            else:
                pytest.fail(f"unexpected command in render.yaml: {command}")


def test_every_variable_the_blueprint_sets_is_read_by_settings():
    for key in env_keys() - PLATFORM_VARIABLES - SERVER_VARIABLES:
        assert re.search(rf"env\.\w+\(\s*\"{key}\"", SETTINGS_SOURCE), key
    for key in SERVER_VARIABLES:
        assert f'os.environ.get("{key}")' in GUNICORN_CONF.read_text(), key


def test_the_python_version_is_one_django_6_1_supports():
    [group] = BLUEPRINT["envVarGroups"]
    version = next(var["value"] for var in group["envVars"] if var["key"] == "PYTHON_VERSION")
    major, minor, _ = (int(part) for part in version.split("."))
    assert (major, minor) in {(3, 12), (3, 13), (3, 14)}


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))}
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "botproject-web.onrender.com",
            "CSRF_TRUSTED_ORIGINS": "https://botproject-web.onrender.com",
            "DATABASE_URL": "sqlite:////tmp/check-deploy.sqlite3",
            **extra,
        }
    )
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_starting_without_a_secret_key_in_production_fails_clearly():
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.fixture
def https_settings(settings):
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["botproject-web.onrender.com"]
    return settings


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_except_the_health_check(https_settings):
    client = Client(HTTP_HOST="botproject-web.onrender.com")
    response = client.get("/admin/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://botproject-web.onrender.com/admin/login/"
    assert client.get("/healthz").status_code == 200
    internal = Client(HTTP_HOST="10.201.4.7:10000")  # a checker calling the internal address
    assert internal.get("/healthz").json() == {"status": "ok", "database": "ok"}
    assert internal.get("/admin/login/").status_code == 400  # anything else still checks Host
    behind_proxy = client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")
    assert behind_proxy.status_code == 200  # no redirect loop behind Render's proxy


@pytest.fixture
def fresh_login_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_that_username_for_a_while(
    django_user_model, settings, fresh_login_counts
):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    django_user_model.objects.create_user("alice", password="right-pass", is_staff=True)
    client = Client()
    url = reverse("admin:login")
    for _ in range(3):
        response = client.post(url, {"username": "alice", "password": "guess"})
        assert response.status_code == 200  # the form says wrong password

    locked = client.post(url, {"username": "alice", "password": "right-pass"})
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another colleague on the same network is not locked out by Alice's guesser.
    django_user_model.objects.create_user("bob", password="bob-pass", is_staff=True)
    assert client.post(url, {"username": "bob", "password": "bob-pass"}).status_code == 302


@pytest.mark.django_db
def test_one_address_trying_many_usernames_is_stopped_too(settings, fresh_login_counts):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    client = Client()
    url = reverse("admin:login")
    for n in range(4):
        client.post(url, {"username": f"user{n}", "password": "guess"})

    assert client.post(url, {"username": "someone", "password": "x"}).status_code == 429


def database_settings(url: str, **extra) -> dict:
    """The DATABASES entry production would build from this DATABASE_URL."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    env = production_env(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="botproject.settings", **extra)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


SESSION_POOLER = (
    "postgres://postgres.abcdefgh:p%40ss%3Dword@aws-0-eu-west-1.pooler.supabase.com:5432"
    "/postgres?sslmode=require"
)


def test_the_supabase_session_pooler_url_works_as_is():
    database = database_settings(SESSION_POOLER)
    assert database["USER"] == "postgres.abcdefgh"
    assert database["PASSWORD"] == "p@ss=word"  # percent-encoded in the URL
    assert database["OPTIONS"]["sslmode"] == "require"
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"]["max_size"] == 8
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is False


def test_pool_sizes_are_settings_for_web_and_worker():
    database = database_settings(SESSION_POOLER, DB_POOL_MAX_SIZE="4", DB_POOL_MIN_SIZE="0")
    assert (database["OPTIONS"]["pool"]["min_size"], database["OPTIONS"]["pool"]["max_size"]) == (
        0,
        4,
    )


def test_the_transaction_pooler_is_detected_and_server_side_cursors_are_disabled():
    database = database_settings(SESSION_POOLER.replace(":5432/", ":6543/"))
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    forced = database_settings(SESSION_POOLER, DB_TRANSACTION_POOLER="true")
    assert forced["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_a_blank_database_url_falls_back_to_sqlite():
    assert database_settings("")["ENGINE"] == "django.db.backends.sqlite3"


@pytest.mark.django_db
def test_secrets_never_appear_in_logs(
    caplog, settings, graph_transport_settings, openai_brain_settings, client
):
    import logging

    from conversations.brain import BrainTurn, BrainUnavailable, ProfileSnapshot, get_brain
    from conversations.transport import OutgoingText, SendError, get_transport
    from tests.standins.graph_server import graph_error
    from tests.standins.openai_server import server_error

    secrets_in_play = {
        "app secret": "app-secret-9f8e7d",
        "verify token": "verify-token-1a2b3c",
        "access token": "EAAGaccess-token-4d5e6f",
        "openai key": "sk-openai-key-7g8h9i",
    }
    settings.WHATSAPP_APP_SECRET = secrets_in_play["app secret"]
    settings.WHATSAPP_VERIFY_TOKEN = secrets_in_play["verify token"]
    settings.WHATSAPP_ACCESS_TOKEN = secrets_in_play["access token"]
    graph_transport_settings.access_token = secrets_in_play["access token"]
    settings.OPENAI_API_KEY = secrets_in_play["openai key"]
    settings.OPENAI_MAX_RETRIES = 0
    caplog.set_level(logging.DEBUG)

    # Webhook: a wrong verification token, a forged signature.
    client.get(
        "/webhooks/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
    )
    client.post(
        "/webhooks/whatsapp/",
        data=b"{}",
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256="sha256=" + "0" * 64,
    )
    # Meta refuses a send; OpenAI fails.
    graph_transport_settings.queue(graph_error(190, "Invalid OAuth access token", 401))
    with pytest.raises(SendError):
        get_transport().send_text(OutgoingText("15550001111", None, "Hi", "key-1"))
    openai_brain_settings.queue(server_error(), server_error())
    with pytest.raises(BrainUnavailable):
        get_brain().respond(BrainTurn(history=(), profile=ProfileSnapshot("", "", "", "", ())))

    logged = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    assert caplog.records  # the failures above were logged
    for name, value in secrets_in_play.items():
        assert value not in logged, f"the {name} appears in the logs"
