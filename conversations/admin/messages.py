"""Messages in the admin: read-only history, with the retries an agent may push along."""

from django.contrib import admin, messages
from django.utils.text import Truncator

from conversations.admin.thread import reply_note, staff_name
from conversations.models import (
    Direction,
    MediaState,
    Message,
    MessageMedia,
    MessageStatus,
    MessageType,
    ReplyState,
)
from conversations.services.bot import retry_bot_reply
from conversations.services.media import check_media_window, retry_media_download
from conversations.services.outbound import CannotSend, check_can_send, retry_failed_send
from conversations.services.templates import check_template_resend


class NeedsAttentionFilter(admin.SimpleListFilter):
    """The two kinds of message an agent may have to retry by hand."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("send_failed", "Sending failed"),
            ("reply_failed", "Bot reply failed"),
            ("media_failed", "Media unavailable"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "send_failed":
            return queryset.filter(direction=Direction.OUT, status=MessageStatus.FAILED)
        if self.value() == "reply_failed":
            return queryset.filter(direction=Direction.IN, reply_state=ReplyState.FAILED)
        if self.value() == "media_failed":
            return queryset.filter(media__state=MediaState.FAILED)
        return queryset


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    # Six columns, so the list fits a laptop's screen beside the filters: the sender says
    # the direction, the text its type, the status its error.
    list_display = (
        "timestamp",
        "conversation",
        "from_whom",
        "short_text",
        "status_and_error",
        "bot_reply",
    )
    list_filter = (
        NeedsAttentionFilter,
        "direction",
        "sender",
        "type",
        "status",
        "reply_state",
        "timestamp",
    )
    search_fields = (
        "text",
        "wamid",
        "conversation__wa_id",
        "conversation__bsuid",
        "conversation__display_name",
    )
    list_select_related = ("conversation", "sent_by")
    date_hierarchy = "timestamp"
    raw_id_fields = ("conversation",)
    readonly_fields = [f.name for f in Message._meta.fields]
    actions = ["retry_failed_sends", "retry_failed_bot_replies", "retry_media_downloads"]

    def has_add_permission(self, request):
        # Messages are history: they arrive by webhook or leave through the bot or an agent.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        # Whoever may take over a conversation may also push its stuck messages along.
        return request.user.has_perm("conversations.change_conversation")

    @admin.action(description="Retry sending", permissions=["retry"])
    def retry_failed_sends(self, request, queryset):
        """Re-send failed outbound messages, except where WhatsApp would refuse free text."""
        failed = queryset.filter(direction=Direction.OUT, status=MessageStatus.FAILED)
        queued, refused = 0, []
        for message in failed.select_related("conversation").order_by("timestamp", "id"):
            try:
                if message.type in (MessageType.IMAGE, MessageType.DOCUMENT):
                    check_media_window(message.conversation)  # the caption may be empty
                elif message.type == MessageType.TEMPLATE:
                    check_template_resend(message)  # allowed outside the 24-hour window
                else:
                    check_can_send(message.conversation, message.text)
            except CannotSend as refusal:
                refused.append(str(refusal))
                continue
            queued += retry_failed_send(message, actor=request.user)
        self.message_user(
            request,
            f"Queued {queued} message{'s' if queued != 1 else ''} for sending again.",
            messages.SUCCESS if queued else messages.WARNING,
        )
        for reason in sorted(set(refused)):
            count = refused.count(reason)
            self.message_user(request, f"{count} not retried: {reason}", messages.ERROR)

    @admin.action(description="Retry the bot's reply", permissions=["retry"])
    def retry_failed_bot_replies(self, request, queryset):
        """Give the bot another go at inbound messages it gave up on."""
        failed = queryset.filter(direction=Direction.IN, reply_state=ReplyState.FAILED)
        queued = sum(retry_bot_reply(message, actor=request.user) for message in failed)
        self.message_user(
            request,
            f"Queued {queued} message{'s' if queued != 1 else ''} for the bot to answer again.",
            messages.SUCCESS if queued else messages.WARNING,
        )

    @admin.action(description="Retry media download", permissions=["retry"])
    def retry_media_downloads(self, request, queryset):
        """Fetch again the files that show "Media unavailable" (Meta keeps them 7 days)."""
        failed = MessageMedia.objects.filter(
            message__in=queryset.order_by(), state__in=[MediaState.FAILED, MediaState.PENDING]
        )
        queued = sum(retry_media_download(media, actor=request.user) for media in failed)
        self.message_user(
            request,
            f"Downloading {queued} file{'s' if queued != 1 else ''} again.",
            messages.SUCCESS if queued else messages.WARNING,
        )

    @admin.display(description="From", ordering="sender")
    def from_whom(self, obj):
        return " ".join(filter(None, [obj.get_sender_display(), staff_name(obj.sent_by)]))

    @admin.display(description="Text")
    def short_text(self, obj):
        text = Truncator(obj.text).chars(80)
        if obj.type == MessageType.TEXT:
            return text
        return f"[{obj.get_type_display()}] {text}".strip()

    @admin.display(description="Bot reply", ordering="reply_state")
    def bot_reply(self, obj):
        return reply_note(obj) or obj.get_reply_state_display()

    @admin.display(description="Status", ordering="status")
    def status_and_error(self, obj):
        status = obj.get_status_display()
        if obj.error_code is None and not obj.error_title:
            return status
        error = Truncator(f"{obj.error_code or ''} {obj.error_title}".strip()).chars(80)
        return f"{status}: {error}" if status else error
