from django.contrib import admin
from django.urls import include, path

from botproject.health import healthz

admin.site.site_header = "WhatsApp bot back office"
admin.site.site_title = "Bot back office"
admin.site.index_title = "Leads, conversations and the bot"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("webhooks/", include("webhooks.urls")),
    path("admin/", admin.site.urls),
]
