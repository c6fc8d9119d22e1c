"""Type-specific bodies of inbound messages (whatsapp.md §6), one small dataclass per shape.

Kept apart from the parsers so readers of stored messages can import the shapes alone.
"""

from dataclasses import dataclass
from typing import Any

MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})
# Only these carry a caption a person typed; audio and stickers never do.
CAPTIONED_MEDIA_TYPES = frozenset({"image", "video", "document"})


@dataclass(frozen=True, slots=True)
class TextContent:
    body: str | None
    preview_url: bool | None = None


@dataclass(frozen=True, slots=True)
class MediaContent:
    """Image, audio, video, document or sticker; the file itself is fetched later by `media_id`."""

    kind: str
    media_id: str | None
    mime_type: str | None
    sha256: str | None
    caption: str | None
    filename: str | None
    url: str | None
    voice: bool | None
    animated: bool | None


@dataclass(frozen=True, slots=True)
class LocationContent:
    latitude: float | None
    longitude: float | None
    name: str | None
    address: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class SharedContact:
    """A contact card the user shared; `raw` keeps addresses, urls, vcard etc. we do not model."""

    formatted_name: str | None
    first_name: str | None
    last_name: str | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    organization: str | None
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ContactsContent:
    contacts: tuple[SharedContact, ...]


@dataclass(frozen=True, slots=True)
class InteractiveContent:
    """A tap on a reply button or list row, or a completed Flow (`nfm_reply`).

    `title` is what the user's reply bubble shows: the button/row title, or the Flow's body text.
    """

    interactive_type: str | None
    reply_id: str | None
    title: str | None
    description: str | None
    flow_name: str | None
    flow_response: dict[str, Any] | None
    flow_response_raw: str | None


@dataclass(frozen=True, slots=True)
class ButtonContent:
    """A template quick-reply tap: `payload` is what we set on the button, `text` what they saw."""

    payload: str | None
    text: str | None


@dataclass(frozen=True, slots=True)
class ReactionContent:
    """`emoji` None means the user removed their reaction from `message_id`."""

    message_id: str | None
    emoji: str | None


@dataclass(frozen=True, slots=True)
class OrderItem:
    product_retailer_id: str | None
    quantity: float | None
    item_price: float | None
    currency: str | None


@dataclass(frozen=True, slots=True)
class OrderContent:
    catalog_id: str | None
    text: str | None
    items: tuple[OrderItem, ...]

    @property
    def total(self) -> float | None:
        """Sum of quantity * price; None if any line lacks either or currencies differ.

        A partial or mixed-currency sum would show an agent a wrong amount: worse than none.
        """
        if len({item.currency for item in self.items}) > 1:
            return None
        total = 0.0
        for item in self.items:
            if item.quantity is None or item.item_price is None:
                return None
            total += item.quantity * item.item_price
        return total


@dataclass(frozen=True, slots=True)
class SystemContent:
    """Number / BSUID / identity changes; the new ids let us re-key the customer."""

    system_type: str | None
    body: str | None
    new_wa_id: str | None
    new_user_id: str | None
    previous_user_id: str | None
    identity_hash: str | None


@dataclass(frozen=True, slots=True)
class RevokeContent:
    """The user deleted `original_message_id` for everyone."""

    original_message_id: str | None


@dataclass(frozen=True, slots=True)
class EditContent:
    original_message_id: str | None
    new_text: str | None


@dataclass(frozen=True, slots=True)
class UnsupportedContent:
    """Something we cannot show: Meta's `unsupported`/`unknown`, or a type this code predates."""

    unsupported_type: str | None


MessageContent = (
    TextContent
    | MediaContent
    | LocationContent
    | ContactsContent
    | InteractiveContent
    | ButtonContent
    | ReactionContent
    | OrderContent
    | SystemContent
    | RevokeContent
    | EditContent
    | UnsupportedContent
)


def display_text(content: MessageContent | None) -> str | None:
    """What an agent reads in the thread for this content; None when there are no words."""
    match content:
        case TextContent(body=body):
            return body
        case MediaContent(kind=kind, caption=caption) if kind in CAPTIONED_MEDIA_TYPES:
            return caption
        case ButtonContent(text=text):
            return text
        case InteractiveContent(title=title):
            return title
        case OrderContent(text=text):
            return text
        case SystemContent(body=body):
            return body
        case EditContent(new_text=new_text):
            return new_text
    return None
