"""The lead's profile the bot fills in from the conversation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from conversations.models import Conversation
from profiles.completeness import PROFILE_FIELDS, missing_profile_fields


class ClientProfile(models.Model):
    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="profile"
    )
    name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    company = models.CharField(max_length=255, blank=True)
    # Not an EmailField: imported and typed values are kept as given; validity is judged
    # by `missing_profile_fields`, which keeps an invalid address out of "complete".
    email = models.CharField(max_length=254, blank=True)
    manual_mode = models.BooleanField(
        default=False,
        help_text="The bot only drafts replies; an agent approves and sends them.",
    )
    ai_draft = models.TextField("AI draft", blank=True)
    ai_draft_created_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    completion_status = models.BooleanField(
        "complete",
        default=False,
        editable=False,
        help_text="Derived from the four profile fields; never set by hand.",
    )
    what_is_missing = models.CharField(
        max_length=64,
        default="name, last_name, company, email",
        editable=False,
        help_text="Derived: the fields still to ask for, in asking order.",
    )
    completed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text="When the profile last became complete (the dashboard counts today's).",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            # The "incomplete profiles" list agents work through all day.
            models.Index(
                fields=["-updated_at"],
                condition=Q(completion_status=False),
                name="profile_incomplete_idx",
            ),
            models.Index(
                fields=["completion_status", "-updated_at"],
                name="profile_completion_idx",
            ),
        ]

    def __str__(self) -> str:
        full_name = f"{self.name} {self.last_name}".strip()
        return full_name or str(self.conversation)

    def save(self, *args, **kwargs):
        # Derived on every save so no code path can store a stale flag.
        self.refresh_completeness()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "completion_status",
                "what_is_missing",
                "completed_at",
                "updated_at",
            }
        super().save(*args, **kwargs)

    def refresh_completeness(self) -> None:
        completeness = missing_profile_fields(
            name=self.name,
            last_name=self.last_name,
            company=self.company,
            email=self.email,
        )
        if completeness.is_complete and not self.completion_status:
            self.completed_at = timezone.now()
        elif not completeness.is_complete:
            self.completed_at = None
        self.completion_status = completeness.is_complete
        self.what_is_missing = completeness.what_is_missing


class FieldSource(models.TextChoices):
    BOT = "bot", "Bot (from the conversation)"
    AGENT = "agent", "Agent"
    IMPORT = "import", "Legacy import"


class ProfileFieldSource(models.Model):
    """Where a profile field's current value came from: a quoted message, or an agent.

    The bot never overwrites a field whose source is an agent or that an agent confirmed.
    """

    # Indexed by one_source_per_field, which starts with it.
    profile = models.ForeignKey(
        ClientProfile, on_delete=models.CASCADE, related_name="sources", db_index=False
    )
    field = models.CharField(max_length=16, choices=[(f, f) for f in PROFILE_FIELDS])
    value = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=10, choices=FieldSource)
    # The three optional references are indexed (for SET NULL when the message or user
    # goes) only where set: most values come from an import or an agent, not both.
    message = models.ForeignKey(
        "conversations.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    quote = models.TextField(blank=True, help_text="The words of the user it was taken from.")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["profile", "field"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "field"], name="one_source_per_field"),
        ]
        indexes = [
            models.Index(
                fields=[name],
                condition=Q(**{f"{name}__isnull": False}),
                name=f"source_{name}_idx",
            )
            for name in ("message", "set_by", "confirmed_by")
        ]

    def __str__(self) -> str:
        return f"{self.field} from {self.get_source_display()}"

    @property
    def protected_from_bot(self) -> bool:
        return self.source == FieldSource.AGENT or self.confirmed_at is not None
