"""The trail around conversations: who did what, draft decisions, and live events."""

from django.conf import settings
from django.db import models

from conversations.models.threads import Conversation, Message


class LogAction(models.TextChoices):
    MANUAL_ON = "manual_on", "Manual mode on"
    MANUAL_OFF = "manual_off", "Manual mode off"
    HANDOFF = "handoff", "Handoff state changed"
    DRAFT_CREATED = "draft_created", "Draft written by the bot"
    DRAFT_APPROVED = "draft_approved", "Draft approved and sent"
    DRAFT_DISCARDED = "draft_discarded", "Draft discarded"
    AGENT_REPLY = "agent_reply", "Agent replied"
    SEND_RETRIED = "send_retried", "Sending retried"
    REPLY_RETRIED = "reply_retried", "Bot reply retried"
    PROFILE_EDITED = "profile_edited", "Profile fields typed by an agent"
    FIELDS_CONFIRMED = "fields_confirmed", "Bot's profile values confirmed"
    TEMPLATE_SENT = "template_sent", "Template message sent"
    MEDIA_SENT = "media_sent", "Image or document sent"
    FOLLOW_UP = "follow_up", "Follow-up template sent to a silent lead"
    PHONE_REPLY = "phone_reply", "Replied from the business phone"
    MARKETING_STOPPED = "marketing_stopped", "User stopped marketing messages"
    MARKETING_RESUMED = "marketing_resumed", "User resumed marketing messages"
    BLOCKED = "blocked", "Contact blocked"
    UNBLOCKED = "unblocked", "Contact unblocked"
    ASSIGNED = "assigned", "Assignment changed"
    EXPORTED = "exported", "Contact's data exported"
    ERASED = "erased", "Contact's personal data erased"


class ConversationLog(models.Model):
    """Who changed what about a conversation and when: handoffs, drafts, replies."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="log")
    action = models.CharField(max_length=20, choices=LogAction)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the bot or the system did it.",
    )
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        # The bot panel's "Recent activity"; "conversation logs" read like server logs.
        verbose_name = "activity entry"
        verbose_name_plural = "activity log"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["conversation", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor or 'the bot'}"


class DraftOutcome(models.TextChoices):
    APPROVED = "approved", "Approved and sent"
    DISCARDED = "discarded", "Discarded"


class DraftReview(models.Model):
    """An agent's decision on a bot draft, kept to see how often drafts go out unedited."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="draft_reviews"
    )
    outcome = models.CharField(max_length=10, choices=DraftOutcome)
    original_draft = models.TextField()
    sent_text = models.TextField(blank=True)
    edited = models.BooleanField(default=False)
    message = models.OneToOneField(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="draft_review",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-reviewed_at", "-id"]

    def __str__(self) -> str:
        how = "edited" if self.edited else "as written"
        return f"Draft {self.get_outcome_display().lower()} ({how})"


class LiveEvent(models.Model):
    """What staff screens should show now, written in the transaction of the change itself.

    An outbox: an event exists exactly when its change was committed (a rollback takes it
    away too), it is pushed to open dashboards after commit, and a dashboard that lost its
    connection catches up by asking for the events after the last id it saw.
    """

    kind = models.CharField(max_length=32)
    conversation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def as_message(self) -> dict:
        return {
            "id": self.pk,
            "kind": self.kind,
            "conversation_id": self.conversation_id,
            **self.payload,
        }
