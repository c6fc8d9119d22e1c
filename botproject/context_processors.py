"""Template context for every back-office page."""

from __future__ import annotations

from botproject.ops.selectors import worker_is_running


def worker_status(request) -> dict:
    """`worker_down`: no task worker has reported lately, so no reply goes out. A callable,
    so the query runs only on pages that show it (base_site.html, for staff)."""

    def worker_down() -> bool:
        return not worker_is_running()

    return {"worker_down": worker_down}
