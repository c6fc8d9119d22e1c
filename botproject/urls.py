from django.contrib import admin
from django.urls import include, path, reverse_lazy

from accounts.throttle import throttled_admin_login
from botproject.health import healthz
from botproject.ops import views as ops_views
from conversations import analytics_views, media_views
from conversations import views as conversation_views

admin.site.site_header = "WhatsApp bot back office"
admin.site.site_title = "Bot back office"
admin.site.index_title = "Leads, conversations and the bot"
# The admin's "View site": this project has no public site, the dashboard is its front page.
admin.site.site_url = reverse_lazy("dashboard")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("webhooks/", include("webhooks.urls")),
    # Staff play a WhatsApp user against the real webhook; off unless DEBUG or SIMULATOR_ENABLED.
    path("simulator/", include("webhooks.simulator.urls")),
    # The REST API for CRMs: token auth, the admin's roles (conversations/api/).
    path("api/v1/", include("conversations.api.urls")),
    # For a monitor: Bearer OPS_TOKEN or an Admin's session (the admin login would redirect).
    path("ops/status.json", ops_views.operations_json, name="ops-status-json"),
    # The admin's login, refused for a while after repeated failures (password guessing).
    path("admin/login/", throttled_admin_login, name="admin-login"),
    # Inside the admin's URL space and login; before admin.site.urls, which would 404 them.
    path(
        "admin/dashboard/",
        admin.site.admin_view(conversation_views.dashboard),
        name="dashboard",
    ),
    path(
        "admin/dashboard/thread/<int:conversation_id>/",
        admin.site.admin_view(conversation_views.conversation_thread),
        name="dashboard-thread",
    ),
    path(
        "admin/analytics/",
        admin.site.admin_view(analytics_views.analytics),
        name="analytics",
    ),
    path(
        "admin/operations/",
        admin.site.admin_view(ops_views.operations_page),
        name="operations",
    ),
    # Media of messages: staff only, streamed from storage (MEDIA_URL is never served).
    path(
        "admin/media/<int:media_pk>/",
        # cacheable: the view's own "private, max-age" replaces the admin's no-store.
        admin.site.admin_view(media_views.media_file, cacheable=True),
        name="message-media",
    ),
    path(
        "admin/media/<int:media_pk>/retry/",
        admin.site.admin_view(media_views.retry_media),
        name="message-media-retry",
    ),
    path("admin/", admin.site.urls),
]
