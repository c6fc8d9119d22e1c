"""Writes to staff accounts."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.roles import ROLE_GROUPS


@transaction.atomic
def create_staff_user(*, username: str, role: str, password: str | None = None, email: str = ""):
    """Create (or update) a staff user holding exactly one role group.

    Running it again for an existing user moves them to the new role, and changes the
    password only when one is given, so it is safe in set-up scripts.
    """
    if role not in ROLE_GROUPS:
        raise ValueError(f"Unknown role {role!r}; choose one of {sorted(ROLE_GROUPS)}.")
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    user.is_staff = True
    user.is_active = True
    if email:
        user.email = email
    if password is not None:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    role_groups = Group.objects.filter(name__in=ROLE_GROUPS.values())
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    return user, created
