"""The POST body's outer layers: object → entry[] → changes[] → value (whatsapp.md §4)."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._coerce import as_dict, as_str, clip, dict_items, obj
from .account import (
    ECHOES_FIELD,
    TEMPLATE_FIELDS,
    USER_PREFERENCES_FIELD,
    MessageEcho,
    TemplateUpdate,
    UserPreference,
    parse_echoes,
    parse_template_update,
    parse_user_preferences,
)
from .errors import WebhookError, parse_errors
from .messages import InboundMessage, parse_message
from .statuses import Status, parse_status

logger = logging.getLogger(__name__)

MESSAGES_FIELD = "messages"
HANDLED_FIELDS = TEMPLATE_FIELDS | {ECHOES_FIELD, USER_PREFERENCES_FIELD}


@dataclass(frozen=True, slots=True)
class Contact:
    """The sender's profile as Meta shares it; any field may be missing (whatsapp.md §5)."""

    wa_id: str | None
    user_id: str | None
    parent_user_id: str | None
    name: str | None
    username: str | None


@dataclass(frozen=True, slots=True)
class ChangeValue:
    """The `value` of a `messages` change: one business number's messages, statuses and errors."""

    phone_number_id: str | None
    display_phone_number: str | None
    contacts: tuple[Contact, ...]
    messages: tuple[InboundMessage, ...]
    statuses: tuple[Status, ...]
    errors: tuple[WebhookError, ...]

    def contact_for(self, message: InboundMessage) -> Contact | None:
        """The contact who sent `message`, matched by phone then by BSUID.

        Never by position: `contacts[i]` is not guaranteed to belong to `messages[i]`.
        """
        return self.contact_for_wa_id(message.from_wa_id, message.from_user_id)

    def contact_for_wa_id(self, wa_id: str | None, user_id: str | None) -> Contact | None:
        """The contact with this phone, else this BSUID (a user an echo or preference is about)."""
        if wa_id is not None:
            for contact in self.contacts:
                if contact.wa_id == wa_id:
                    return contact
        if user_id is not None:
            for contact in self.contacts:
                if contact.user_id == user_id:
                    return contact
        return None


@dataclass(frozen=True, slots=True)
class Change:
    """One `changes[]` item, parsed by its field; fields nobody acts on are kept in `raw` to log.

    `value` for `messages`; `template_update` for the three template fields; `echoes` for
    `smb_message_echoes` (with `value` for its metadata); `preferences` for `user_preferences`.
    """

    field: str | None
    value: ChangeValue | None
    raw: dict[str, Any] = field(repr=False)
    template_update: TemplateUpdate | None = None
    echoes: tuple[MessageEcho, ...] = ()
    preferences: tuple[UserPreference, ...] = ()

    @property
    def understood(self) -> bool:
        return self.field == MESSAGES_FIELD or self.field in HANDLED_FIELDS


@dataclass(frozen=True, slots=True)
class Entry:
    id: str | None
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class WebhookPayload:
    object: str | None
    entries: tuple[Entry, ...]

    def iter_values(self) -> Iterator[ChangeValue]:
        """Every `messages` value in the batch, in delivery order (Meta batches up to 1000)."""
        for entry in self.entries:
            for change in entry.changes:
                if change.field == MESSAGES_FIELD and change.value is not None:
                    yield change.value

    def iter_changes(self) -> Iterator[Change]:
        """Every change of a field the inbox acts on, `messages` included, in delivery order."""
        for entry in self.entries:
            for change in entry.changes:
                if change.understood:
                    yield change

    @property
    def unknown_fields(self) -> tuple[str, ...]:
        """Distinct field names nobody acts on, to log; they get a 200 and are otherwise ignored."""
        names = (
            change.field
            for entry in self.entries
            for change in entry.changes
            if change.field is not None and not change.understood
        )
        return tuple(dict.fromkeys(names))

    @property
    def changes_without_field(self) -> int:
        """Changes whose `field` is missing or not a string: nothing can route them, say so."""
        return sum(change.field is None for entry in self.entries for change in entry.changes)


def parse_contact(data: dict[str, Any]) -> Contact:
    profile = obj(data.get("profile"))
    return Contact(
        wa_id=as_str(data.get("wa_id")),
        user_id=as_str(data.get("user_id")),
        parent_user_id=as_str(data.get("parent_user_id")),
        name=as_str(profile.get("name")),
        username=as_str(profile.get("username")),
    )


def parse_change_value(data: dict[str, Any]) -> ChangeValue:
    metadata = obj(data.get("metadata"))
    return ChangeValue(
        phone_number_id=as_str(metadata.get("phone_number_id")),
        display_phone_number=as_str(metadata.get("display_phone_number")),
        contacts=tuple(parse_contact(item) for item in dict_items(data.get("contacts"))),
        messages=tuple(parse_message(item) for item in dict_items(data.get("messages"))),
        statuses=tuple(parse_status(item) for item in dict_items(data.get("statuses"))),
        errors=parse_errors(data.get("errors")),
    )


def parse_change(data: dict[str, Any]) -> Change:
    change_field = as_str(data.get("field"))
    value_data = as_dict(data.get("value"))
    if value_data is None or change_field is None:
        return Change(field=change_field, value=None, raw=data)
    if change_field == MESSAGES_FIELD:
        return Change(field=change_field, value=parse_change_value(value_data), raw=data)
    if change_field in TEMPLATE_FIELDS:
        update = parse_template_update(change_field, value_data)
        return Change(field=change_field, value=None, raw=data, template_update=update)
    if change_field == ECHOES_FIELD:
        return Change(
            field=change_field,
            value=parse_change_value(value_data),
            raw=data,
            echoes=parse_echoes(value_data),
        )
    if change_field == USER_PREFERENCES_FIELD:
        return Change(
            field=change_field,
            value=parse_change_value(value_data),
            raw=data,
            preferences=parse_user_preferences(value_data),
        )
    return Change(field=change_field, value=None, raw=data)


def parse_entry(data: dict[str, Any]) -> Entry:
    return Entry(
        id=as_str(data.get("id")),
        changes=tuple(parse_change(item) for item in dict_items(data.get("changes"))),
    )


def parse_webhook(data: object) -> WebhookPayload:
    """Parse an already JSON-decoded POST body; total: any JSON value gives a payload, never raises.

    Meta retries anything but a 200 for 7 days, so a body we half understand must still parse:
    unreadable pieces are skipped or kept raw, never allowed to fail the request.
    """
    body = as_dict(data)
    if body is None:
        logger.warning(
            "WhatsApp webhook body is not a JSON object",
            extra={"body_type": type(data).__name__},
        )
        return WebhookPayload(object=None, entries=())
    payload = WebhookPayload(
        object=as_str(body.get("object")),
        entries=tuple(parse_entry(item) for item in dict_items(body.get("entry"))),
    )
    if payload.object not in (None, "whatsapp_business_account"):
        logger.warning(
            "WhatsApp webhook for an unexpected object type",
            extra={"object": clip(payload.object)},
        )
    return payload
