from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import Truncator

from conversations.models import Conversation, Message
from conversations.selectors import thread_tail


def render_thread(conversation: Conversation) -> str:
    """The thread as the back office shows it: newest last, capped, with a link to all."""
    tail = thread_tail(conversation)
    all_url = (
        reverse("admin:conversations_message_changelist")
        + f"?conversation__id__exact={conversation.pk}"
    )
    return render_to_string("admin/conversations/thread.html", {"tail": tail, "all_url": all_url})


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

    @admin.display(boolean=True, description="Profile complete")
    def profile_complete(self, obj):
        profile = getattr(obj, "profile", None)
        return None if profile is None else profile.completion_status

    @admin.display(description="Thread")
    def thread(self, obj):
        return render_thread(obj) if obj.pk else ""


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
        "error_code",
    )
    list_filter = ("direction", "sender", "type", "status", "timestamp")
    search_fields = (
        "text",
        "wamid",
        "conversation__wa_id",
        "conversation__bsuid",
        "conversation__display_name",
    )
    list_select_related = ("conversation",)
    date_hierarchy = "timestamp"
    raw_id_fields = ("conversation",)
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        # Messages are history: they arrive by webhook or leave through the bot or an agent.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Text")
    def short_text(self, obj):
        return Truncator(obj.text).chars(80)
