"""Rows of one phone put together, and rows already here completed, never overwritten.

The legacy file can hold one phone under several spellings (conversations, profiles): the
first row's values win, its blanks filled by the others. A conversation or profile already
here (a re-run, or the webhook got there first) keeps its values and only gets its blank
fields filled, and its `created_at` moves earlier, never later. DatabaseWriter writes by
these rules, and DryRunWriter counts by them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime

from conversations.legacy.rows import LegacyConversation, LegacyProfile
from conversations.models import Conversation
from profiles.completeness import PROFILE_FIELDS
from profiles.models import ClientProfile

FILLABLE_PROFILE_FIELDS = (*PROFILE_FIELDS, "notes")


def earliest(*values: datetime | None) -> datetime | None:
    return min((v for v in values if v is not None), default=None)


def latest(*values: datetime | None) -> datetime | None:
    return max((v for v in values if v is not None), default=None)


def merge_conversation(first: LegacyConversation, other: LegacyConversation) -> LegacyConversation:
    """Two spellings of one phone: the first row's values, its blanks filled by the other."""
    return dataclasses.replace(
        first,
        openai_conversation_id=first.openai_conversation_id or other.openai_conversation_id,
        created_at=earliest(first.created_at, other.created_at),
        updated_at=latest(first.updated_at, other.updated_at),
    )


def merge_profile(first: LegacyProfile, other: LegacyProfile) -> LegacyProfile:
    filled = {f: getattr(first, f) or getattr(other, f) for f in FILLABLE_PROFILE_FIELDS}
    if not first.ai_draft:
        filled.update(ai_draft=other.ai_draft, ai_draft_created_at=other.ai_draft_created_at)
    return dataclasses.replace(
        first,
        created_at=earliest(first.created_at, other.created_at),
        updated_at=latest(first.updated_at, other.updated_at),
        **filled,
    )


def by_wa_id(rows: Iterable, merge) -> dict:
    """The batch's rows keyed by wa_id, rows of one phone merged in legacy order."""
    merged: dict = {}
    for row in rows:
        merged[row.wa_id] = merge(merged[row.wa_id], row) if row.wa_id in merged else row
    return merged


def fill_conversation(conversation: Conversation, legacy: LegacyConversation) -> bool:
    """An existing conversation keeps its thread id; it only started earlier, if anything."""
    changed = False
    if legacy.openai_conversation_id and not conversation.openai_conversation_id:
        conversation.openai_conversation_id = legacy.openai_conversation_id
        changed = True
    if legacy.created_at and legacy.created_at < conversation.created_at:
        conversation.created_at = legacy.created_at
        changed = True
    return changed


def fill_blank_profile_fields(
    profile: ClientProfile, legacy: LegacyProfile, *, now: datetime
) -> list[str]:
    """Fill what the profile lacks from the legacy row; returns the value fields filled."""
    filled = []
    for name in FILLABLE_PROFILE_FIELDS:
        if not getattr(profile, name).strip() and getattr(legacy, name):
            setattr(profile, name, getattr(legacy, name))
            filled.append(name)
    if not profile.ai_draft and legacy.ai_draft:
        profile.ai_draft = legacy.ai_draft
        profile.ai_draft_created_at = legacy.ai_draft_created_at or now
        filled.append("ai_draft")
    return filled


def blank_profile(created_at: datetime) -> LegacyProfile:
    """The profile of a conversation the legacy file had none for, as a webhook starts one."""
    return LegacyProfile(
        row=0,
        phone_number="",
        wa_id=None,
        name="",
        last_name="",
        company="",
        email="",
        manual_mode=False,
        created_at=created_at,
    )
