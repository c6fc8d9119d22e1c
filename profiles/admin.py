from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from conversations.admin import render_thread
from profiles.completeness import FIELD_LABELS, PROFILE_FIELDS, missing_field_regex
from profiles.models import ClientProfile


class MissingFieldFilter(admin.SimpleListFilter):
    """ "Missing: email" and friends, the way agents pick which leads to chase."""

    title = "missing field"
    parameter_name = "missing"

    def lookups(self, request, model_admin):
        return [(field, FIELD_LABELS[field]) for field in PROFILE_FIELDS]

    def queryset(self, request, queryset):
        if self.value() in PROFILE_FIELDS:
            return queryset.filter(Q(what_is_missing__regex=missing_field_regex(self.value())))
        return queryset


@admin.register(ClientProfile)
class ClientProfileAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "company",
        "email",
        "wa_id",
        "completion_status",
        "what_is_missing",
        "manual_mode",
        "handoff_state",
        "updated_at",
    )
    list_filter = (
        "completion_status",
        MissingFieldFilter,
        "manual_mode",
        "conversation__handoff_state",
        "updated_at",
        "created_at",
    )
    search_fields = (
        "name",
        "last_name",
        "company",
        "email",
        "conversation__wa_id",
        "conversation__bsuid",
        "conversation__display_name",
    )
    list_select_related = ("conversation",)
    date_hierarchy = "updated_at"
    fieldsets = (
        (
            None,
            {"fields": ("conversation_link", "name", "last_name", "company", "email")},
        ),
        ("Completeness", {"fields": ("completion_status", "what_is_missing")}),
        ("Bot", {"fields": ("manual_mode", "ai_draft", "ai_draft_created_at")}),
        ("Notes", {"fields": ("notes",)}),
        ("Thread", {"fields": ("thread",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = (
        "conversation_link",
        "completion_status",
        "what_is_missing",
        "ai_draft_created_at",
        "created_at",
        "updated_at",
        "thread",
    )

    def has_add_permission(self, request):
        # A profile is created with its conversation when the lead first writes.
        return False

    @admin.display(description="WhatsApp id", ordering="conversation__wa_id")
    def wa_id(self, obj):
        return obj.conversation.wa_id or obj.conversation.bsuid

    @admin.display(description="Handoff", ordering="conversation__handoff_state")
    def handoff_state(self, obj):
        return obj.conversation.get_handoff_state_display()

    @admin.display(description="Conversation")
    def conversation_link(self, obj):
        url = reverse("admin:conversations_conversation_change", args=[obj.conversation_id])
        return format_html('<a href="{}">{}</a>', url, obj.conversation)

    @admin.display(description="Thread")
    def thread(self, obj):
        return render_thread(obj.conversation)
