"""Writing the audit log, with the request's address taken from where the request is.

Services are called with an `actor`, not a request; `AuditContextMiddleware` keeps the
current request's client address and channel (admin or API) in a context variable, so any
service a request reaches can record them without passing the request along.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass

from accounts.models import AuditAction, AuditEvent


@dataclass(frozen=True, slots=True)
class RequestOrigin:
    ip_address: str | None
    via: str


_origin: ContextVar[RequestOrigin | None] = ContextVar("audit_origin", default=None)
_request: ContextVar[object | None] = ContextVar("audit_request", default=None)


def _client_ip(request) -> str | None:
    # daphne --proxy-headers and uvicorn's proxy support put the real client in REMOTE_ADDR.
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def origin_of(request) -> RequestOrigin:
    via = "api" if request.path.startswith("/api/") else "admin"
    return RequestOrigin(ip_address=_client_ip(request), via=via)


class AuditContextMiddleware:
    """Remembers the request's origin for the audit rows written while it is handled."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _origin.set(origin_of(request))
        request_token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(request_token)
            _origin.reset(token)


def current_user():
    """The logged-in user of the request being served, or None (a command, the worker)."""
    user = getattr(_request.get(), "user", None)
    return user if user is not None and user.is_authenticated else None


def record(
    action: str,
    *,
    actor=None,
    target=None,
    target_type: str = "",
    target_id: object = "",
    detail: str = "",
    request=None,
    actor_name: str = "",
) -> AuditEvent:
    """One audit row. `target` is a model instance (its label and pk are kept, never its text).

    `request`, when the caller has one (a signal), wins over the middleware's context.
    """
    origin = origin_of(request) if request is not None else _origin.get()
    if target is not None:
        target_type, target_id = target._meta.label_lower, target.pk
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        action=AuditAction(action),
        actor=actor if authenticated else None,
        actor_name=(actor.get_username() if authenticated else actor_name)[:150],
        target_type=target_type,
        target_id=str(target_id or "")[:64],
        detail=detail[:2000],
        ip_address=origin.ip_address if origin else None,
        via=origin.via if origin else "",
    )
