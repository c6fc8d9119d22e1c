"""A stand-in for Meta's Graph API send endpoint, `POST /{version}/{PHONE_NUMBER_ID}/messages`.

By default it checks the request the way Meta does (path, bearer token, required fields, the
4096-character text limit) and accepts it with Meta's response shape and a fresh wamid. Tests
script other outcomes with the helpers below, and read `accepted` / `sent_texts` to see what
Meta would really have delivered (whatsapp.md §9-§11).
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.standins import Recorded, Reply, StandInServer
from tests.standins.graph_media import install_media_routes, media_refusal
from tests.standins.graph_templates import install_template_routes, template_refusal

TEST_ACCESS_TOKEN = "test-token"
TEXT_MAX_CHARACTERS = 4096
_MESSAGES_PATH = re.compile(r"^/v\d+\.\d+/\d+/messages$")


@dataclass(frozen=True, slots=True)
class _Accept:
    """Marker body: Meta takes the message, then answers in the way `then` says."""

    then: str = "answer"  # "answer" | "drop" (no answer at all) | "cut_off" (half an answer)


class _HangUp(Exception):
    """Raised inside the request handler so the server closes the socket without answering."""


def graph_error(
    code: int,
    message: str,
    http_status: int = 400,
    details: str | None = None,
    subcode: int | None = None,
) -> Reply:
    """Meta's error envelope (whatsapp.md §9): `message` is used verbatim, e.g. "(#100) ..."."""
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details or message},
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = f"AStandIn{uuid.uuid4().hex[:16]}"
    return Reply(status=http_status, body={"error": error})


def reengagement_error() -> Reply:
    """The 24-hour customer service window is closed (131047, HTTP 400)."""
    return graph_error(
        131047,
        "(#131047) Re-engagement message",
        details=(
            "Message failed to send because more than 24 hours have passed since the customer "
            "last replied to this number."
        ),
    )


def throttled() -> Reply:
    """The phone number's throughput limit was hit (130429, HTTP 429)."""
    return graph_error(
        130429,
        "(#130429) Rate limit hit",
        http_status=429,
        details="Cloud API message throughput has been reached.",
    )


def server_error(http_status: int = 500) -> Reply:
    """Meta failed on its side (generic 131000; pass 503 for maintenance)."""
    return graph_error(
        131000,
        "(#131000) Something went wrong",
        http_status=http_status,
        details="Message failed to send due to an unknown error. Please try again later.",
    )


def accepted_but_slow(delay: float) -> Reply:
    """Meta accepts the message (it counts as sent) but answers only after `delay` seconds."""
    return Reply(body=_Accept(), delay=delay)


def accepted_but_dropped() -> Reply:
    """Meta accepts the message, then the connection closes before any answer arrives."""
    return Reply(body=_Accept(then="drop"))


def accepted_but_cut_off() -> Reply:
    """Meta accepts the message; its 200 answer breaks off halfway and the connection closes."""
    return Reply(body=_Accept(then="cut_off"))


class GraphStandIn(StandInServer):
    """Meta's `/messages` endpoint on 127.0.0.1: accepts by default, or follows the script."""

    def __init__(self, access_token: str = TEST_ACCESS_TOKEN):
        super().__init__()
        self.access_token = access_token
        # (wamid, request JSON) of every message Meta took, including those whose answer
        # the client never saw: the ground truth for "was a second copy sent?".
        self.accepted: list[tuple[str, dict[str, Any]]] = []
        self._wamid_numbers = itertools.count(1)
        report_error = self._server.handle_error

        def quiet_hang_up(request, client_address):
            if not isinstance(sys.exception(), _HangUp):
                report_error(request, client_address)

        self._server.handle_error = quiet_hang_up
        # Endpoints other than `/messages` (media, templates): (method, path regex, handler).
        self.routes: list[tuple[str, re.Pattern[str], Callable[[Recorded], Reply]]] = []
        install_media_routes(self)
        install_template_routes(self)

    def add_route(self, method: str, pattern: str, handler: Callable[[Recorded], Reply]) -> None:
        """Answer `method` requests whose path (without the query) matches `pattern`."""
        self.routes.append((method, re.compile(pattern), handler))

    @property
    def sent_texts(self) -> list[str]:
        """The text bodies Meta accepted, in order."""
        return [body["text"]["body"] for _, body in self.accepted if body.get("type") == "text"]

    def default(self, request: Recorded) -> Reply:
        path = urlsplit(request.path).path
        for method, pattern, handler in self.routes:
            if request.method == method and pattern.match(path):
                return handler(request)
        return Reply(body=_Accept())

    def _next_reply(self, request: Recorded) -> Reply:
        reply = super()._next_reply(request)
        if isinstance(reply.body, _Accept):
            return self._accept(request, reply)
        return reply

    def _accept(self, request: Recorded, scripted: Reply) -> Reply:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        body = request.json()
        with self._lock:
            wamid = f"wamid.standin.{next(self._wamid_numbers)}"
            self.accepted.append((wamid, body))
        then = scripted.body.then
        if then == "drop":
            raise _HangUp
        answer = json.dumps(self._success(body, wamid)).encode()
        if then == "cut_off":
            # A chunk announced longer than what follows, then the socket closes.
            half = answer[: len(answer) // 2]
            raw = f"{len(answer):x}\r\n".encode() + half
            return Reply(raw=raw, headers={"Transfer-Encoding": "chunked", "Connection": "close"})
        return Reply(status=200, raw=answer, delay=scripted.delay)

    @staticmethod
    def _success(body: dict[str, Any], wamid: str) -> dict[str, Any]:
        if body.get("to"):
            contact = {"input": body["to"], "wa_id": re.sub(r"\D", "", body["to"])}
        else:
            contact = {"input": body["recipient"], "user_id": body["recipient"]}
        return {
            "messaging_product": "whatsapp",
            "contacts": [contact],
            "messages": [{"id": wamid}],
        }

    def _refusal(self, request: Recorded) -> Reply | None:
        """What Meta answers to a malformed request, or None if it would take it."""
        if not _MESSAGES_PATH.match(request.path):
            return graph_error(
                100,
                "Unsupported post request. Object with ID does not exist, cannot be loaded due "
                "to missing permissions, or does not support this operation.",
                subcode=33,
            )
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return graph_error(
                190, "Invalid OAuth access token - Cannot parse access token", http_status=401
            )
        try:
            body = request.json()
        except ValueError:
            return graph_error(100, "(#100) Invalid parameter", details="Body is not JSON.")
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return graph_error(100, "(#100) The parameter messaging_product is required.")
        if not (body.get("to") or body.get("recipient")):
            return graph_error(100, "(#100) The parameter to is required.")
        if body.get("type") == "template":
            return template_refusal(self, body)
        if body.get("type") in ("image", "document"):
            return media_refusal(self, body)
        if body.get("type", "text") == "text":
            text = (body.get("text") or {}).get("body")
            if not isinstance(text, str) or not text:
                return graph_error(
                    100, "(#100) Invalid parameter", details="Param text['body'] is required."
                )
            if len(text) > TEXT_MAX_CHARACTERS:
                return graph_error(
                    100,
                    "(#100) Invalid parameter",
                    details="Param text['body'] must be at most 4096 characters long.",
                )
        return None


@pytest.fixture
def graph_standin():
    """A running `GraphStandIn` that expects the bearer token `TEST_ACCESS_TOKEN`."""
    server = GraphStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def graph_transport_settings(settings, graph_standin):
    """Settings that send through the real `GraphTransport` to the stand-in; returns it."""
    settings.WHATSAPP_TRANSPORT = "graph"
    settings.WHATSAPP_GRAPH_URL = f"{graph_standin.url}/v25.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "106540352242922"
    settings.WHATSAPP_ACCESS_TOKEN = graph_standin.access_token
    settings.WHATSAPP_CONNECT_TIMEOUT = 1.0
    settings.WHATSAPP_READ_TIMEOUT = 0.5
    return graph_standin
