"""Background work for the webhook: processing runs here, after Meta has its 200."""

from django.tasks import task


@task()
def process_webhook_event_task(event_id: int) -> dict:
    """Store what one webhook event carries; returns the event's summary for the task log."""
    # Imported here: services enqueue this task, so a top-level import would be circular.
    from webhooks.services import process_webhook_event

    return process_webhook_event(event_id).summary
