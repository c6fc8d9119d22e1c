"""What Meta sent us, kept verbatim, and the ledger of inbound messages already handled."""

from django.db import models


class EventOutcome(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"
    REJECTED = "rejected", "Rejected (answered 400)"


class WebhookEvent(models.Model):
    """One signed POST from Meta, committed before we answer 200 so that nothing is lost.

    The table is also the processing queue (webhooks/queue.py): a pending event is taken by a
    worker for a lease, and taken again once the lease has passed, so that the request does one
    INSERT and a worker that dies mid-event loses nothing.
    """

    body = models.BinaryField(help_text="The exact request body bytes Meta signed.")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=EventOutcome, default=EventOutcome.PENDING)
    error = models.TextField(blank=True, help_text="Why processing failed, if it did.")
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker last took it from the queue."
    )
    claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A worker is processing it until then; past it, pending again for any worker "
        "(retry backoff or a worker that died).",
    )
    summary = models.JSONField(
        default=dict,
        blank=True,
        help_text="What processing found: messages stored and duplicated, statuses applied "
        "and unmatched, Meta's value.errors, ignored fields.",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["outcome", "-received_at"]),
            # The queue's scan: small, since an event leaves it once processed.
            models.Index(
                fields=["id"],
                condition=models.Q(outcome="pending"),
                name="webhook_event_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"Webhook event {self.pk} ({self.outcome})"

    @property
    def body_text(self) -> str:
        return bytes(self.body).decode("utf-8", errors="replace")


class ProcessedMessage(models.Model):
    """The ledger that an inbound wamid has been answered: the database refuses a second claim."""

    wamid = models.CharField("WhatsApp message id", max_length=255)
    processed_at = models.DateTimeField("answered at", auto_now_add=True)

    class Meta:
        # What it is to the staff who open it: the list of messages the bot has answered.
        verbose_name = "reply ledger entry"
        verbose_name_plural = "reply ledger"
        ordering = ["-processed_at"]
        # A constraint rather than unique=True, which on PostgreSQL adds a pattern-ops index
        # that no query uses to a table written once per answered message.
        constraints = [
            models.UniqueConstraint(fields=["wamid"], name="processed_message_wamid_unique")
        ]

    def __str__(self) -> str:
        return self.wamid
