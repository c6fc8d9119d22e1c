"""A view that fails the way a careless one would: a lead's words and a secret in its locals,
in a log call's arguments and extra, and in the exception's message."""

import logging

from django.conf import settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger("conversations.services.bot")

LEAD_TEXT = "Hola, soy Zenobia Quillfeather de Pangolin Freight"


@csrf_exempt  # a POST like Meta's webhook, which carries no CSRF token
def failing_view(request):
    lead_text = LEAD_TEXT
    access_token = settings.WHATSAPP_ACCESS_TOKEN
    logger.info("Answering %s", lead_text)  # a breadcrumb
    logger.error(
        "Could not answer %s with %s",
        lead_text,
        access_token,
        extra={"text": lead_text, "token": access_token, "message_id": 7},
    )
    raise ValueError(f"no reply for '{lead_text}' using '{access_token}'\nDETAIL: {lead_text}")


urlpatterns = [path("fail/", failing_view)]
