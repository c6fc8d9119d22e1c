"""How each kind of message reads to staff: a location with its map link, a contact card's
names and numbers, a voice note as a voice note. Never a bare "—".

Built from what the webhook stored in `Message.content` (the payload dataclasses, as dicts);
the files of media messages come from `MessageMedia`, shown by the thread's media template.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from conversations.models import MessageType

MAP_URL = "https://www.openstreetmap.org/"
KIND_LABELS = {
    MessageType.IMAGE: "Photo",
    MessageType.AUDIO: "Audio",
    MessageType.VIDEO: "Video",
    MessageType.DOCUMENT: "Document",
    MessageType.STICKER: "Sticker",
    MessageType.LOCATION: "Location",
    MessageType.CONTACTS: "Contact card",
    MessageType.INTERACTIVE: "Button reply",
    MessageType.BUTTON: "Button reply",
    MessageType.REACTION: "Reaction",
    MessageType.ORDER: "Order",
    MessageType.TEMPLATE: "Template",
    MessageType.SYSTEM: "System message",
    MessageType.REQUEST_WELCOME: "Opened the chat",
}


@dataclass(frozen=True, slots=True)
class SharedLocation:
    name: str
    address: str
    latitude: float | None
    longitude: float | None

    @property
    def map_url(self) -> str:
        """A map centred on the pin; built from the numbers alone, never from user text."""
        if self.latitude is None or self.longitude is None:
            return ""
        lat, lon = f"{self.latitude:.6f}", f"{self.longitude:.6f}"
        return f"{MAP_URL}?{urlencode({'mlat': lat, 'mlon': lon})}#map=17/{lat}/{lon}"

    @property
    def coordinates(self) -> str:
        if self.latitude is None or self.longitude is None:
            return ""
        return f"{self.latitude:.5f}, {self.longitude:.5f}"


@dataclass(frozen=True, slots=True)
class SharedCard:
    name: str
    organization: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]


def _text(value) -> str:
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def kind_label(message_type: str, content: dict | None) -> str:
    """What the message is, in words: "Voice message", "Animated sticker", "Location"…"""
    content = content if isinstance(content, dict) else {}
    if message_type == MessageType.AUDIO and content.get("voice"):
        return "Voice message"
    if message_type == MessageType.STICKER and content.get("animated"):
        return "Animated sticker"
    if message_type in (MessageType.UNSUPPORTED, MessageType.UNKNOWN):
        return "A message type WhatsApp does not let us show"
    return KIND_LABELS.get(message_type, message_type.replace("_", " ").capitalize())


def location_of(content: dict | None) -> SharedLocation | None:
    if not isinstance(content, dict):
        return None
    location = SharedLocation(
        name=_text(content.get("name")),
        address=_text(content.get("address")),
        latitude=_number(content.get("latitude")),
        longitude=_number(content.get("longitude")),
    )
    if not (location.name or location.address or location.map_url):
        return None
    return location


def cards_of(content: dict | None) -> list[SharedCard]:
    items = content.get("contacts") if isinstance(content, dict) else None
    cards = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        full = " ".join(
            part for part in (_text(item.get("first_name")), _text(item.get("last_name"))) if part
        )
        phones = tuple(p for p in map(_text, item.get("phones") or ()) if p)
        emails = tuple(e for e in map(_text, item.get("emails") or ()) if e)
        cards.append(
            SharedCard(
                name=_text(item.get("formatted_name")) or full or "Unnamed contact",
                organization=_text(item.get("organization")),
                phones=phones,
                emails=emails,
            )
        )
    return cards


def summary(message_type: str, text: str, content: dict | None, *, revoked: bool = False) -> str:
    """One line for a list (the dashboard's rows): the words, or what the message is."""
    if revoked:
        return "This message was deleted"
    if message_type == MessageType.LOCATION and (location := location_of(content)):
        where = ", ".join(p for p in (location.name, location.address) if p)
        return f"📍 Location: {where or location.coordinates}"
    if message_type == MessageType.CONTACTS and (cards := cards_of(content)):
        names = ", ".join(card.name for card in cards)
        return f"👤 {kind_label(message_type, content)}: {names}"
    if message_type in (MessageType.TEXT, MessageType.INTERACTIVE, MessageType.BUTTON):
        return text or kind_label(message_type, content)
    label = kind_label(message_type, content)
    filename = _text((content or {}).get("filename")) if isinstance(content, dict) else ""
    detail = text or filename
    return f"{label}: {detail}" if detail else label
