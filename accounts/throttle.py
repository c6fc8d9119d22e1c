"""Admin login throttling: password guessing is refused after a few failures.

Failures are counted per username and per client address in the cache (Redis in
production, so every web process shares the counts) for LOGIN_FAILURE_WINDOW_SECONDS.
Past the limit the login form answers 429 without checking the password at all, so a
guesser learns nothing until the window has passed. A successful login clears the
username's count.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)


def _key(kind: str, value: str) -> str:
    # Hashed: cache keys must be short and safe whatever a visitor types as username.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def _client_address(request) -> str:
    # daphne --proxy-headers puts the real client (X-Forwarded-For) in REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR") or "unknown"


def _keys(request, username: str) -> dict[str, tuple[str, int]]:
    return {
        "username": (_key("username", username), settings.LOGIN_FAILURES_PER_USERNAME),
        "address": (_key("address", _client_address(request)), settings.LOGIN_FAILURES_PER_ADDRESS),
    }


def is_throttled(request, username: str) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(request, username).values())


@receiver(user_login_failed)
def count_failure(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    for key, _ in _keys(request, credentials.get("username", "")).values():
        cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


@receiver(user_logged_in)
def clear_failures(sender, request, user, **kwargs):
    if request is not None:
        cache.delete(_key("username", user.get_username()))


def throttled_admin_login(request, extra_context=None):
    """The admin's own login view, refused with 429 while a limit is reached."""
    if request.method == "POST" and is_throttled(request, request.POST.get("username", "")):
        logger.warning(
            "Admin login refused: too many failed attempts",
            extra={"address": _client_address(request)},
        )
        context = {
            **admin.site.each_context(request),
            "title": "Too many failed logins",
            "minutes": max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60),
        }
        return TemplateResponse(request, "admin/login_throttled.html", context, status=429)
    return admin.site.login(request, extra_context)
