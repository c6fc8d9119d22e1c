"""The three staff roles and what each may do, declared once.

A data migration creates the groups from this, and a post-migrate hook re-applies it so that
models added by later migrations are covered without a new data migration each time.
"""

from __future__ import annotations

from django.db.models import Q

ADMIN = "Admin"
AGENT = "Agent"
VIEWER = "Viewer"
ROLE_GROUPS: dict[str, str] = {"admin": ADMIN, "agent": AGENT, "viewer": VIEWER}

# What staff work with every day. Raw webhook events are deliberately absent: they hold
# full payloads (phone numbers, message bodies) and are an Admin's debugging tool.
READABLE_MODELS: tuple[tuple[str, str], ...] = (
    ("conversations", "conversation"),
    ("conversations", "message"),
    ("conversations", "conversationlog"),
    ("conversations", "draftreview"),
    ("conversations", "messagetemplate"),
    ("profiles", "clientprofile"),
    ("profiles", "profilefieldsource"),
    ("webhooks", "processedmessage"),
)
# Agents switch manual mode and handoff state and keep notes; they never manage accounts.
AGENT_EDITABLE_MODELS: tuple[tuple[str, str], ...] = (
    ("conversations", "conversation"),
    ("profiles", "clientprofile"),
)


def _permission_filter(actions: tuple[str, ...], models: tuple[tuple[str, str], ...]):
    condition = Q(pk__in=[])
    for app_label, model in models:
        condition |= Q(
            content_type__app_label=app_label,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    return condition


def role_permission_filter(group_name: str) -> Q:
    if group_name == ADMIN:
        return Q()
    if group_name == AGENT:
        return _permission_filter(("view",), READABLE_MODELS) | _permission_filter(
            ("change",), AGENT_EDITABLE_MODELS
        )
    if group_name == VIEWER:
        return _permission_filter(("view",), READABLE_MODELS)
    raise ValueError(f"Unknown role group {group_name!r}")


def sync_role_groups(apps) -> None:
    """Create the role groups if needed and give each exactly its permissions.

    Takes an app registry so the data migration can pass its historical one.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name in ROLE_GROUPS.values():
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = Permission.objects.filter(role_permission_filter(group_name))
        group.permissions.set(permissions)


def is_admin(user) -> bool:
    """An Admin: what only Admins do (exports, erasures) checks this, not a model permission
    that a custom group could be handed by accident."""
    if not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or user.groups.filter(name=ADMIN).exists()
