"""A local stand-in for Sentry's ingest endpoint, for the real `sentry-sdk` transport.

Point the SDK at `sentry_standin.dsn` (`http://key@127.0.0.1:PORT/1`): it POSTs envelopes to
`/api/1/envelope/`, gzip- or brotli-compressed. `sentry_standin.envelopes()` decodes every
envelope received so far into its items (headers and JSON payloads), and `raw_text()` is all
of them as one string, for asserting what never left the process.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass

import pytest

from tests.standins import Recorded, Reply, StandInServer


@dataclass(frozen=True, slots=True)
class EnvelopeItem:
    headers: dict
    payload: bytes

    @property
    def type(self) -> str:
        return self.headers.get("type", "")

    def json(self) -> dict:
        return json.loads(self.payload)


def _decompress(request: Recorded) -> bytes:
    encoding = request.headers.get("content-encoding", "")
    if encoding == "gzip":
        return gzip.decompress(request.body)
    if encoding == "br":
        import brotli

        return brotli.decompress(request.body)
    return request.body


def parse_envelope(body: bytes) -> list[EnvelopeItem]:
    """Sentry's envelope format: a header line, then per item a header line and its payload
    (`length` bytes when the item header says so, else up to the next newline)."""
    items: list[EnvelopeItem] = []
    position = body.index(b"\n") + 1  # past the envelope's own header
    while position < len(body):
        end = body.find(b"\n", position)
        end = len(body) if end == -1 else end
        line = body[position:end]
        position = end + 1
        if not line.strip():
            continue
        headers = json.loads(line)
        if (length := headers.get("length")) is not None:
            payload = body[position : position + length]
            position += length + 1
        else:
            end = body.find(b"\n", position)
            end = len(body) if end == -1 else end
            payload = body[position:end]
            position = end + 1
        items.append(EnvelopeItem(headers, payload))
    return items


class SentryStandIn(StandInServer):
    def default(self, request: Recorded) -> Reply:
        return Reply(status=200, body={"id": "0" * 32})

    @property
    def dsn(self) -> str:
        return f"{self.url.replace('http://', 'http://publickey@')}/1"

    def decoded_bodies(self) -> list[bytes]:
        return [_decompress(r) for r in self.requests if r.path.startswith("/api/1/envelope")]

    def envelopes(self) -> list[list[EnvelopeItem]]:
        return [parse_envelope(body) for body in self.decoded_bodies()]

    def events(self) -> list[dict]:
        return [item.json() for items in self.envelopes() for item in items if item.type == "event"]

    def raw_text(self) -> str:
        return "\n".join(body.decode("utf-8", errors="replace") for body in self.decoded_bodies())


@pytest.fixture
def sentry_standin():
    server = SentryStandIn().start()
    yield server
    server.stop()
