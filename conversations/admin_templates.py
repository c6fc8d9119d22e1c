"""Message templates in the admin: read-only (Meta is the source), synced by an Admin's button."""

from __future__ import annotations

import json
import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from conversations.models import MessageTemplate
from conversations.services.templates import (
    TemplateListError,
    render_preview,
    sync_templates,
    template_variables,
    unsupported_reason,
)

logger = logging.getLogger(__name__)


class ListedByMetaFilter(admin.SimpleListFilter):
    title = "listed by Meta"
    parameter_name = "listed"

    def lookups(self, request, model_admin):
        return [("yes", "Listed"), ("no", "No longer listed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(missing_since__isnull=True)
        if self.value() == "no":
            return queryset.filter(missing_since__isnull=False)
        return queryset


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "language",
        "category",
        "status",
        "quality_score",
        "rejected_reason",
        "listed",
        "synced_at",
    )
    list_filter = ("status", "category", "quality_score", "language", ListedByMetaFilter)
    search_fields = ("name",)
    list_select_related = ()  # no relations to follow
    fields = (
        "name",
        "language",
        "category",
        "status",
        "rejected_reason",
        "quality_score",
        "meta_id",
        "preview",
        "variables",
        "components_readable",
        "synced_at",
        "missing_since",
        "updated_at",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # templates are created in WhatsApp Manager, then synced

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_sync_permission(self, request) -> bool:
        # Only the Admin role holds change permissions on templates.
        return request.user.has_perm("conversations.change_messagetemplate")

    @admin.display(boolean=True, description="Listed by Meta", ordering="missing_since")
    def listed(self, obj):
        return obj.missing_since is None

    @admin.display(description="Preview")
    def preview(self, obj):
        text = render_preview(obj, {})
        note = unsupported_reason(obj)
        return format_html(
            '<div class="template-text" dir="auto">{}</div>{}',
            text or "—",
            format_html('<p class="help">{}</p>', note) if note else "",
        )

    @admin.display(description="Variables")
    def variables(self, obj):
        found = template_variables(obj)
        if not found:
            return "None"
        return format_html_join(
            ", ",
            "{} (e.g. {})",
            ((v.label, v.example or "—") for v in found),
        )

    @admin.display(description="Components (as Meta returns them)")
    def components_readable(self, obj):
        return format_html(
            '<pre class="wrapped-json">{}</pre>',
            json.dumps(obj.components, indent=2, ensure_ascii=False),
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_sync_templates": self.has_sync_permission(request),
            "sync_url": reverse(f"{self.admin_site.name}:conversations_messagetemplate_sync"),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "sync/",
                self.admin_site.admin_view(self.sync_view),
                name="conversations_messagetemplate_sync",
            ),
            *super().get_urls(),
        ]

    def sync_view(self, request):
        return require_POST(self._sync)(request)

    def _sync(self, request):
        if not self.has_sync_permission(request):
            raise PermissionDenied
        try:
            summary = sync_templates()
        except TemplateListError as exc:
            logger.warning("Template sync from the admin failed", extra={"error": str(exc)})
            self.message_user(request, f"Templates not synced: {exc}", messages.ERROR)
        else:
            self.message_user(request, f"Templates synced from Meta: {summary}.", messages.SUCCESS)
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:conversations_messagetemplate_changelist")
        )
