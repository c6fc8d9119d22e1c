import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """Rates are counted in the cache: each test starts with none spent."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as(staff_user):
    """An API client with the token of a fresh user of the role; None: no credentials."""

    def make(role: str | None, username: str | None = None) -> APIClient:
        client = APIClient()
        if role is not None:
            token = Token.objects.create(user=staff_user(role, username=username))
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
