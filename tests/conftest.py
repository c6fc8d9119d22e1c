import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.roles import ROLE_GROUPS

# Fixtures that start the local stand-ins for OpenAI, Meta's Graph API and S3 storage.
pytest_plugins = [
    "tests.standins.openai_server",
    "tests.standins.graph_server",
    "tests.standins.s3_server",
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Logins are not what these tests measure: a cheap hasher keeps staff tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_user(django_user_model):
    """A staff user in one role group: `staff_user("agent")`."""

    def make(role: str, username: str | None = None):
        user = django_user_model.objects.create_user(
            username=username or f"{role}-user", password="unused", is_staff=True
        )
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
        return user

    return make


@pytest.fixture
def client_as(client, staff_user):
    """A test client logged in as a fresh user of the given role."""

    def login(role: str):
        client.force_login(staff_user(role))
        return client

    return login


def pytest_collection_modifyitems(config, items):
    """Postgres-only behaviour is skipped, and says so, when the suite runs on SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


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


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Media files a test stores land in its own temporary folder, never in the repo."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
