"""The lead's profile the bot fills in from the conversation."""

from django.db import models
from django.db.models import Q

from conversations.models import Conversation
from profiles.completeness import missing_profile_fields


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
        self.completion_status = completeness.is_complete
        self.what_is_missing = completeness.what_is_missing
