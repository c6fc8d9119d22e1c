from django.contrib import admin, messages
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

import conversations.admin_templates  # noqa: F401  (registers the message template admin)
from conversations.models import (
    Conversation,
    ConversationLog,
    Direction,
    DraftOutcome,
    DraftReview,
    MediaState,
    Message,
    MessageMedia,
    MessageStatus,
    MessageType,
    ReplyState,
)
from conversations.selectors import thread_tail
from conversations.services.agent import set_handoff_state
from conversations.services.bot import retry_bot_reply
from conversations.services.media import check_media_window, retry_media_download
from conversations.services.outbound import (
    WINDOW_CLOSED_CODE,
    WINDOW_CLOSED_TITLE,
    CannotSend,
    check_can_send,
    retry_failed_send,
)
from conversations.services.templates import check_template_resend

# Inbound reply states worth a word in the thread; "answered" is what the next bubble shows.
NOTEWORTHY_REPLY_STATES = {
    ReplyState.PENDING,
    ReplyState.DRAFTED,
    ReplyState.BY_AGENT,
    ReplyState.SKIPPED,
    ReplyState.FAILED,
}

# WhatsApp caps a text at 4,096 characters; a longer one (a hostile webhook) is kept whole in
# the database but shown only up to here, so the profile page stays usable.
THREAD_TEXT_CHARS = 10_000


def staff_name(user) -> str:
    """How the back office names a colleague: full name when known, else the username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def reply_note(message: Message) -> str:
    """The bot's state for an inbound message, with why it failed when the brain said so."""
    if message.reply_state not in NOTEWORTHY_REPLY_STATES:
        return ""
    note = message.get_reply_state_display()
    if message.reply_state == ReplyState.FAILED and message.reply_error:
        note = f"{note} ({message.reply_error})"
    return note


def render_thread(conversation: Conversation, *, request=None) -> str:
    """The thread as the back office shows it: newest last, capped, with a link to all.

    With the `request`, buttons inside it (a media download's Retry) get the user's
    permissions and a CSRF token; without it the thread is read-only.
    """
    tail = thread_tail(conversation)
    for message in tail.messages:
        message.sent_by_name = staff_name(message.sent_by)
        message.reply_note = reply_note(message)
        message.hidden_chars = max(0, len(message.text) - THREAD_TEXT_CHARS)
        if message.hidden_chars:
            message.text = message.text[:THREAD_TEXT_CHARS]
    all_url = (
        reverse("admin:conversations_message_changelist")
        + f"?conversation__id__exact={conversation.pk}"
    )
    return render_to_string(
        "admin/conversations/thread.html",
        {
            "tail": tail,
            "all_url": all_url,
            "window_closed_code": WINDOW_CLOSED_CODE,
            "window_closed_title": WINDOW_CLOSED_TITLE,
        },
        request=request,
    )


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "wa_id",
        "bsuid",
        "handoff_state",
        "profile_complete",
        "last_inbound_at",
        "last_message_at",
    )
    list_filter = ("handoff_state", "last_inbound_at", "last_message_at", "created_at")
    search_fields = (
        "display_name",
        "username",
        "wa_id",
        "bsuid",
        "profile__name",
        "profile__last_name",
        "profile__company",
        "profile__email",
    )
    list_select_related = ("profile",)
    date_hierarchy = "last_message_at"
    fields = (
        "display_name",
        "profile_link",
        "wa_id",
        "bsuid",
        "username",
        "handoff_state",
        "openai_conversation_id",
        "last_inbound_at",
        "last_message_at",
        "created_at",
        "updated_at",
        "thread",
    )
    readonly_fields = (
        "wa_id",
        "bsuid",
        "username",
        "display_name",
        "profile_link",
        "openai_conversation_id",
        "last_inbound_at",
        "last_message_at",
        "created_at",
        "updated_at",
        "thread",
    )

    def has_add_permission(self, request):
        # Conversations start when a user writes to the business, never by hand.
        return False

    def save_model(self, request, obj, form, change):
        # handoff_state is the only editable field; the service logs who switched it.
        if "handoff_state" in form.changed_data:
            set_handoff_state(obj, form.cleaned_data["handoff_state"], actor=request.user)

    @admin.display(boolean=True, description="Profile complete")
    def profile_complete(self, obj):
        profile = getattr(obj, "profile", None)
        return None if profile is None else profile.completion_status

    @admin.display(description="Profile")
    def profile_link(self, obj):
        profile = getattr(obj, "profile", None)
        if profile is None:
            return "—"
        url = reverse("admin:profiles_clientprofile_change", args=[profile.pk])
        return format_html(
            '<a href="{}#bot-panel">{}</a> (drafts, replies and handoff are there)', url, profile
        )

    @admin.display(description="Thread")
    def thread(self, obj):
        return render_thread(obj) if obj.pk else ""


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
    list_display = (
        "timestamp",
        "conversation",
        "direction",
        "sender",
        "type",
        "short_text",
        "status",
        "error",
        "bot_reply",
        "sent_by",
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

    @admin.display(description="Text")
    def short_text(self, obj):
        return Truncator(obj.text).chars(80)

    @admin.display(description="Bot reply", ordering="reply_state")
    def bot_reply(self, obj):
        return reply_note(obj) or obj.get_reply_state_display()

    @admin.display(description="Error", ordering="error_code")
    def error(self, obj):
        if obj.error_code is None and not obj.error_title:
            return ""
        return Truncator(f"{obj.error_code or ''} {obj.error_title}".strip()).chars(80)


class ReadOnlyAdmin(admin.ModelAdmin):
    """An audit trail: everyone with view permission reads it, nobody edits it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DraftReview)
class DraftReviewAdmin(ReadOnlyAdmin):
    list_display = ("reviewed_at", "conversation", "outcome", "edited", "reviewed_by")
    list_filter = (
        "outcome",
        "edited",
        ("reviewed_by", admin.RelatedOnlyFieldListFilter),
        "reviewed_at",
    )
    search_fields = (
        "original_draft",
        "sent_text",
        "conversation__wa_id",
        "conversation__bsuid",
        "conversation__display_name",
    )
    list_select_related = ("conversation", "reviewed_by")
    date_hierarchy = "reviewed_at"
    fields = (
        "reviewed_at",
        "conversation",
        "outcome",
        "reviewed_by",
        "edited",
        "original_draft",
        "sent_text",
        "message",
    )
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            # Over what the filters select, so "this agent, this month" reads at a glance.
            context["draft_summary"] = self.draft_summary(context["cl"].queryset)
        return response

    @staticmethod
    def draft_summary(queryset) -> str:
        """ "N drafts approved, M of them unedited (P %)", from one aggregate query."""
        approved = Q(outcome=DraftOutcome.APPROVED)
        counts = queryset.order_by().aggregate(
            approved=Count("pk", filter=approved),
            unedited=Count("pk", filter=approved & Q(edited=False)),
            discarded=Count("pk", filter=Q(outcome=DraftOutcome.DISCARDED)),
        )
        approved_count, unedited = counts["approved"], counts["unedited"]
        share = round(100 * unedited / approved_count) if approved_count else 0
        return (
            f"{approved_count} draft{'s' if approved_count != 1 else ''} approved, "
            f"{unedited} of them unedited ({share} %); {counts['discarded']} discarded."
        )


@admin.register(ConversationLog)
class ConversationLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "conversation", "action", "actor_name", "short_detail")
    list_filter = ("action", ("actor", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = (
        "detail",
        "conversation__wa_id",
        "conversation__bsuid",
        "conversation__display_name",
    )
    list_select_related = ("conversation", "actor")
    date_hierarchy = "created_at"
    fields = ("created_at", "conversation", "action", "actor", "detail")
    readonly_fields = fields

    @admin.display(description="Who", ordering="actor__username")
    def actor_name(self, obj):
        return staff_name(obj.actor) or "Bot"

    @admin.display(description="Detail")
    def short_detail(self, obj):
        return Truncator(obj.detail).chars(100)
