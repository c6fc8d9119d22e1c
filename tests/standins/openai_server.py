"""A local stand-in for OpenAI's Chat Completions API, for the real `openai` client.

Point the client at `f"{openai_standin.url}/v1"` (the `openai_brain_settings` fixture does):
it then POSTs to `/v1/chat/completions`. By default every call answers with a completion
whose content follows the brain's JSON schema; queue `turn_reply`, `rate_limited`,
`server_error`, `slow` or `malformed` replies to script what happens next.
`openai_standin.requests[i].json()` is the body the client really sent.
"""

from __future__ import annotations

import itertools
import json

import pytest

from tests.standins import Recorded, Reply, StandInServer

COMPLETIONS_PATH = "/v1/chat/completions"
DEFAULT_REPLY = "Thanks! What is your email?"
_completion_ids = itertools.count(1)


def completion_body(content: str, model: str = "gpt-4o-mini-2024-07-18") -> dict:
    """A chat completion shaped like a recorded OpenAI answer, with `content` as the message."""
    return {
        "id": f"chatcmpl-standin{next(_completion_ids):06d}",
        "object": "chat.completion",
        "created": 1_741_569_952,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 312,
            "completion_tokens": 24,
            "total_tokens": 336,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_standin",
    }


def turn_reply(
    reply: str,
    updates: list[dict] | tuple[dict, ...] = (),
    asks: tuple[str, ...] = (),
    handoff: str = "",
) -> Reply:
    """A 200 completion whose content is the brain's JSON, as the strict schema makes a model
    write it: `{"reply": ..., "updates": [...], "asks": [...], "handoff": {...}}`.

    Each update is a dict with `field`, `value` and `quote`; `asks` lists the profile fields
    the reply asks for; `handoff`, the reason a person must answer ("" for none).
    """
    body = {
        "reply": reply,
        "updates": list(updates),
        "asks": list(asks),
        "handoff": {"needed": bool(handoff), "reason": handoff},
    }
    content = json.dumps(body, ensure_ascii=False)
    return Reply(status=200, body=completion_body(content))


def _error(status: int, message: str, type_: str, code: str | None, **headers: str) -> Reply:
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return Reply(status=status, body=body, headers=headers)


def rate_limited(retry_after_ms: int = 5) -> Reply:
    """HTTP 429 as OpenAI sends it; `retry-after-ms` keeps the real client's backoff short."""
    return _error(
        429,
        "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, "
        "Requested 1. Please try again in 20s.",
        "requests",
        "rate_limit_exceeded",
        **{"retry-after-ms": str(retry_after_ms), "x-request-id": "req_standin_429"},
    )


def server_error(retry_after_ms: int = 5) -> Reply:
    """HTTP 500 as OpenAI sends it (the client retries it, after `retry_after_ms`)."""
    return _error(
        500,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
        **{"retry-after-ms": str(retry_after_ms), "x-request-id": "req_standin_500"},
    )


def slow(delay: float = 2.0, reply: str = DEFAULT_REPLY) -> Reply:
    """A normal completion that only arrives after `delay` seconds: longer than the test's
    OPENAI_TIMEOUT, the client gives up on it (and retries)."""
    return Reply(status=200, body=turn_reply(reply).body, delay=delay)


def malformed(content: str = "Thanks! What is your email?") -> Reply:
    """A 200 completion whose content does not follow the schema (plain text by default)."""
    return Reply(status=200, body=completion_body(content))


class OpenAIStandIn(StandInServer):
    """Answers every unscripted call like a model that asks for the lead's email."""

    def default(self, request: Recorded) -> Reply:
        if request.path.rstrip("/") != COMPLETIONS_PATH:
            return _error(404, f"Invalid URL (POST {request.path})", "invalid_request_error", None)
        return turn_reply(DEFAULT_REPLY)


@pytest.fixture
def openai_standin():
    server = OpenAIStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def openai_brain_settings(settings, openai_standin):
    """The real OpenAI brain, pointed at the stand-in, with a short timeout and 2 retries."""
    settings.BOT_BRAIN = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = f"{openai_standin.url}/v1"
    settings.OPENAI_MODEL = "gpt-4o-mini"
    settings.OPENAI_TIMEOUT = 1.0
    settings.OPENAI_MAX_RETRIES = 2
    return openai_standin
