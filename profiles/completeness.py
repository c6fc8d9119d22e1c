"""The one place that decides whether a lead's profile is complete.

`completion_status` and `what_is_missing` are never typed by hand: the model, the bot,
the admin and the legacy importer all derive them here, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# The order in which the bot asks for what is missing, and in which it is listed.
PROFILE_FIELDS: tuple[str, ...] = ("name", "last_name", "company", "email")
FIELD_LABELS: dict[str, str] = {
    "name": "name",
    "last_name": "last name",
    "company": "company",
    "email": "email",
}
MISSING_SEPARATOR = ", "


def is_valid_email(value: str | None) -> bool:
    if not value or not value.strip():
        return False
    try:
        validate_email(value.strip())
    except ValidationError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Completeness:
    missing: tuple[str, ...]

    @property
    def is_complete(self) -> bool:
        return not self.missing

    @property
    def what_is_missing(self) -> str:
        """Stored form: field keys in asking order, e.g. "last_name, email"."""
        return MISSING_SEPARATOR.join(self.missing)


def missing_profile_fields(
    *,
    name: str | None,
    last_name: str | None,
    company: str | None,
    email: str | None,
) -> Completeness:
    """Blank fields are missing; an email is missing until it is a valid address."""
    values = {"name": name, "last_name": last_name, "company": company}
    missing = [field for field, value in values.items() if not (value or "").strip()]
    if not is_valid_email(email):
        missing.append("email")
    return Completeness(missing=tuple(f for f in PROFILE_FIELDS if f in missing))


def stored_fields(stored: str) -> tuple[str, ...]:
    """The profile fields a stored list names ("name, last_name"), in profile order."""
    named = stored.split(MISSING_SEPARATOR)
    return tuple(field for field in PROFILE_FIELDS if field in named)


def stored_labels(stored: str) -> str:
    """A stored list as people read it: "name, last_name" -> "name, last name"."""
    return MISSING_SEPARATOR.join(FIELD_LABELS[field] for field in stored_fields(stored))


def missing_field_regex(field: str) -> str:
    """A regex that finds one field key in a stored `what_is_missing` (name ≠ last_name)."""
    return rf"(^|{MISSING_SEPARATOR}){field}({MISSING_SEPARATOR}|$)"
