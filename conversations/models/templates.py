"""WhatsApp message templates, as Meta's Graph API knows them (whatsapp.md §9-§10).

Outside the 24-hour window only an approved template may be sent. Meta is the source of
truth: rows are synced from `GET /{WABA_ID}/message_templates` and kept current by the
template webhooks (status, quality, category); nobody types them here.
"""

from django.db import models


class TemplateCategory(models.TextChoices):
    MARKETING = "MARKETING", "Marketing"
    UTILITY = "UTILITY", "Utility"
    AUTHENTICATION = "AUTHENTICATION", "Authentication"


class TemplateStatus(models.TextChoices):
    """Meta's template statuses; only APPROVED may be sent."""

    APPROVED = "APPROVED", "Approved"
    PENDING = "PENDING", "Pending review"
    REJECTED = "REJECTED", "Rejected"
    PAUSED = "PAUSED", "Paused"
    DISABLED = "DISABLED", "Disabled"
    IN_APPEAL = "IN_APPEAL", "In appeal"
    PENDING_DELETION = "PENDING_DELETION", "Pending deletion"
    DELETED = "DELETED", "Deleted"
    ARCHIVED = "ARCHIVED", "Archived"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED", "Limit exceeded"


class TemplateQuality(models.TextChoices):
    GREEN = "GREEN", "High"
    YELLOW = "YELLOW", "Medium"
    RED = "RED", "Low"
    UNKNOWN = "UNKNOWN", "Not rated yet"


class MessageTemplate(models.Model):
    """One template in one language, as last reported by Meta."""

    meta_id = models.CharField(
        "Meta template id", max_length=64, null=True, blank=True, unique=True
    )
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=16, help_text="Meta's code, e.g. en_US or pt_BR.")
    category = models.CharField(max_length=16, choices=TemplateCategory)
    # Meta may add statuses: stored as given (max_length has room), shown as given.
    status = models.CharField(max_length=20, choices=TemplateStatus, default=TemplateStatus.PENDING)
    rejected_reason = models.CharField(max_length=255, blank=True)
    quality_score = models.CharField(
        max_length=10, choices=TemplateQuality, default=TemplateQuality.UNKNOWN
    )
    components = models.JSONField(
        default=list,
        blank=True,
        help_text="Header, body, footer and buttons, as Meta returns them.",
    )
    synced_at = models.DateTimeField(null=True, blank=True)
    # Meta stopped listing it (deleted there): kept for the messages sent from it, never offered.
    missing_since = models.DateTimeField(
        "not listed by Meta since",
        null=True,
        blank=True,
        help_text="Set when a sync no longer finds it at Meta; it is then not offered for sending.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="template_name_language")
        ]
        indexes = [models.Index(fields=["status", "name"], name="template_status_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"
