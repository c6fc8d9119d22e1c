"""Access to the shared WhatsApp payload corpus (`../shared/docs/whatsapp-payloads/`) for tests.

Bodies are read as bytes because signatures are over the exact wire bytes, never re-serialised JSON.
"""

import itertools
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from webhooks.signature import compute_signature

SAMPLES_DIR = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "docs" / "whatsapp-payloads"
)
TEST_APP_SECRET = "test_app_secret_0123456789abcdef"

_SIGNATURE_ROW = re.compile(r"^\|\s*(\S+\.json)\s*\|\s*(\d+)\s*\|\s*`(sha256=[0-9a-f]{64})`\s*\|$")


def sample_names() -> list[str]:
    """Every sample body file name, sorted (INDEX.md is documentation, not a sample)."""
    return sorted(path.name for path in SAMPLES_DIR.glob("*.json"))


def sample_bytes(name: str) -> bytes:
    return (SAMPLES_DIR / name).read_bytes()


def sample_json(name: str) -> dict[str, Any]:
    return json.loads(sample_bytes(name))


def signed_headers(body: bytes, secret: str = TEST_APP_SECRET) -> dict[str, str]:
    """Django test-client extra headers carrying Meta's signature for `body`."""
    return {"HTTP_X_HUB_SIGNATURE_256": compute_signature(body, secret)}


def index_signatures() -> dict[str, tuple[int, str]]:
    """INDEX.md's signature test vector: file name → (byte length, X-Hub-Signature-256)."""
    rows = (SAMPLES_DIR / "INDEX.md").read_text(encoding="utf-8").splitlines()
    matches = (_SIGNATURE_ROW.match(row.strip()) for row in rows)
    return {m[1]: (int(m[2]), m[3]) for m in matches if m is not None}


_wamids = itertools.count(1)


def text_webhook(
    text: str,
    *,
    wa_id: str = "15550001111",
    name: str = "Alice Example",
    wamid: str | None = None,
    at: datetime | None = None,
) -> tuple[bytes, str]:
    """Sample 01 (an inbound text) with another sender, text and time: (body, wamid).

    The samples are all dated 2026-07-30; a reply must fall inside WhatsApp's 24-hour window,
    so tests that expect one send messages dated now.
    """
    data = sample_json("01_text.json")
    value = data["entry"][0]["changes"][0]["value"]
    wamid = wamid or f"wamid.test.{wa_id}.{next(_wamids)}"
    value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
    message = value["messages"][0]
    message.pop("from_user_id", None)
    message.update(
        {
            "from": wa_id,
            "id": wamid,
            "timestamp": str(int((at or datetime.now(UTC)).timestamp())),
            "text": {"body": text},
        }
    )
    return json.dumps(data, separators=(",", ":")).encode(), wamid


def status_webhook(
    wamid: str,
    status: str,
    *,
    wa_id: str = "15550001111",
    callback_data: str | None = None,
    at: datetime | None = None,
) -> bytes:
    """Sample 34 (a `sent` status) for another outbound wamid, status and echoed key."""
    data = sample_json("34_status_sent.json")
    value = data["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"wa_id": wa_id}]
    entry = value["statuses"][0]
    entry.pop("recipient_user_id", None)
    entry.update(
        {
            "id": wamid,
            "status": status,
            "recipient_id": wa_id,
            "timestamp": str(int((at or datetime.now(UTC)).timestamp())),
        }
    )
    if callback_data is not None:
        entry["biz_opaque_callback_data"] = callback_data
    return json.dumps(data, separators=(",", ":")).encode()


# --- edits, deletions, echoes and preferences (built from the samples' envelope) -------------

BUSINESS_NUMBER = "15550009999"  # the samples' display_phone_number


def _unix(at: datetime | None) -> str:
    return str(int((at or datetime.now(UTC)).timestamp()))


def _inbound_webhook(
    fields: dict[str, Any],
    *,
    wa_id: str,
    name: str,
    wamid: str | None,
    at: datetime | None,
) -> tuple[bytes, str]:
    """Sample 27 (a revoke from Alice) turned into another inbound message: (body, wamid)."""
    data = sample_json("27_revoke_user_deleted_message.json")
    value = data["entry"][0]["changes"][0]["value"]
    wamid = wamid or f"wamid.test.{wa_id}.{next(_wamids)}"
    value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
    value["messages"] = [{"from": wa_id, "id": wamid, "timestamp": _unix(at), **fields}]
    return json.dumps(data, separators=(",", ":")).encode(), wamid


def edit_webhook(
    original_wamid: str,
    new_text: str,
    *,
    wa_id: str = "15550001111",
    name: str = "Alice Example",
    wamid: str | None = None,
    at: datetime | None = None,
) -> tuple[bytes, str]:
    """The user edited `original_wamid` on WhatsApp to read `new_text`: (body, wamid)."""
    edit = {
        "original_message_id": original_wamid,
        "message": {"type": "text", "text": {"body": new_text}},
    }
    return _inbound_webhook(
        {"type": "edit", "edit": edit}, wa_id=wa_id, name=name, wamid=wamid, at=at
    )


def revoke_webhook(
    original_wamid: str,
    *,
    wa_id: str = "15550001111",
    name: str = "Alice Example",
    wamid: str | None = None,
    at: datetime | None = None,
) -> tuple[bytes, str]:
    """Sample 27: the user deleted `original_wamid` for everyone: (body, wamid)."""
    revoke = {"original_message_id": original_wamid}
    return _inbound_webhook(
        {"type": "revoke", "revoke": revoke}, wa_id=wa_id, name=name, wamid=wamid, at=at
    )


def _account_webhook(field: str, items_key: str, items: list[dict]) -> bytes:
    """Sample 01's envelope carrying another field's change, as Meta nests them all."""
    data = sample_json("01_text.json")
    change = data["entry"][0]["changes"][0]
    change["field"] = field
    change["value"] = {
        "messaging_product": "whatsapp",
        "metadata": change["value"]["metadata"],
        items_key: items,
    }
    return json.dumps(data, separators=(",", ":")).encode()


def echo_webhook(
    text: str | None = None,
    *,
    to: str | None = "15550001111",
    to_user_id: str | None = None,
    wamid: str | None = None,
    at: datetime | None = None,
    message: dict[str, Any] | None = None,
) -> tuple[bytes, str]:
    """`smb_message_echoes`: the business typed `text` on its phone to user `to`: (body, wamid).

    `message` replaces the text with another type's fields, e.g. an edit or a revoke.
    """
    wamid = wamid or f"wamid.echo.{to or to_user_id}.{next(_wamids)}"
    echo: dict[str, Any] = {"from": BUSINESS_NUMBER, "id": wamid, "timestamp": _unix(at)}
    if to is not None:
        echo["to"] = to
    if to_user_id is not None:
        echo["to_user_id"] = to_user_id
    echo.update(message or {"type": "text", "text": {"body": text or ""}})
    return _account_webhook("smb_message_echoes", "message_echoes", [echo]), wamid


def preference_webhook(
    value: str,
    *,
    wa_id: str = "15550001111",
    name: str = "Alice Example",
    category: str = "marketing_messages",
    at: datetime | None = None,
) -> bytes:
    """`user_preferences`: the user stopped or resumed a category of messages in WhatsApp."""
    detail = {"stop": "User requested to stop marketing messages"}.get(
        value, "User requested to resume marketing messages"
    )
    item = {
        "wa_id": wa_id,
        "detail": detail,
        "category": category,
        "value": value,
        "timestamp": _unix(at),
    }
    body = json.loads(_account_webhook("user_preferences", "user_preferences", [item]))
    body["entry"][0]["changes"][0]["value"]["contacts"] = [
        {"profile": {"name": name}, "wa_id": wa_id}
    ]
    return json.dumps(body, separators=(",", ":")).encode()


# --- inbound media (samples 09-13) --------------------------------------------------------------

MEDIA_SAMPLES = {
    "image": "09_image_with_caption.json",
    "audio": "10_audio_voice_note.json",
    "video": "11_video_forwarded.json",
    "document": "12_document_pdf.json",
    "sticker": "13_sticker_animated.json",
}


def media_webhook(
    kind: str,
    *,
    media_id: str,
    sha256: str | None = None,
    mime_type: str | None = None,
    wa_id: str = "15550001111",
    name: str = "Alice Example",
    wamid: str | None = None,
    at: datetime | None = None,
) -> tuple[bytes, str]:
    """The sample of `kind` with another media id (and sha256, mime type), sender and time."""
    data = sample_json(MEDIA_SAMPLES[kind])
    value = data["entry"][0]["changes"][0]["value"]
    wamid = wamid or f"wamid.test.{kind}.{wa_id}.{next(_wamids)}"
    value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
    message = value["messages"][0]
    message.pop("from_user_id", None)
    message.update({"from": wa_id, "id": wamid, "timestamp": _unix(at)})
    message[kind].update({"id": media_id})
    message[kind].pop("url", None)
    if sha256 is not None:
        message[kind]["sha256"] = sha256
    if mime_type is not None:
        message[kind]["mime_type"] = mime_type
    return json.dumps(data, separators=(",", ":")).encode(), wamid


# --- template status, quality and category (Meta's webhook reference shapes) --------------------


def template_webhook(field: str, value: dict[str, Any], *, at: datetime | None = None) -> bytes:
    """Sample 01's envelope carrying a template webhook: `value` as Meta's reference shows it.

    E.g. `template_webhook("message_template_status_update", {"event": "APPROVED",
    "message_template_id": 1689556908129832, "message_template_name": "order_update",
    "message_template_language": "en_US", "reason": "NONE"})`.
    """
    data = sample_json("01_text.json")
    entry = data["entry"][0]
    entry["time"] = int(_unix(at))
    entry["changes"] = [{"value": value, "field": field}]
    return json.dumps(data, separators=(",", ":")).encode()
