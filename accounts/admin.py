"""The audit log in the admin: read-only, and only for those allowed to view it (Admins)."""

from django.contrib import admin

from accounts.models import AuditEvent
from conversations.admin.trail import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Nobody writes the log by hand, changes it or deletes from it, not even an Admin."""

    list_display = ("created_at", "actor_name", "action", "target", "detail", "ip_address", "via")
    list_filter = ("action", "via", "created_at", ("actor", admin.RelatedOnlyFieldListFilter))
    search_fields = ("actor_name", "target_id", "detail")
    date_hierarchy = "created_at"
    list_select_related = ("actor",)

    @admin.display(description="Target", ordering="target_id")
    def target(self, obj):
        return f"{obj.target_type} {obj.target_id}".strip()
