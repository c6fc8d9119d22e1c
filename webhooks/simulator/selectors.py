"""What the simulator's phone shows: one user's thread as plain JSON, read from our own tables."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation, Direction, Message, MessageType
from conversations.selectors.threads import APPLIED_TYPES

# As many bubbles as a phone screen scrolls through comfortably.
THREAD_LIMIT = 60
RECENT_PHONES = 20
# Words for messages that have none, as WhatsApp's chat list shows them.
TYPE_LABELS = {
    MessageType.IMAGE: "📷 Photo",
    MessageType.LOCATION: "📍 Location",
    MessageType.AUDIO: "🎤 Voice message",
    MessageType.VIDEO: "🎥 Video",
    MessageType.DOCUMENT: "📄 Document",
    MessageType.STICKER: "Sticker",
    MessageType.CONTACTS: "👤 Contact",
    MessageType.TEMPLATE: "Template message",
}


def recent_phones() -> list[dict]:
    """Phones to pick from: the latest conversations that have a phone number."""
    rows = Conversation.objects.filter(wa_id__isnull=False).values("wa_id", "display_name")
    return list(rows[:RECENT_PHONES])


def last_outbound_wamid(wa_id: str) -> str | None:
    """The business's newest message to `wa_id` that WhatsApp gave an id (sent, at least)."""
    return (
        Message.objects.filter(
            conversation__wa_id=wa_id, direction=Direction.OUT, wamid__isnull=False
        )
        .order_by("-timestamp", "-id")
        .values_list("wamid", flat=True)
        .first()
    )


def _bubble_text(message: Message) -> str:
    if message.revoked_at:
        return "This message was deleted"
    label = TYPE_LABELS.get(message.type, "")
    if message.type == MessageType.LOCATION:
        place = message.content.get("name") or message.content.get("address") or ""
        return f"{label} {place}".strip()
    if label and message.text:
        return f"{label}: {message.text}"
    return message.text or label or message.type


def _bubble(message: Message) -> dict:
    local = timezone.localtime(message.timestamp)
    return {
        "id": message.pk,
        "direction": message.direction,
        "sender": message.get_sender_display(),
        "type": message.type,
        "text": _bubble_text(message),
        "status": message.status,
        "error": f"{message.error_code or ''} {message.error_title}".strip(),
        "reaction": message.reaction,
        "time": local.strftime("%H:%M"),
        "date": local.date().isoformat(),
    }


def simulated_thread(wa_id: str) -> dict:
    """The thread with `wa_id` as the user's phone shows it, and the lead's profile."""
    conversation = (
        Conversation.objects.select_related("profile").filter(wa_id=wa_id).first()
        if wa_id
        else None
    )
    if conversation is None:
        return {"conversation_id": None, "messages": [], "profile": None}
    newest = (
        Message.objects.filter(conversation=conversation)
        .exclude(type__in=(*APPLIED_TYPES, MessageType.REACTION))
        .order_by("-timestamp", "-id")[:THREAD_LIMIT]
    )
    profile = getattr(conversation, "profile", None)
    return {
        "conversation_id": conversation.pk,
        "messages": [_bubble(message) for message in reversed(newest)],
        "profile": None
        if profile is None
        else {
            "label": str(profile),
            "name": profile.name,
            "last_name": profile.last_name,
            "company": profile.company,
            "email": profile.email,
            "complete": profile.completion_status,
            "missing": profile.what_is_missing,
            "manual_mode": profile.manual_mode,
            "url": reverse("admin:profiles_clientprofile_change", args=[profile.pk]),
        },
    }
