"""What makes a retried API send return the first result instead of a second message."""

from django.conf import settings
from django.db import models

from conversations.models.threads import Message


class ApiIdempotencyKey(models.Model):
    """An `Idempotency-Key` a user sent with a reply, and the message that reply created.

    Unique per user: two clients of one CRM must not collide with another user's keys. The
    request is kept only as a digest, so that the same key with another body is refused
    without storing the text a second time (an erasure deletes these rows).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} → message {self.message_id}"
