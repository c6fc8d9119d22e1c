"""Inbound messages (`value.messages[]`): who sent what, when, in reply to what."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ._coerce import as_bool, as_dict, as_str, as_timestamp, clip, obj
from .content import MEDIA_TYPES, MessageContent, UnsupportedContent, display_text
from .content_parsers import (
    parse_button,
    parse_contacts,
    parse_edit,
    parse_interactive,
    parse_location,
    parse_media,
    parse_order,
    parse_reaction,
    parse_revoke,
    parse_system,
    parse_text,
)
from .errors import WebhookError, parse_errors

logger = logging.getLogger(__name__)

# Types whose body is the object under a key of the same name; media and system need more.
_PARSERS: dict[str, Callable[[object], MessageContent]] = {
    "text": parse_text,
    "location": parse_location,
    "contacts": parse_contacts,
    "interactive": parse_interactive,
    "button": parse_button,
    "reaction": parse_reaction,
    "order": parse_order,
    "revoke": parse_revoke,
    "edit": parse_edit,
}

KNOWN_MESSAGE_TYPES = frozenset(
    {*_PARSERS, *MEDIA_TYPES, "system", "unsupported", "unknown", "request_welcome"}
)


@dataclass(frozen=True, slots=True)
class MessageContext:
    """Why a message points elsewhere: a quoted reply, a forward, or a catalog product enquiry."""

    replied_to_id: str | None
    replied_to_from: str | None
    forwarded: bool
    frequently_forwarded: bool
    referred_product: dict[str, Any] | None

    @property
    def forwarded_flag(self) -> Literal["frequently_forwarded", "forwarded"] | None:
        if self.frequently_forwarded:
            return "frequently_forwarded"
        if self.forwarded:
            return "forwarded"
        return None


@dataclass(frozen=True, slots=True)
class Referral:
    """The Click-to-WhatsApp ad or post the chat started from; `ctwa_clid` feeds ad reports."""

    source_url: str | None
    source_id: str | None
    source_type: str | None
    headline: str | None
    body: str | None
    media_type: str | None
    image_url: str | None
    video_url: str | None
    thumbnail_url: str | None
    ctwa_clid: str | None
    welcome_text: str | None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One user message; `raw` keeps the original object so nothing is lost for unsupported types.

    Either `from_wa_id` or `from_user_id` (BSUID) may be missing since 2026 (whatsapp.md §5).
    """

    id: str | None
    from_wa_id: str | None
    from_user_id: str | None
    from_parent_user_id: str | None
    timestamp: datetime | None
    type: str
    content: MessageContent | None
    text: str | None
    context: MessageContext | None
    referral: Referral | None
    errors: tuple[WebhookError, ...]
    raw: dict[str, Any] = field(repr=False)


def parse_context(data: object) -> MessageContext | None:
    context = as_dict(data)
    if context is None:
        return None
    return MessageContext(
        replied_to_id=as_str(context.get("id")),
        replied_to_from=as_str(context.get("from")),
        forwarded=as_bool(context.get("forwarded")) is True,
        frequently_forwarded=as_bool(context.get("frequently_forwarded")) is True,
        referred_product=as_dict(context.get("referred_product")),
    )


def parse_referral(data: object) -> Referral | None:
    referral = as_dict(data)
    if referral is None:
        return None
    return Referral(
        source_url=as_str(referral.get("source_url")),
        source_id=as_str(referral.get("source_id")),
        source_type=as_str(referral.get("source_type")),
        headline=as_str(referral.get("headline")),
        body=as_str(referral.get("body")),
        media_type=as_str(referral.get("media_type")),
        image_url=as_str(referral.get("image_url")),
        video_url=as_str(referral.get("video_url")),
        thumbnail_url=as_str(referral.get("thumbnail_url")),
        ctwa_clid=as_str(referral.get("ctwa_clid")),
        welcome_text=as_str(obj(referral.get("welcome_message")).get("text")),
    )


def _parse_content(message_type: str, data: dict[str, Any]) -> MessageContent | None:
    if message_type in MEDIA_TYPES:
        return parse_media(message_type, data.get(message_type))
    if message_type in _PARSERS:
        return _PARSERS[message_type](data.get(message_type))
    if message_type == "system":
        return parse_system(data.get("system"), data.get("identity"))
    if message_type == "unsupported":
        return UnsupportedContent(unsupported_type=as_str(obj(data.get("unsupported")).get("type")))
    if message_type == "unknown":
        return UnsupportedContent(unsupported_type=None)
    return None  # request_welcome: the user opened the chat, there is no body


def parse_message(data: dict[str, Any]) -> InboundMessage:
    wamid = as_str(data.get("id"))
    original_type = as_str(data.get("type"))
    if original_type in KNOWN_MESSAGE_TYPES:
        message_type = original_type
        content = _parse_content(original_type, data)
    else:
        # A type newer than this code (or garbage) is still a message the user sent: keep it.
        logger.warning(
            "Inbound WhatsApp message of unrecognised type kept as unsupported",
            extra={"wamid": clip(wamid), "original_type": clip(original_type)},
        )
        message_type = "unsupported"
        content = UnsupportedContent(unsupported_type=original_type)
    return InboundMessage(
        id=wamid,
        from_wa_id=as_str(data.get("from")),
        from_user_id=as_str(data.get("from_user_id")),
        from_parent_user_id=as_str(data.get("from_parent_user_id")),
        timestamp=as_timestamp(data.get("timestamp")),
        type=message_type,
        content=content,
        text=display_text(content),
        context=parse_context(data.get("context")),
        referral=parse_referral(data.get("referral")),
        errors=parse_errors(data.get("errors")),
        raw=data,
    )
