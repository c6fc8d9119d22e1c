"""Writes to lead profiles, each remembering where its value came from.

The bot fills fields from the conversation; an agent may type or confirm them. What an agent
set or confirmed is the truth: the bot never overwrites it (issue: field provenance).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from conversations.brain import ProfileUpdate
from conversations.models import LogAction, Message
from conversations.services import live
from conversations.services.log import log_action
from profiles.completeness import PROFILE_FIELDS, is_valid_email
from profiles.models import ClientProfile, FieldSource, ProfileFieldSource
from profiles.plain_text import plain_text

logger = logging.getLogger(__name__)

MAX_FIELD_LENGTH = {f: ClientProfile._meta.get_field(f).max_length for f in PROFILE_FIELDS}


@dataclass(frozen=True, slots=True)
class ProfileChange:
    """What one call changed: the fields written and those the bot was not allowed to touch."""

    changed: tuple[str, ...] = ()
    protected: tuple[str, ...] = ()
    became_complete: bool = False


def _clean_value(field: str, value: str) -> str:
    return " ".join(value.replace("\x00", "").split())[: MAX_FIELD_LENGTH[field]]


# What a newer value of a field replaces in its source row: everything but the row's key.
_SOURCE_FIELDS = [
    "value",
    "source",
    "message",
    "quote",
    "set_by",
    "confirmed_by",
    "confirmed_at",
    "updated_at",
]


def _source(
    profile: ClientProfile,
    field: str,
    value: str,
    source: str,
    *,
    message: Message | None = None,
    quote: str = "",
    set_by=None,
) -> ProfileFieldSource:
    """Where the field's new value came from; a new value is unconfirmed until checked."""
    return ProfileFieldSource(
        profile=profile,
        field=field,
        value=value,
        source=source,
        message=message,
        quote=quote,
        set_by=set_by,
    )


def _record_sources(sources: list[ProfileFieldSource]) -> None:
    """Write the sources of one change in one statement (INSERT ... ON CONFLICT DO UPDATE),
    replacing each field's row: a field has one source (one_source_per_field)."""
    if sources:
        ProfileFieldSource.objects.bulk_create(
            sources,
            update_conflicts=True,
            unique_fields=["profile", "field"],
            update_fields=_SOURCE_FIELDS,
        )


def _is_usable(profile: ClientProfile, field: str) -> bool:
    """A value that counts for completeness: only such a value an agent owns is kept from the bot.

    An agent's invalid email, say, still lets the bot store the address the user gives.
    """
    value = getattr(profile, field)
    return is_valid_email(value) if field == "email" else bool(value.strip())


def quoted_message(update: ProfileUpdate, messages: Sequence[Message]) -> Message | None:
    """The message of the turn the update's quote was taken from, else the newest one."""
    quote = update.quote.strip().casefold()
    if quote:
        for message in reversed(messages):
            if quote in message.text.casefold():
                return message
    return messages[-1] if messages else None


def apply_bot_updates(
    profile: ClientProfile,
    updates: Iterable[ProfileUpdate],
    *,
    message: Message | None = None,
    turn: Sequence[Message] = (),
) -> ProfileChange:
    """Write what the bot extracted in one save, each field with the message and quote it
    came from: `message`, or with `turn` (the messages of one bot turn) the one quoted.

    Values are reduced to plain text (profiles/plain_text.py): markup or a link stores nothing.
    Skipped: fields an agent set or confirmed, emails that are not valid addresses, and
    values equal to what is stored; of two usable values for one field the later wins, as
    it would in the conversation. The caller holds the transaction.
    """
    latest: dict[str, tuple[ProfileUpdate, str]] = {}
    for update in updates:
        value = _clean_value(update.field, plain_text(update.value))
        if not value and update.value.strip():
            logger.info("Bot value refused: not plain text", extra={"field": update.field})
        if value and (update.field != "email" or is_valid_email(value)):
            latest[update.field] = (update, value)
    sources = {source.field: source for source in profile.sources.all()} if latest else {}
    was_complete = profile.completion_status
    changed: list[str] = []
    protected: list[str] = []
    new_sources: list[ProfileFieldSource] = []
    for field, (update, value) in latest.items():
        source = sources.get(field)
        if source is not None and source.protected_from_bot and _is_usable(profile, field):
            if value != getattr(profile, field):
                protected.append(field)
            continue
        if value == getattr(profile, field):
            continue
        setattr(profile, field, value)
        changed.append(field)
        new_sources.append(
            _source(
                profile,
                field,
                value,
                FieldSource.BOT,
                message=quoted_message(update, turn) if turn else message,
                quote=update.quote.replace("\x00", "")[:2000],
            )
        )
    _record_sources(new_sources)
    if changed:
        profile.save(update_fields=changed)
        live.profile_changed(profile, fields=changed)
        logger.info(
            "Bot updated a profile",
            extra={"profile_id": profile.pk, "fields": changed, "protected": protected},
        )
    return ProfileChange(
        changed=tuple(changed),
        protected=tuple(protected),
        became_complete=profile.completion_status and not was_complete,
    )


@transaction.atomic
def record_agent_field_changes(
    profile: ClientProfile, values: Mapping[str, str], *, actor
) -> ProfileChange:
    """An agent typed these values: store them and mark each field as the agent's.

    Called with the fields the agent changed on the profile form; fields typed by an agent
    are never overwritten by the bot afterwards.
    """
    was_complete = (
        ClientProfile.objects.filter(pk=profile.pk)
        .values_list("completion_status", flat=True)
        .first()
    )
    changed = [field for field in PROFILE_FIELDS if field in values]
    new_sources, cleared = [], []
    for field in changed:
        value = _clean_value(field, values[field]) if field != "email" else values[field].strip()
        setattr(profile, field, value)
        if value:
            new_sources.append(_source(profile, field, value, FieldSource.AGENT, set_by=actor))
        else:
            cleared.append(field)  # unknown again, and the bot may fill it from the chat
    if cleared:
        ProfileFieldSource.objects.filter(profile=profile, field__in=cleared).delete()
    _record_sources(new_sources)
    if changed:
        profile.save(update_fields=changed)
        live.profile_changed(profile, fields=changed)
        log_action(
            profile.conversation_id,
            LogAction.PROFILE_EDITED,
            actor=actor,
            detail=", ".join(changed),
        )
    return ProfileChange(
        changed=tuple(changed),
        became_complete=profile.completion_status and not was_complete,
    )


@transaction.atomic
def confirm_bot_fields(profile: ClientProfile, *, actor) -> tuple[str, ...]:
    """An agent checked the bot's values: from now on the bot leaves them alone."""
    now = timezone.now()
    sources = ProfileFieldSource.objects.filter(
        profile=profile, source__in=[FieldSource.BOT, FieldSource.IMPORT], confirmed_at__isnull=True
    )
    fields = tuple(sources.values_list("field", flat=True))
    sources.update(confirmed_by=actor, confirmed_at=now)
    if fields:
        log_action(
            profile.conversation_id,
            LogAction.FIELDS_CONFIRMED,
            actor=actor,
            detail=", ".join(fields),
        )
    return fields


@transaction.atomic
def update_profile(profile: ClientProfile, values: Mapping[str, object], *, actor) -> ProfileChange:
    """What an API client may change: the four fields, notes and manual mode.

    Each goes through the path the admin uses, so provenance, the conversation's log and the
    audit log are the same whichever screen or client made the change; values equal to the
    stored ones change nothing (a CRM re-sending a whole record does not claim every field).
    """
    from conversations.services.agent import set_manual_mode

    typed = {
        f: values[f] for f in PROFILE_FIELDS if f in values and values[f] != getattr(profile, f)
    }
    change = record_agent_field_changes(profile, typed, actor=actor)
    if "notes" in values and values["notes"] != profile.notes:
        profile.notes = values["notes"]
        profile.save(update_fields=["notes"])
    if "manual_mode" in values:
        set_manual_mode(profile, bool(values["manual_mode"]), actor=actor)
        profile.refresh_from_db()
    return change
