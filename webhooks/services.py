"""Receiving Meta's webhooks: keep the body first, process it afterwards, idempotently.

`receive_webhook` runs inside the request and only stores; `process_webhook_event` runs in a
task worker, which takes pending events from the table (webhooks/queue.py), or again from the
admin's replay action, and may run any number of times.
"""

from __future__ import annotations

import dataclasses
import logging
import traceback
from collections import Counter

from django.db import connection, transaction
from django.utils import timezone

from conversations.services import (
    UnstorableMessage,
    apply_message_status,
    record_inbound_message,
)
from conversations.services.echoes import record_message_echo
from conversations.services.preferences import apply_user_preference
from conversations.services.templates import apply_template_update
from webhooks import group_commit
from webhooks.decoding import NotAJsonObject, read_body
from webhooks.models import EventOutcome, WebhookEvent
from webhooks.payloads import Change, ChangeValue, parse_webhook
from webhooks.payloads.envelope import MESSAGES_FIELD

logger = logging.getLogger(__name__)


def new_event(body: bytes) -> WebhookEvent:
    """The event a signed body makes, not saved yet: pending, or rejected with the reason.

    A body that is refused (not a JSON object, too deep, too many updates...) is kept too, so
    that the admin shows what Meta sent and why it was answered 400.
    """
    try:
        read_body(body)
    except NotAJsonObject as exc:
        return WebhookEvent(body=body, outcome=EventOutcome.REJECTED, error=str(exc))
    return WebhookEvent(body=body)


def store_event(event: WebhookEvent) -> int:
    """Commit a new event before Meta gets its answer; its id.

    One INSERT in autocommit, shared with the other requests of the moment
    (webhooks/group_commit.py); inside a caller's transaction, in that transaction. The
    pending row is the work to do: a worker takes it from the table (webhooks/queue.py), so
    there is no second row to write with it.
    """
    if connection.in_atomic_block:
        event.save()
        return event.pk
    return group_commit.writer.insert(event)


def receive_webhook(body: bytes) -> int:
    """Store a signed body as an event; its id, or `NotAJsonObject` once stored as rejected."""
    event = new_event(body)
    event_id = store_event(event)
    if event.outcome == EventOutcome.REJECTED:
        raise NotAJsonObject(event.error)
    return event_id


def process_webhook_event(event_id: int) -> WebhookEvent:
    """Store everything the event carries; safe to run again (replay) on the same event.

    Each message and status is stored in its own transaction, so one bad item is recorded
    as the event's error without losing the rest of the batch.
    """
    event = WebhookEvent.objects.get(pk=event_id)
    try:
        decoded = read_body(bytes(event.body))
    except NotAJsonObject as exc:
        return _finish(event, EventOutcome.REJECTED, error=str(exc), summary={})
    payload = parse_webhook(decoded.data)

    summary: Counter = Counter()
    details: dict[str, list] = {"unknown_statuses": [], "value_errors": [], "failures": []}
    for change in payload.iter_changes():
        _store_change(change, summary, details)
    if ignored := payload.unknown_fields:
        logger.info("Webhook fields ignored", extra={"event_id": event.pk, "fields": ignored})
    result = {
        **summary,
        **{key: items for key, items in details.items() if items},
        **({"ignored_fields": list(ignored)} if ignored else {}),
        **(
            {"changes_without_field": unrouted}
            if (unrouted := payload.changes_without_field)
            else {}
        ),
        **({"repairs": list(decoded.repairs)} if decoded.repairs else {}),
    }
    if details["failures"]:
        return _finish(
            event, EventOutcome.FAILED, error="\n\n".join(details["failures"]), summary=result
        )
    return _finish(event, EventOutcome.PROCESSED, error="", summary=result)


def _store_change(change: Change, summary: Counter, details: dict[str, list]) -> None:
    """Route one change to the service that stores its kind; each item in its own transaction."""
    if change.field == MESSAGES_FIELD:
        if change.value is not None:
            _store_value(change.value, summary, details)
        return
    if change.template_update is not None:
        _store_item(
            f"template {change.template_update.name}",
            lambda: apply_template_update(change.template_update),
            "templates_updated",
            "templates_skipped",  # unchanged (a redelivery) or not synced yet
            summary,
            details,
        )
    for echo in change.echoes:
        contact = change.value.contact_for_wa_id(echo.to_wa_id, echo.to_user_id)
        _store_item(
            f"echo {echo.message.id}",
            lambda echo=echo, contact=contact: record_message_echo(echo, contact),
            "echoes_stored",
            "echoes_duplicate",
            summary,
            details,
        )
    for preference in change.preferences:
        contact = change.value.contact_for_wa_id(preference.wa_id, preference.user_id)
        _store_item(
            f"user preference of {preference.wa_id}",
            lambda preference=preference, contact=contact: apply_user_preference(
                preference, contact
            ),
            "preferences_applied",
            "preferences_unchanged",
            summary,
            details,
        )


def _store_item(label, store, done_key, skipped_key, summary, details) -> None:
    """Run one store in its own transaction; True/False picks the summary key it counts under."""
    try:
        with transaction.atomic():
            done = store()
    except UnstorableMessage as exc:
        summary["items_unstorable"] += 1
        logger.warning("Webhook item cannot be stored: %s", exc, extra={"item": label[:80]})
        return
    except Exception:
        details["failures"].append(f"{label}: {traceback.format_exc(limit=5)}")
        logger.exception("Could not store a webhook item", extra={"item": label[:80]})
        return
    summary[done_key if done else skipped_key] += 1


def _store_value(value: ChangeValue, summary: Counter, details: dict[str, list]) -> None:
    for error in value.errors:
        details["value_errors"].append(dataclasses.asdict(error))
        logger.warning(
            "WhatsApp reported an error in a webhook",
            extra={"code": error.code, "title": error.title, "details": error.details},
        )
    for message in value.messages:
        try:
            with transaction.atomic():
                result = record_inbound_message(message, value.contact_for(message))
        except UnstorableMessage as exc:
            summary["messages_unstorable"] += 1
            logger.warning(
                "Inbound message cannot be stored: %s", exc, extra={"wamid": str(message.id)[:80]}
            )
            continue
        except Exception:
            details["failures"].append(f"message {message.id}: {traceback.format_exc(limit=5)}")
            logger.exception("Could not store an inbound message", extra={"wamid": message.id})
            continue
        summary["messages_stored" if result.created else "messages_duplicate"] += 1
    for status in value.statuses:
        try:
            with transaction.atomic():
                known = apply_message_status(status)
        except Exception:
            details["failures"].append(f"status {status.id}: {traceback.format_exc(limit=5)}")
            logger.exception("Could not apply a status", extra={"wamid": status.id})
            continue
        if known:
            summary["statuses_applied"] += 1
        else:
            # Kept on the event (its body) for audit; not an error (whatsapp.md §15).
            details["unknown_statuses"].append({"id": status.id, "status": status.status})


def _finish(event: WebhookEvent, outcome: str, *, error: str, summary: dict) -> WebhookEvent:
    event.outcome = outcome
    event.error = error
    event.summary = summary
    event.processed_at = timezone.now()
    event.attempts += 1
    event.claimed_until = None
    event.save(
        update_fields=["outcome", "error", "summary", "processed_at", "attempts", "claimed_until"]
    )
    return event
