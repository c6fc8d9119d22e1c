"""The health check Render polls before it routes traffic to a new deploy."""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@require_GET
def healthz(request):
    """Answer 200 only when the database answers, so a deploy without it never goes live."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("Health check: database unreachable", extra={"error": str(exc)})
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class HealthCheckMiddleware:
    """Answers /healthz before anything checks the Host header or redirects to HTTPS.

    A platform's health checker may call the service by its internal address, which is not
    in ALLOWED_HOSTS: Django would answer 400 and the deploy would never go live.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
