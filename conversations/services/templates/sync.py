"""Syncing the templates from Meta: every page read first, then written in one transaction.

Upserts by Meta's id, else by name and language (a template deleted and re-created under
the same name gets a new id). A template Meta no longer lists is kept, for the messages
sent from it, with `missing_since` set: it is no longer offered. A failed read writes
nothing, so a half-read list never marks the rest as missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from conversations.models import MessageTemplate, TemplateQuality, TemplateStatus
from conversations.transport.graph_templates import (
    RemoteTemplate,
    TemplateListClient,
    TemplateListError,
)

logger = logging.getLogger(__name__)

_MAX = {
    name: MessageTemplate._meta.get_field(name).max_length
    for name in ("meta_id", "name", "language", "category", "status", "rejected_reason")
}

__all__ = ["SyncSummary", "TemplateListError", "sync_templates"]


@dataclass(frozen=True, slots=True)
class SyncSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    missing: int = 0  # newly not listed by Meta
    skipped: int = 0  # listed without a name or language

    def __str__(self) -> str:
        return (
            f"{self.created} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.missing} no longer listed by Meta"
            + (f", {self.skipped} skipped (no name or language)" if self.skipped else "")
        )


def _fields(remote: RemoteTemplate) -> dict[str, object]:
    reason = remote.rejected_reason or ""
    quality = remote.quality_score or TemplateQuality.UNKNOWN
    return {
        "name": remote.name[: _MAX["name"]],
        "language": remote.language[: _MAX["language"]],
        "category": (remote.category or "")[: _MAX["category"]],
        "status": (remote.status or TemplateStatus.PENDING)[: _MAX["status"]],
        "rejected_reason": "" if reason.upper() == "NONE" else reason[: _MAX["rejected_reason"]],
        "quality_score": quality if quality in TemplateQuality.values else TemplateQuality.UNKNOWN,
        "components": list(remote.components),
        "missing_since": None,
    }


def _find(remote: RemoteTemplate, meta_id: str | None) -> MessageTemplate | None:
    if meta_id:
        found = MessageTemplate.objects.select_for_update().filter(meta_id=meta_id).first()
        if found is not None:
            return found
    return (
        MessageTemplate.objects.select_for_update()
        .filter(name=remote.name, language=remote.language)
        .first()
    )


def sync_templates(client: TemplateListClient | None = None) -> SyncSummary:
    """Read every template from Meta and store them; raises TemplateListError on failure."""
    client = client or TemplateListClient.from_settings()
    remotes = list(client.templates())
    now = timezone.now()
    created = updated = unchanged = skipped = 0
    seen: set[int] = set()
    with transaction.atomic():
        for remote in remotes:
            if not remote.name or not remote.language:
                skipped += 1
                continue
            meta_id = (remote.meta_id or "")[: _MAX["meta_id"]] or None
            fields = _fields(remote)
            row = _find(remote, meta_id)
            if row is None:
                row = MessageTemplate.objects.create(meta_id=meta_id, synced_at=now, **fields)
                created += 1
            else:
                if meta_id and row.meta_id != meta_id:
                    # The id moved to this name/language: free it on any stale row first.
                    MessageTemplate.objects.filter(meta_id=meta_id).exclude(pk=row.pk).update(
                        meta_id=None
                    )
                    fields["meta_id"] = meta_id
                changed = {k: v for k, v in fields.items() if getattr(row, k) != v}
                for key, value in changed.items():
                    setattr(row, key, value)
                row.synced_at = now
                row.save(update_fields=[*changed, "synced_at", "updated_at"])
                updated += bool(changed)
                unchanged += not changed
            seen.add(row.pk)
        missing = (
            MessageTemplate.objects.filter(missing_since__isnull=True)
            .exclude(pk__in=seen)
            .update(missing_since=now)
        )
    summary = SyncSummary(created, updated, unchanged, missing, skipped)
    logger.info(
        "Templates synced from Meta",
        extra={
            "templates_created": created,
            "templates_updated": updated,
            "templates_missing": missing,
            "templates_skipped": skipped,
        },
    )
    return summary
