"""The admin's roles, applied to the API: what a role may view or change there, it may here.

Each view names the model permissions a read and a write need; the Admin, Agent and Viewer
groups (accounts/roles.py) hold those permissions, so a Viewer's token reads and never
writes, exactly as in the admin. Only active staff accounts get in at all.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission


class RolePermission(BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        if request.method in SAFE_METHODS:
            needed = getattr(view, "read_permissions", ())
        else:
            needed = getattr(view, "write_permissions", None)
            if needed is None:  # a view that declares no write permission takes no writes
                return False
        return user.has_perms(needed)
