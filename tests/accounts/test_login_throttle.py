"""Admin login throttling: a guesser is stopped at their own address, never the account's
owner elsewhere, and told when to come back (Retry-After)."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

STRANGER, OWNER = "203.0.113.9", "198.51.100.7"
RENDER_PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def fresh_login_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_user("admin", password="right-pass", is_staff=True)


def behind_render(client_address: str, typed_by_client: str = "") -> Client:
    """A browser reaching us through Render's proxy, which appends the address it saw."""
    forwarded = f"{typed_by_client}, {client_address}" if typed_by_client else client_address
    return Client(REMOTE_ADDR=RENDER_PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def log_in(client: Client, password: str):
    return client.post(reverse("admin:login"), {"username": "admin", "password": password})


@pytest.fixture
def render_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_FAILURES_PER_USERNAME = 5


@pytest.mark.django_db
def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out(admin_user, render_proxy):
    stranger = behind_render(STRANGER)
    for _ in range(5):
        assert log_in(stranger, "guess").status_code == 200  # "wrong password"

    refused = log_in(stranger, "right-pass")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 15 * 60

    owner = behind_render(OWNER)
    assert log_in(owner, "right-pass").status_code == 302
    assert owner.session["_auth_user_id"] == str(admin_user.pk)


@pytest.mark.django_db
def test_a_guesser_cannot_dodge_the_lock_by_typing_x_forwarded_for(admin_user, render_proxy):
    for n in range(5):
        log_in(behind_render(STRANGER, typed_by_client=f"192.0.2.{n}"), "guess")

    assert log_in(behind_render(STRANGER, typed_by_client="192.0.2.77"), "x").status_code == 429


@pytest.mark.django_db
def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(admin_user, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 2
    for n in range(2):
        log_in(Client(REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), "guess")

    assert log_in(Client(REMOTE_ADDR=STRANGER), "right-pass").status_code == 429
    assert log_in(Client(REMOTE_ADDR=OWNER), "right-pass").status_code == 302


@pytest.mark.django_db
def test_one_address_trying_many_usernames_is_told_when_to_retry(settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 120
    client = Client(REMOTE_ADDR=STRANGER)
    for n in range(4):
        client.post(reverse("admin:login"), {"username": f"user{n}", "password": "guess"})

    refused = client.post(reverse("admin:login"), {"username": "someone", "password": "x"})
    assert refused.status_code == 429
    assert 110 <= int(refused["Retry-After"]) <= 120
    assert "try again in 2 minutes" in refused.content.decode()


@pytest.mark.django_db
def test_logging_in_clears_the_owners_own_failures(admin_user, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    owner = Client(REMOTE_ADDR=OWNER)
    log_in(owner, "typo")
    log_in(owner, "typo again")
    assert log_in(owner, "right-pass").status_code == 302
    owner.logout()

    log_in(owner, "typo")
    log_in(owner, "typo again")
    assert log_in(owner, "right-pass").status_code == 302
