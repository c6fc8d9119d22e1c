"""`conversation_stats`: the SQL view behind the analytics page's first chart.

One row per event that chart counts: a conversation started, a profile completed. The view
holds no day: a day depends on the site's time zone, which a view cannot take as a
parameter, so the query that reads it groups by day (`TruncDate(..., tzinfo=...)`). Both
branches keep their table's index on the time column, so a date range stays an index scan.
"""

from django.db import models


class StatKind(models.TextChoices):
    CONVERSATION_STARTED = "conversation_started", "New conversation"
    PROFILE_COMPLETED = "profile_completed", "Profile completed"


class ConversationStat(models.Model):
    """Read-only rows of the `conversation_stats` view (migration 0016)."""

    # Twice the conversation id for a start, twice plus one for a completion: unique.
    id = models.BigIntegerField(primary_key=True)
    conversation = models.ForeignKey(
        "conversations.Conversation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    kind = models.CharField(max_length=20, choices=StatKind)
    happened_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "conversation_stats"
        ordering = ["happened_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.happened_at:%Y-%m-%d %H:%M}"
