"""Access to the shared WhatsApp payload corpus (`../shared/docs/whatsapp-payloads/`) for tests.

Bodies are read as bytes because signatures are over the exact wire bytes, never re-serialised JSON.
"""

import json
import re
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
