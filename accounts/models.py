"""The project-wide audit log: who did what, when, from where.

`ConversationLog` (conversations/models/trail.py) stays the trail shown beside one thread,
bot steps included. This log answers another question, for Admins and auditors: what did a
given staff member do across the whole back office, including what has no conversation
(logins, role changes, exports, webhook replays). Staff actions on a conversation are written
to both by `conversations.services.log.log_action`, so no service has to remember two calls.
It never holds a contact's personal data (targets are ids, details are field names and
counts), so erasing a contact leaves it intact as the record of the erasure.
"""

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOGOUT = "logout", "Logged out"
    ROLE_ADDED = "role_added", "Role granted"
    ROLE_REMOVED = "role_removed", "Role taken away"
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_DELETED = "token_deleted", "API token deleted"
    MANUAL_ON = "manual_on", "Manual mode on"
    MANUAL_OFF = "manual_off", "Manual mode off"
    HANDOFF = "handoff", "Handoff state changed"
    DRAFT_APPROVED = "draft_approved", "Draft approved"
    DRAFT_DISCARDED = "draft_discarded", "Draft discarded"
    AGENT_REPLY = "agent_reply", "Reply sent by an agent"
    TEMPLATE_SENT = "template_sent", "Template sent by an agent"
    MEDIA_SENT = "media_sent", "File sent by an agent"
    SEND_RETRIED = "send_retried", "Sending retried"
    REPLY_RETRIED = "reply_retried", "Bot reply retried"
    PROFILE_EDITED = "profile_edited", "Profile fields edited"
    FIELDS_CONFIRMED = "fields_confirmed", "Bot's profile values confirmed"
    BLOCKED = "blocked", "Contact blocked"
    UNBLOCKED = "unblocked", "Contact unblocked"
    CONTACT_EXPORTED = "contact_exported", "Contact exported"
    PROFILES_EXPORTED = "profiles_exported", "Profile list exported"
    CONTACT_ERASED = "contact_erased", "Contact erased"
    WEBHOOK_REPLAYED = "webhook_replayed", "Webhook events replayed"


class AuditEvent(models.Model):
    """One line of the audit log; written once, never changed (the admin is read-only)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for an unknown user (a failed login) or a deleted account.",
    )
    # Kept as text too: the account may be deleted, and the log must still say who it was.
    actor_name = models.CharField("user", max_length=150, blank=True)
    action = models.CharField(max_length=24, choices=AuditAction, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    detail = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    via = models.CharField(
        max_length=8, blank=True, help_text="admin, api, or empty for a command or the worker."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "-created_at"], name="audit_actor_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_name or 'unknown'}"
