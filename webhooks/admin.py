from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.text import Truncator

from accounts.audit import record
from accounts.models import AuditAction
from webhooks.models import EventOutcome, ProcessedMessage, WebhookEvent
from webhooks.services import process_webhook_event

# A hostile body can be 10 MiB on one line; the page shows its start, the database keeps it all.
BODY_SHOWN_CHARS = 100_000


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """Raw events, for Admins only (the role groups give nobody else `view_webhookevent`)."""

    list_display = (
        "id",
        "received_at",
        "processed_at",
        "outcome",
        "attempts",
        "short_summary",
        "short_error",
    )
    list_filter = ("outcome", "received_at", "processed_at")
    search_fields = ("error",)
    date_hierarchy = "received_at"
    fields = (
        "received_at",
        "claimed_at",
        "claimed_until",
        "processed_at",
        "outcome",
        "attempts",
        "summary",
        "error",
        "pretty_body",
    )
    readonly_fields = fields
    # The list never needs the (possibly large) body.
    list_select_related = ()
    actions = ["replay"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            queryset = queryset.defer("body")
        return queryset

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_replay_permission(self, request):
        return request.user.has_perm("webhooks.change_webhookevent")

    @admin.action(description="Replay the selected events", permissions=["replay"])
    def replay(self, request, queryset):
        """Run the stored bodies through the pipeline again; it is idempotent, so this is safe."""
        event_ids = list(queryset.order_by("received_at").values_list("pk", flat=True))
        outcomes = [process_webhook_event(event_id).outcome for event_id in event_ids]
        failed = outcomes.count(EventOutcome.FAILED) + outcomes.count(EventOutcome.REJECTED)
        record(
            AuditAction.WEBHOOK_REPLAYED,
            actor=request.user,
            target_type="webhooks.webhookevent",
            detail=f"{len(outcomes)} event(s): {', '.join(str(pk) for pk in event_ids)}",
        )
        level = messages.WARNING if failed else messages.SUCCESS
        self.message_user(
            request, f"Replayed {len(outcomes)} event(s); {failed} did not process.", level
        )

    @admin.display(description="Summary")
    def short_summary(self, obj):
        counts = {k: v for k, v in (obj.summary or {}).items() if isinstance(v, int)}
        return ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in sorted(counts.items()))

    @admin.display(description="Error")
    def short_error(self, obj):
        return Truncator(obj.error).chars(80)

    @admin.display(description="Body")
    def pretty_body(self, obj):
        text = obj.body_text
        hidden = len(text) - BODY_SHOWN_CHARS
        return format_html(
            '<pre class="raw-body">{}</pre>{}',
            text[:BODY_SHOWN_CHARS],
            format_html('<p class="help">… {} more characters not shown.</p>', f"{hidden:,}")
            if hidden > 0
            else "",
        )


@admin.register(ProcessedMessage)
class ProcessedMessageAdmin(admin.ModelAdmin):
    list_display = ("wamid", "processed_at")
    list_filter = ("processed_at",)
    search_fields = ("wamid",)
    date_hierarchy = "processed_at"
    list_select_related = ()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
