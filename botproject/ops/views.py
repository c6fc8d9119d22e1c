"""The Operations page in the admin and the same figures as JSON for a monitor."""

from __future__ import annotations

import hmac
from dataclasses import asdict
from datetime import datetime

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from botproject.ops.selectors import OperationsStatus, operations_status

PERMISSION = "botproject.view_operations"


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def operations_page(request):
    """Admins only (the role groups give Agents and Viewers no botproject permission)."""
    context = {
        **admin.site.each_context(request),
        "title": "Operations",
        "status": operations_status(),
    }
    return render(request, "admin/ops/operations.html", context)


def _bearer_token_matches(request) -> bool:
    expected = settings.OPS_TOKEN
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if not expected or scheme.lower() != "bearer" or not given:
        return False
    # Constant time: a monitor's token must not be guessable byte by byte.
    return hmac.compare_digest(given.strip().encode(), expected.encode())


@require_GET
@never_cache
def operations_json(request):
    """For a monitor: `Authorization: Bearer <OPS_TOKEN>`, or an Admin's session; else 403."""
    allowed = _bearer_token_matches(request) or (
        request.user.is_active and request.user.is_staff and request.user.has_perm(PERMISSION)
    )
    if not allowed:
        return JsonResponse({"error": "forbidden"}, status=403)
    return JsonResponse(status_as_json(operations_status()))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def status_as_json(status: OperationsStatus) -> dict:
    return {
        "now": _iso(status.now),
        "tasks": {
            "due": status.tasks_due,
            "deferred": status.tasks_deferred,
            "oldest_due_age_seconds": status.oldest_due_age_seconds,
            "backlog": [
                {**asdict(row), "oldest_due_since": _iso(row.oldest_due_since)}
                for row in status.backlog
            ],
            "running": status.running_total,
            "running_tasks": [
                {
                    **asdict(task),
                    "started_at": _iso(task.started_at),
                    "running_seconds": _age(status.now, task.started_at),
                }
                for task in status.running
            ],
            "failed_last_hour": status.tasks_failed_last_hour,
            "failed_last_day": status.tasks_failed_last_day,
            "failed": [asdict(row) for row in status.failed_tasks],
        },
        "webhook_events": {
            "waiting": status.events_waiting,
            "oldest_waiting_age_seconds": status.oldest_event_waiting_age_seconds,
            "failed": status.events_failed,
            "failed_last_day": status.events_failed_last_day,
            "rejected_last_day": status.events_rejected_last_day,
        },
        "sends_failed_last_hour": status.sends_failed_last_hour,
        "workers": {
            "alive": status.workers_alive,
            "stale_after_seconds": status.stale_after_seconds,
            "no_worker_for_seconds": status.no_worker_for_seconds,
            "recent": [
                {
                    **asdict(worker),
                    "started_at": _iso(worker.started_at),
                    "last_seen": _iso(worker.last_seen),
                    "stopped_at": _iso(worker.stopped_at),
                    "last_seen_age_seconds": _age(status.now, worker.last_seen),
                }
                for worker in status.workers
            ],
        },
        "warnings": status.warnings,
    }


def _age(now: datetime, since: datetime | None) -> float | None:
    return None if since is None else round(max(0.0, (now - since).total_seconds()), 1)
