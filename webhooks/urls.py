from django.urls import path

from webhooks.views import whatsapp_webhook

app_name = "webhooks"

urlpatterns = [
    path("whatsapp/", whatsapp_webhook, name="whatsapp"),
]
