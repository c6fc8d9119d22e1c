"""Edits and deletions of a message already in the thread, by the user or the business phone.

WhatsApp sends an edit or a revoke as a message of its own, naming the original by wamid.
That message is stored like any other (the unique wamid keeps a redelivery out), then applied
to the original here: an edit keeps the text it replaces as a `MessageEdit`, a revoke marks
the original deleted. Meta delivers in any order, so the history is rebuilt from WhatsApp's
timestamps rather than from arrival order, and an edit or revoke that arrives before its
original waits in the thread until the original is stored.

A deleted message's words are blanked in every column staff read or search (text, caption,
edit history): the user deleted it for everyone. The verbatim copies Meta sent (`raw`, and the
webhook event, which only Admins see) stay, as the audit record.
"""

from __future__ import annotations

import logging

from conversations.models import Message, MessageEdit, MessageType, ReplyState
from conversations.services import live

logger = logging.getLogger(__name__)

CHANGE_TYPES = (MessageType.EDIT, MessageType.REVOKE)
# Where `content` repeats a message's words: the text's body, a caption, an edit's new text,
# a tapped button's or list row's title. A deletion blanks them along with `text`.
WORD_KEYS = ("body", "caption", "new_text", "text", "title", "description")
# The keys an edit replaces (WhatsApp only lets users edit texts and captions).
EDITABLE_KEYS = ("body", "caption")


def apply_message_change(change: Message) -> Message | None:
    """Apply a stored edit or revoke to the message it names; None while that is not here yet.

    Only the author changes a message: a user's edit names one of the user's messages, an
    echo's edit one the business sent. Called in the transaction that stored `change`.
    """
    original_wamid = (change.content or {}).get("original_message_id")
    if not original_wamid:
        return None
    original = (
        Message.objects.select_for_update()
        .filter(
            conversation_id=change.conversation_id,
            direction=change.direction,
            wamid=original_wamid,
        )
        .exclude(type__in=CHANGE_TYPES)
        .first()
    )
    if original is None:
        logger.info(
            "Edit or deletion of a message not stored yet: applied when it arrives",
            extra={"message_id": change.pk, "type": change.type},
        )
        return None
    if change.type == MessageType.REVOKE:
        _revoke(original, change)
    else:
        _edit(original, change)
    live.message_changed(original)
    return original


def apply_early_changes(message: Message) -> None:
    """Edits and revokes that arrived before `message` itself: apply them now, oldest first."""
    if not message.wamid or message.type in CHANGE_TYPES:
        return
    early = list(
        Message.objects.filter(
            conversation_id=message.conversation_id,
            direction=message.direction,
            type__in=CHANGE_TYPES,
            content__original_message_id=message.wamid,
        ).order_by("timestamp", "id")
    )
    for change in early:
        apply_message_change(change)
    if early:
        message.refresh_from_db()


def _revoke(original: Message, revoke: Message) -> None:
    if original.revoked_at is not None and original.revoked_at <= revoke.timestamp:
        return
    original.revoked_at = revoke.timestamp
    original.text = ""
    original.content = _blanked(original.content, WORD_KEYS)
    fields = ["revoked_at", "text", "content"]
    if original.reply_state in (ReplyState.PENDING, ReplyState.FAILED):
        # Deleted before the bot got to it: there is nothing left to answer.
        original.reply_state = ReplyState.NONE
        fields.append("reply_state")
    original.save(update_fields=fields)
    MessageEdit.objects.filter(message=original).update(previous_text="")
    for edit in Message.objects.filter(
        conversation_id=original.conversation_id,
        direction=original.direction,
        type=MessageType.EDIT,
        content__original_message_id=original.wamid,
    ):
        _blank_edit(edit)
    logger.info("Message deleted on WhatsApp", extra={"message_id": original.pk})


def _edit(original: Message, edit: Message) -> None:
    """Record `edit` in the history and show the newest version, whatever the arrival order.

    Versions are the original text, then each edit's text by WhatsApp time; each
    `MessageEdit` holds the version its edit replaced, so a late, older edit shifts the
    texts of the rows after it rather than overwriting the newest text.
    """
    if original.revoked_at is not None:
        _blank_edit(edit)  # an edit made before the deletion, delivered after it
        return
    if not edit.text or MessageEdit.objects.filter(edit=edit).exists():
        return
    rows = sorted(MessageEdit.objects.filter(message=original).select_related("edit"), key=_order)
    first_text = rows[0].previous_text if rows else original.text
    rows = sorted(
        [*rows, MessageEdit(message=original, edit=edit, edited_at=edit.timestamp)], key=_order
    )
    shown = first_text
    for row in rows:
        if row.pk is None or row.previous_text != shown:
            row.previous_text = shown
            row.save()
        shown = row.edit.text if row.edit is not None else shown
    original.text = shown
    original.edited_at = rows[-1].edited_at
    if isinstance(original.content, dict):
        words = {key: shown for key in EDITABLE_KEYS if original.content.get(key) is not None}
        original.content = {**original.content, **words}
    original.save(update_fields=["text", "edited_at", "content"])
    logger.info("Message edited on WhatsApp", extra={"message_id": original.pk, "edits": len(rows)})


def _order(row: MessageEdit) -> tuple:
    """WhatsApp time; within one second (its times are whole seconds), arrival order."""
    return (row.edited_at, row.edit_id or 0)


def _blank_edit(edit: Message) -> None:
    edit.text = ""
    edit.content = _blanked(edit.content, WORD_KEYS)
    edit.save(update_fields=["text", "content"])


def _blanked(content, keys: tuple[str, ...]) -> dict:
    if not isinstance(content, dict):
        return {}
    return {key: None if key in keys else value for key, value in content.items()}
