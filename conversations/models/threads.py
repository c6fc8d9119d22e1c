"""Threads with WhatsApp users and the messages in them.

These names are the contract shared by the webhook receiver, the bot, the legacy importer
and the dashboard; uniqueness that guards against doubled messages lives in the database.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

digits_only = RegexValidator(r"^[0-9]+$", "A WhatsApp id has digits only.")


class HandoffState(models.TextChoices):
    BOT = "bot", "Bot replies"
    HUMAN = "human", "Agent handles"
    PAUSED = "paused", "Paused"


class Conversation(models.Model):
    """One per WhatsApp user, known by phone (wa_id), by business-scoped id, or both."""

    wa_id = models.CharField(
        "WhatsApp id",
        max_length=32,
        null=True,
        blank=True,
        unique=True,
        validators=[digits_only],
        help_text="The user's phone number as WhatsApp reports it: digits only.",
    )
    bsuid = models.CharField(
        "business-scoped user id",
        max_length=160,
        null=True,
        blank=True,
        unique=True,
        help_text="Meta's BSUID (e.g. US.1349…), present when the phone is hidden.",
    )
    username = models.CharField(max_length=64, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    openai_conversation_id = models.CharField("OpenAI conversation id", max_length=255, blank=True)
    handoff_state = models.CharField(max_length=10, choices=HandoffState, default=HandoffState.BOT)
    handoff_reason = models.CharField(
        "why a person answers",
        max_length=255,
        blank=True,
        editable=False,
        help_text="Set when the bot handed the conversation over (a price, availability or "
        "complaint question); cleared when it is handed back.",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_conversations",
        help_text="The agent who looks after this conversation.",
    )
    last_inbound_at = models.DateTimeField(
        "last message from the user",
        null=True,
        blank=True,
        help_text="Opens WhatsApp's 24-hour window for free-form replies.",
    )
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    marketing_opt_out_at = models.DateTimeField(
        "stopped marketing messages at",
        null=True,
        blank=True,
        help_text="Set by WhatsApp's user_preferences webhook: marketing templates are refused "
        "while it is set.",
    )
    # WhatsApp's time of the last stop or resume applied: Meta delivers out of order, and an
    # older preference arriving late must not undo a newer one.
    marketing_preference_at = models.DateTimeField(null=True, blank=True, editable=False)
    blocked_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Blocked by the business: the bot does not answer and no template is sent.",
    )
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When an Admin erased the contact's personal data; the row stays as the "
        "tombstone that keeps their message ids (conversations/services/erasure.py).",
    )
    # The follow-up of a silent, incomplete lead: the silence it answered is the one that
    # began at this last_inbound_at, so a second follow-up needs the lead to write again.
    followed_up_silence_of = models.DateTimeField(null=True, blank=True, editable=False)
    followed_up_at = models.DateTimeField("last follow-up sent at", null=True, blank=True)
    # When the conversation's one waiting answer task is due; NULL when none is waiting. Set
    # under the row's lock where a message is stored, so a burst enqueues one task, not one
    # per message (conversations/services/reply_queue.py).
    answer_task_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            # A conversation nobody can be reached on would be an orphan.
            models.CheckConstraint(
                condition=Q(wa_id__isnull=False) | Q(bsuid__isnull=False),
                name="conversation_has_wa_id_or_bsuid",
            ),
            models.CheckConstraint(
                condition=~Q(wa_id="") & ~Q(bsuid=""),
                name="conversation_ids_not_empty",
            ),
        ]
        indexes = [models.Index(fields=["handoff_state", "-last_message_at"])]
        # Agents take conversations themselves; giving one to somebody else is an Admin's.
        permissions = [("assign_others", "Can assign conversations to other staff")]

    def __str__(self) -> str:
        who = self.wa_id or self.bsuid or "?"
        return f"{self.display_name} ({who})" if self.display_name else who


class Direction(models.TextChoices):
    IN = "in", "Inbound"
    OUT = "out", "Outbound"


class Sender(models.TextChoices):
    USER = "user", "User"
    BOT = "bot", "Bot"
    AGENT = "agent", "Agent"
    # Typed in the WhatsApp Business app on the business's own phone (coexistence echoes).
    PHONE = "phone", "Business phone"
    SYSTEM = "system", "System"


class MessageType(models.TextChoices):
    """Meta's names for message types; anything Meta adds later is stored as unsupported."""

    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACTS = "contacts"
    INTERACTIVE = "interactive"
    BUTTON = "button"
    REACTION = "reaction"
    ORDER = "order"
    SYSTEM = "system"
    REVOKE = "revoke"
    EDIT = "edit"
    REQUEST_WELCOME = "request_welcome"
    TEMPLATE = "template"
    UNKNOWN = "unknown"
    UNSUPPORTED = "unsupported"


class MessageStatus(models.TextChoices):
    """Delivery states of an outbound message, in the order they may only move forward."""

    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    PLAYED = "played", "Played"
    FAILED = "failed", "Failed"


class ReplyState(models.TextChoices):
    """Where the bot is with answering an inbound message."""

    NONE = "", "No reply needed"
    PENDING = "pending", "Waiting for the bot"
    ANSWERED = "answered", "Answered by the bot"
    DRAFTED = "drafted", "Drafted for an agent"
    BY_AGENT = "agent", "Answered by an agent"
    SKIPPED = "skipped", "Bot paused"
    FAILED = "failed", "Bot failed: retry"


class Message(models.Model):
    # Indexed by message_thread_idx, which starts with it: a second index would only slow writes.
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    direction = models.CharField(max_length=3, choices=Direction)
    sender = models.CharField(max_length=10, choices=Sender)
    type = models.CharField(max_length=32, choices=MessageType, default=MessageType.TEXT)
    text = models.TextField(blank=True, help_text="Text or caption; never truncated.")
    wamid = models.CharField("WhatsApp message id", max_length=255, null=True, blank=True)
    status = models.CharField(
        max_length=10,
        choices=MessageStatus,
        blank=True,
        help_text="Delivery state of an outbound message.",
    )
    error_code = models.IntegerField(null=True, blank=True)
    error_title = models.CharField(max_length=255, blank=True)
    # Each tick's time, kept whatever order Meta's status webhooks arrive in.
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    timestamp = models.DateTimeField(help_text="When it happened on WhatsApp.")
    content = models.JSONField(
        default=dict,
        blank=True,
        help_text="Type-specific fields: media id and mime type, coordinates, reply ids…",
    )
    reply_to_wamid = models.CharField(
        "in reply to", max_length=255, blank=True, help_text="The quoted message's wamid."
    )
    reaction = models.CharField(
        max_length=32, blank=True, help_text="The user's current emoji reaction to it."
    )
    reaction_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField("deleted by the user at", null=True, blank=True)
    edited_at = models.DateTimeField(
        "last edited at", null=True, blank=True, help_text="Earlier texts are its edits."
    )
    template = models.ForeignKey(
        "conversations.MessageTemplate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # see message_template_idx
        help_text="The approved template this message was sent from.",
    )
    raw = models.JSONField(default=dict, blank=True)
    reply_state = models.CharField(
        "bot reply", max_length=10, choices=ReplyState, default=ReplyState.NONE, blank=True
    )
    reply_attempts = models.PositiveSmallIntegerField(default=0)
    reply_error = models.CharField(
        "why the bot failed",
        max_length=255,
        blank=True,
        editable=False,
        help_text="Set when the brain refused the turn for good (a wrong API key, a bad "
        'request): shown with "Bot failed" so staff know what to fix before retrying.',
    )
    asked_for = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="The profile fields this bot message asked the lead for (comma-separated), "
        "so that the lead's answer is read as the answer to that question.",
    )
    idempotency_key = models.UUIDField(
        null=True,
        blank=True,
        editable=False,
        help_text="Sent to Meta as biz_opaque_callback_data: a status echoing it identifies "
        "this message even when the send call timed out after Meta accepted it.",
    )
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_send_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # see message_sent_by_idx
        help_text="The agent who wrote or approved it.",
    )
    legacy_id = models.BigIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The row id in the legacy Flask bot's database it was imported from.",
    )
    # With legacy_id, what makes it the same message in a grown copy of that file and another
    # one in a different file (conversations/legacy/identity.py); NULL if imported before.
    legacy_digest = models.BigIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="A digest of the legacy row's raw values, so a re-import adds nothing.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [
            # A thread, newest first: the profile page and the dashboard read it this way.
            models.Index(fields=["conversation", "-timestamp", "-id"], name="message_thread_idx"),
            models.Index(fields=["-timestamp"], name="message_timestamp_idx"),
            # For SET NULL when a user is deleted; most messages have no agent, so no entry.
            models.Index(
                fields=["sent_by"], condition=Q(sent_by__isnull=False), name="message_sent_by_idx"
            ),
            models.Index(
                fields=["template"],
                condition=Q(template__isnull=False),
                name="message_template_idx",
            ),
            # The bot's queue: inbound messages still waiting for a reply.
            models.Index(
                fields=["conversation", "timestamp"],
                condition=Q(reply_state__in=["pending", "failed"]),
                name="message_awaiting_reply_idx",
            ),
            # Edits and deletions waiting for the message they name, looked up on each arrival.
            models.Index(
                fields=["conversation"],
                condition=Q(type__in=["edit", "revoke"]),
                name="message_change_idx",
            ),
        ]
        # Unique keys as partial constraints: rows without the key (a draft has no wamid, a
        # webhook message no legacy id) add no index entry, and a CharField's unique=True
        # would add a second, pattern-ops index on PostgreSQL that no query uses.
        constraints = [
            models.UniqueConstraint(
                fields=["wamid"], condition=Q(wamid__isnull=False), name="message_wamid_unique"
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="message_idempotency_key_unique",
            ),
            models.UniqueConstraint(
                fields=["legacy_id", "legacy_digest"],
                condition=Q(legacy_id__isnull=False),
                name="message_legacy_key_unique",
            ),
            models.CheckConstraint(condition=~Q(wamid=""), name="message_wamid_not_empty"),
            models.CheckConstraint(
                condition=Q(direction="out") | Q(status=""),
                name="message_status_only_outbound",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.type} {self.wamid or self.pk}"


class MessageEdit(models.Model):
    """A text a message had before it was edited on WhatsApp; newest edit last.

    The user edits their messages, the business phone its own (an echoed edit). `edit` is
    the `edit` message that replaced the text: one row per edit message, so a redelivered
    edit cannot add a second copy of the history. `conversations.services.edits` keeps the
    rows in WhatsApp's time order whatever order the edits arrive in.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="edits")
    previous_text = models.TextField(blank=True)
    edited_at = models.DateTimeField(help_text="When it was edited on WhatsApp.")
    edit = models.OneToOneField(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["message", "edited_at", "id"]

    def __str__(self) -> str:
        return f"Edit of message {self.message_id} at {self.edited_at:%Y-%m-%d %H:%M}"
