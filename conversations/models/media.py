"""The file behind an image, voice note, video, document or sticker message.

Inbound files are fetched by the worker from Meta's media endpoint into Django's storage
(local files, or an S3-compatible bucket); outbound ones are stored first, then uploaded
to Meta, whose media id the send uses. Only logged-in staff can read them.
"""

from django.db import models
from django.db.models import Q

from conversations.models.threads import Message


class MediaState(models.TextChoices):
    PENDING = "pending", "Waiting for download"
    STORED = "stored", "Stored"
    FAILED = "failed", "Media unavailable: retry"
    REFUSED = "refused", "Refused (too large or not an allowed type)"
    DISABLED = "disabled", "Not downloaded (downloads off, or no WhatsApp connection)"


class MessageMedia(models.Model):
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="media")
    media_id = models.CharField(
        "Meta media id",
        max_length=255,
        blank=True,
        help_text="Inbound: from the webhook (downloadable for 7 days). Outbound: from the upload.",
    )
    mime_type = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=128, blank=True, help_text="As Meta reported it.")
    filename = models.CharField(max_length=255, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="whatsapp/%Y/%m/%d/", max_length=255, blank=True)
    state = models.CharField(max_length=10, choices=MediaState, default=MediaState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=255, blank=True)
    stored_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "message media"
        indexes = [
            # Downloads still owed: retried by the worker, or offered to agents to retry.
            models.Index(
                fields=["state"],
                condition=Q(state__in=["pending", "failed"]),
                name="media_owed_idx",
            )
        ]

    def __str__(self) -> str:
        return self.filename or f"{self.mime_type or 'media'} of message {self.message_id}"
