"""Meta's `X-Hub-Signature-256` check: HMAC-SHA256 of the raw body, keyed by the app secret.

Always hash `request.body` as received: Meta signs its escaped-unicode bytes, so re-serialising
the parsed JSON gives different bytes and a false mismatch (whatsapp.md §3, §14).
"""

import hashlib
import hmac

SIGNATURE_PREFIX = "sha256="


def compute_signature(body: bytes, secret: str) -> str:
    """The exact header value Meta would send for `body`: `sha256=` + lowercase hex digest."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def signature_matches(body: bytes, header_value: str | None, secret: str) -> bool:
    """Constant-time check of the header against `body`; False for anything malformed.

    Compares bytes because `hmac.compare_digest` raises TypeError on non-ASCII `str`, and a
    forged header must be rejected, not turned into a 500. An empty secret matches nothing, since
    anyone can compute an HMAC with an empty key.
    """
    if not secret or not isinstance(header_value, str):
        return False
    try:
        received = header_value.encode("ascii")
    except UnicodeEncodeError:
        return False
    expected = compute_signature(body, secret).encode("ascii")
    return hmac.compare_digest(received, expected)
