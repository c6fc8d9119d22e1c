"""The audit trail in the admin: draft reviews and the conversation log, read-only."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.text import Truncator

from conversations.admin.thread import staff_name
from conversations.models import ConversationLog, DraftOutcome, DraftReview


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
