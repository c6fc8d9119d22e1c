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
