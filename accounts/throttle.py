"""Admin login throttling: password guessing is refused after a few failures.

Failures are counted in the cache (Redis in production, so every web process shares the
counts) for LOGIN_FAILURE_WINDOW_SECONDS, per client address and per username *from that
address*. Never per username alone: then any stranger could lock `admin` out by typing
wrong passwords. Past a limit the login form answers 429 with Retry-After, without checking
the password at all, so a guesser learns nothing until the window has passed. A successful
login clears that username's count from that address.

Our own counter rather than django-axes: axes' backend must come first in
AUTHENTICATION_BACKENDS and refuses every authenticate() without a request (createstaff,
tests' client.login), its default 429 carries no Retry-After, and its cache handler would
count exactly what these few lines count.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The address of whoever sent the request, as far as our own proxies can vouch for it.

    Each proxy appends the address it was reached from to X-Forwarded-For, so behind
    TRUSTED_PROXY_COUNT proxies the client is that many entries from the right; anything
    further left was typed by the client and is ignored. With no trusted proxy, the TCP peer.
    """
    peer = request.META.get("REMOTE_ADDR") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if not hops:
        return peer
    candidate = hops[max(0, len(hops) - proxies)]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer


def _key(kind: str, *values: str) -> str:
    # Hashed: cache keys must be short and safe whatever a visitor types as username.
    text = "\n".join(value.strip().lower() for value in values)
    return f"login-failures:{kind}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def _counters(request, username: str) -> list[tuple[str, int]]:
    address = client_address(request)
    return [
        (_key("address", address), settings.LOGIN_FAILURES_PER_ADDRESS),
        (_key("username-address", username, address), settings.LOGIN_FAILURES_PER_USERNAME),
    ]


def seconds_until_retry(request, username: str) -> int:
    """0 while logging in is allowed; else how long until the fullest counter expires."""
    now = time.time()
    waits = [
        math.ceil((cache.get(f"{key}:expires") or now + 1) - now)
        for key, limit in _counters(request, username)
        if (cache.get(key) or 0) >= limit
    ]
    return max([max(1, wait) for wait in waits], default=0)


@receiver(user_login_failed)
def count_failure(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key, _ in _counters(request, credentials.get("username", "")):
        # The first failure opens the window; its end is kept for Retry-After.
        if cache.add(key, 0, timeout=window):
            cache.set(f"{key}:expires", time.time() + window, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)


@receiver(user_logged_in)
def clear_failures(sender, request, user, **kwargs):
    if request is not None:
        key = _key("username-address", user.get_username(), client_address(request))
        cache.delete_many([key, f"{key}:expires"])


def throttled_admin_login(request, extra_context=None):
    """The admin's own login view, refused with 429 while a limit is reached."""
    if request.method == "POST":
        wait = seconds_until_retry(request, request.POST.get("username", ""))
        if wait:
            logger.warning(
                "Admin login refused: too many failed attempts",
                extra={"address": client_address(request)},
            )
            context = {
                **admin.site.each_context(request),
                "title": "Too many failed logins",
                "minutes": math.ceil(wait / 60),
            }
            response = TemplateResponse(request, "admin/login_throttled.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
    return admin.site.login(request, extra_context)
