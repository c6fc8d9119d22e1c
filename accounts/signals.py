"""Audit rows for what Django itself does: logins, logouts and role-group changes."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token, TokenProxy

from accounts.audit import current_user, record
from accounts.models import AuditAction
from accounts.roles import ROLE_GROUPS


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def audit_login(sender, request, user, **kwargs):
    record(AuditAction.LOGIN, actor=user, target=user, request=request)


@receiver(user_logged_out, dispatch_uid="accounts.audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record(AuditAction.LOGOUT, actor=user, target=user, request=request)


@receiver(user_login_failed, dispatch_uid="accounts.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # The username typed is kept (it may be nobody's): repeated failures are what an
    # Admin looks for after the login throttle has fired.
    typed = str(credentials.get("username", ""))[:150]
    record(
        AuditAction.LOGIN_FAILED, actor_name=typed, detail=f"username {typed!r}", request=request
    )


def _role_pairs(instance, reverse: bool, pk_set) -> list[tuple[object, str]]:
    """(user, role name) for each role group in the change, from either side of it."""
    if reverse:  # group.user_set.add(...): instance is the group, pk_set the users
        if instance.name not in ROLE_GROUPS.values():
            return []
        return [(user, instance.name) for user in get_user_model().objects.filter(pk__in=pk_set)]
    names = Group.objects.filter(pk__in=pk_set, name__in=ROLE_GROUPS.values())
    return [(instance, name) for name in names.values_list("name", flat=True)]


def _held(pairs: list[tuple[object, str]]) -> list[tuple[object, str]]:
    """Of the pairs, those the user really has: Django's remove() signals every pk it is
    given, held or not, and an audit row for a role nobody lost would mislead."""
    return [(user, role) for user, role in pairs if user.groups.filter(name=role).exists()]


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="accounts.audit_roles")
def audit_role_change(sender, instance, action, reverse, model, pk_set, **kwargs):
    """A user gained or lost Admin, Agent or Viewer (by the admin, a command or code)."""
    if action == "pre_remove" and pk_set:
        instance._audit_removed_roles = _held(_role_pairs(instance, reverse, pk_set))
        return
    if action == "post_remove":
        pairs, kind = getattr(instance, "_audit_removed_roles", []), AuditAction.ROLE_REMOVED
        instance._audit_removed_roles = []
    elif action == "post_add" and pk_set:
        pairs, kind = _role_pairs(instance, reverse, pk_set), AuditAction.ROLE_ADDED
    else:
        return
    actor = current_user()
    for user, role in pairs:
        record(kind, actor=actor, target=user, detail=f"{role} for {user.get_username()}")


# The admin saves and deletes DRF's TokenProxy; code (and the tests) use Token itself.
@receiver(post_save, sender=Token, dispatch_uid="accounts.audit_token_created")
@receiver(post_save, sender=TokenProxy, dispatch_uid="accounts.audit_proxy_token_created")
def audit_token_created(sender, instance, created, **kwargs):
    """An API key acts as its user: who was given one, and by whom, belongs in the log."""
    if created:
        record(
            AuditAction.TOKEN_CREATED,
            actor=current_user(),
            target=instance.user,
            detail=f"for {instance.user.get_username()}",
        )


@receiver(post_delete, sender=Token, dispatch_uid="accounts.audit_token_deleted")
@receiver(post_delete, sender=TokenProxy, dispatch_uid="accounts.audit_proxy_token_deleted")
def audit_token_deleted(sender, instance, **kwargs):
    record(
        AuditAction.TOKEN_DELETED,
        actor=current_user(),
        target_type="auth.user",
        target_id=instance.user_id,
        detail="API token revoked",
    )
