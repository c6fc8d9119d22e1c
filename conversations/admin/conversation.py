"""Conversations in the admin: who they are, who answers, who looks after them."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from conversations.admin.thread import render_thread
from conversations.models import Conversation
from conversations.services.agent import set_handoff_state


class AssignedFilter(admin.SimpleListFilter):
    """ "Mine", "Unassigned" (and the admin's own "All"): the views an agent works from."""

    title = "assigned"
    parameter_name = "assigned"
    field = "assigned_to"

    def lookups(self, request, model_admin):
        return [("mine", "Mine"), ("unassigned", "Unassigned")]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(**{self.field: request.user})
        if self.value() == "unassigned":
            return queryset.filter(**{f"{self.field}__isnull": True})
        return queryset


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "whatsapp_id",
        "handoff_state",
        "assigned_to",
        "profile_complete",
        "last_inbound_at",
        "last_message_at",
    )
    list_filter = (
        AssignedFilter,
        "handoff_state",
        "last_inbound_at",
        "last_message_at",
        "created_at",
    )
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
    list_select_related = ("profile", "assigned_to")
    date_hierarchy = "last_message_at"
    fields = (
        "display_name",
        "profile_link",
        "wa_id",
        "bsuid",
        "username",
        "handoff_state",
        "assigned_to",
        "handoff_reason",
        "openai_conversation_id",
        "last_inbound_at",
        "last_message_at",
        "created_at",
        "updated_at",
        "thread",
    )
    readonly_fields = (
        "assigned_to",  # assigned from the profile page's panel, which checks who may
        "handoff_reason",
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

    @admin.display(description="WhatsApp number or user id", ordering="wa_id")
    def whatsapp_id(self, obj):
        """One column for both ways WhatsApp names a user, so the list fits a laptop's screen:
        the phone number, or the business-scoped user id of someone known only by username."""
        return obj.wa_id or obj.bsuid

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
