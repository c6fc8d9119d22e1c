"""What makes a legacy message the same message: its row id and a digest of its raw values.

A legacy file's row ids only say where a row sits in that file: a second bot, a second
number or a bot restarted on a fresh file numbers its messages from 1 again. So a message
is keyed by `(legacy_id, legacy_digest)` (the unique key `message_legacy_key_unique`):
the row id, and a 64-bit digest of the values of the row's required columns exactly as the
file holds them (phone_number, sender, timestamp, message_text). A grown copy of the same
file, which the old bot only ever appended to, gives its old rows the same pairs (nothing
is added twice), and a different file gives rows of the same id other values, hence other
pairs (nothing is lost). A wamid stays the first identity where there is one: the same
WhatsApp message in two files is one message (`message_wamid_unique`).

Why raw values, not the normalised ones we store: a later change to a normaliser (a new
timestamp shape, a sender spelling) must not turn the rows of an earlier import into
strangers and double them on the next run. Why only the required columns: an older copy
of the file lacks the optional ones, and the bot's later versions fill them in, so a copy
before and after such an upgrade still names each row alike. A hand-edited row (its text
corrected) becomes, knowingly, a new message.

Each value is read as text: text or a BLOB decoded as the reader decodes text (bad bytes
become U+FFFD), an integer as its digits, a real by repr, NULL as empty; the four are
joined with a separator and hashed (blake2b) once. The digest is computed in two places
that must agree: in parse_message, from the values Python's sqlite3 reads, and for the
rows SQLite writes as COPY lines (plain.py), which hands each value to `digest_of_plain`
(registered in the line reader's connection, lines.py) as a BLOB: an integer as its
digits, a text as its bytes as the file holds them (a TEXT argument that is not UTF-8
would fail the call). One cheap call a row, on the hot path of a bulk load. A row a value
of which holds the separator is never plain, and is hashed here, framed. Changing any of
this changes every imported message's identity: it takes a migration that recomputes
them, never a quiet edit (tests pin known digests).

This module imports only the standard library: the line reader's process loads it
without Django.
"""

from __future__ import annotations

from hashlib import blake2b as _blake2b

SQL_FUNCTION = "legacy_digest"  # digest_of_plain in SQLite, where lines.py registers it
SEPARATOR = "\x1f"  # between the values; a value holding it takes the slow, framed form
_from_bytes = int.from_bytes  # big-endian
_join = SEPARATOR.encode().join


def _as_text(value: object) -> str:
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, float):
        return repr(value)
    return str(value)


def legacy_digest(phone: object, sender: object, timestamp: object, text: object) -> int:
    """The digest of a legacy message row's raw values, as a signed 64-bit integer.

    On the hot path of an import (a call a row, about a microsecond): the values, most
    often all text, are joined with the separator and hashed once; only a row whose values
    hold the separator frames each value with its length, so no two rows' values join
    alike.
    """
    if type(text) is not str:
        text = _as_text(text)
    if type(timestamp) is not str:
        timestamp = _as_text(timestamp)
    if type(phone) is not str:
        phone = _as_text(phone)
    if type(sender) is not str:
        sender = _as_text(sender)
    joined = f"{phone}\x1f{sender}\x1f{timestamp}\x1f{text}"
    if joined.count(SEPARATOR) == 3:
        return _from_bytes(_blake2b(_utf8(joined), digest_size=8).digest(), signed=True)
    # framed, and hashed apart (`person`), so that it can equal no joined form either
    framed = _utf8("".join(f"{len(v)}:{v}" for v in (phone, sender, timestamp, text)))
    return _from_bytes(_blake2b(framed, digest_size=8, person=b"framed").digest(), signed=True)


def digest_of_plain(phone: bytes, sender: bytes, timestamp: bytes, text: bytes) -> int:
    """legacy_digest of a plain row (plain.py), none of whose values holds the separator,
    each handed over by SQLite as the bytes of its text (CAST AS BLOB: an integer's digits,
    a text's bytes as the file holds them): the same bytes legacy_digest hashes."""
    return _from_bytes(
        _blake2b(_join((phone, sender, timestamp, text)), digest_size=8).digest(), signed=True
    )


def _utf8(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate, which no text read from SQLite holds
        return text.encode(errors="surrogatepass")
