"""Who may use the simulator, and when it exists at all.

Sending as a WhatsApp user is a change, not a read: Admins and Agents may, Viewers may not.
With DEBUG off the simulator does not exist (404) unless SIMULATOR_ENABLED says so, e.g. on
a demo install: what it posts is stored and answered like any lead's message.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.http import Http404

SIMULATOR_PERMISSION = "conversations.change_conversation"


def simulator_enabled() -> bool:
    return settings.DEBUG or settings.SIMULATOR_ENABLED


def may_simulate(user) -> bool:
    """The simulator is on here and `user` may send with it."""
    return (
        simulator_enabled()
        and getattr(user, "is_active", False)
        and getattr(user, "is_staff", False)
        and user.has_perm(SIMULATOR_PERMISSION)
    )


def simulator_view(view):
    """404 while the simulator is off (for everyone), then the admin's login, then the role."""
    guarded = admin.site.admin_view(
        permission_required(SIMULATOR_PERMISSION, raise_exception=True)(view)
    )

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not simulator_enabled():
            raise Http404("The simulator is off (DEBUG and SIMULATOR_ENABLED are off).")
        return guarded(request, *args, **kwargs)

    return wrapper
