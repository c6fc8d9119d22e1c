"""The OpenAI brain: one chat completion per turn, with a JSON-schema structured output.

The openai client itself retries timeouts, 429 and 5xx with exponential backoff
(`OPENAI_MAX_RETRIES`); whatever still fails becomes `BrainUnavailable`, and the reply task
schedules the turn again instead of dropping it. Answers no retry can change (a wrong key,
no access, a request or model OpenAI will not take, an exhausted quota) become
`BrainRejected` with a reason staff can act on, and the turn fails at once.
"""

from __future__ import annotations

import json
import logging

import openai
from django.conf import settings

from conversations.brain.base import (
    BrainRejected,
    BrainReply,
    BrainTurn,
    BrainUnavailable,
    ProfileSnapshot,
    ProfileUpdate,
)
from profiles.completeness import FIELD_LABELS, PROFILE_FIELDS

logger = logging.getLogger(__name__)

RESPONSE_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "bot_turn",
        "strict": True,
        "schema": {
            "type": "object",
            "additionalProperties": False,
            "required": ["reply", "updates", "asks", "handoff"],
            "properties": {
                "reply": {"type": "string"},
                # A question only a person can answer: `needed`, and why, in a few words.
                "handoff": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["needed", "reason"],
                    "properties": {
                        "needed": {"type": "boolean"},
                        "reason": {"type": "string"},
                    },
                },
                "asks": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(PROFILE_FIELDS)},
                },
                "updates": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["field", "value", "quote"],
                        "properties": {
                            "field": {"type": "string", "enum": list(PROFILE_FIELDS)},
                            "value": {"type": "string"},
                            "quote": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}
# A model that returns unusable JSON is asked again this many times before giving up.
MALFORMED_OUTPUT_ATTEMPTS = 2
# What staff read under "Bot failed" for OpenAI's permanent answers. OpenAI's own words are
# added only where they explain the request (a schema error, an unknown model): a 401's
# message quotes part of the key.
PERMANENT_ERRORS: dict[type[openai.APIStatusError], tuple[str, bool]] = {
    openai.AuthenticationError: ("OpenAI rejected the API key", False),
    openai.PermissionDeniedError: ("OpenAI refused access to the model or project", False),
    openai.NotFoundError: ("OpenAI has no such model or endpoint", True),
    openai.BadRequestError: ("OpenAI rejected the request", True),
    openai.UnprocessableEntityError: ("OpenAI could not process the request", True),
}
REASON_CHARS = 255  # Message.reply_error


def permanent_reason(exc: openai.APIError) -> str | None:
    """Why no retry of this call can succeed, for staff to read; None if a retry may."""
    if isinstance(exc, openai.RateLimitError) and exc.code == "insufficient_quota":
        # A 429 that waits for a plan or billing change, not for the next minute.
        return "OpenAI quota exhausted: check the plan and billing (429 insufficient_quota)"
    for kind, (what, with_details) in PERMANENT_ERRORS.items():
        if isinstance(exc, kind):
            reason = f"{what} ({exc.status_code})"
            details = exc.body.get("message") if isinstance(exc.body, dict) else None
            if with_details and isinstance(details, str) and details.strip():
                reason += f": {' '.join(details.split())}"
            return reason[:REASON_CHARS]
    return None


def system_prompt(profile: ProfileSnapshot, last_asked: tuple[str, ...] = ()) -> str:
    known = {
        FIELD_LABELS[field]: getattr(profile, field)
        for field in PROFILE_FIELDS
        if getattr(profile, field)
    }
    missing = [FIELD_LABELS[field] for field in profile.missing]
    asked = [FIELD_LABELS[field] for field in last_asked]
    return (
        "You are the WhatsApp assistant of a business, answering a new lead. Be brief, warm "
        "and helpful, and always answer in the language the user writes in.\n"
        f"What we already know about the lead: {json.dumps(known, ensure_ascii=False)}.\n"
        f"Still missing from their profile: {', '.join(missing) or 'nothing'}.\n"
        f"Your last message asked them for: {', '.join(asked) or 'nothing in particular'}; "
        'read their answer in its light (a bare "Dana Whitfield" after you asked for the '
        "name is their name; a question or a refusal answers nothing).\n"
        "Answer what the user said, then, if anything is missing, ask for one or two of the "
        "missing items (never all at once).\n"
        "In `updates`, list only profile fields (name = first name, last_name, company, "
        "email) that the user states in their new messages, each with `quote`: the user's "
        "exact words it comes from. Never guess or invent values. In `asks`, list the "
        "profile fields your reply asks for (empty if none).\n"
        "You know no prices, stock, availability or delivery dates, and you cannot settle "
        "complaints. When the user asks about any of them, or asks for a person, never make "
        "an answer up: say that a person from the team will answer here shortly, and set "
        '`handoff.needed` to true with `handoff.reason` in a few words (e.g. "price '
        'question"); otherwise `handoff.needed` is false and `handoff.reason` empty.'
    )


def parse_reply(content: str | None) -> BrainReply:
    """The model's JSON as dataclasses; ValueError if it does not follow the schema."""
    data = json.loads(content or "")
    if not isinstance(data, dict) or not isinstance(data.get("reply"), str):
        raise ValueError("reply missing")
    items = data.get("updates") or []
    if not isinstance(items, list):
        raise ValueError("updates is not a list")
    updates = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("update is not an object")
        value = str(item.get("value") or "").strip()
        if item.get("field") in PROFILE_FIELDS and value:
            updates.append(ProfileUpdate(item["field"], value, str(item.get("quote") or "")))
    if not data["reply"].strip():
        raise ValueError("empty reply")
    asks = data.get("asks") or []
    if not isinstance(asks, list):
        raise ValueError("asks is not a list")
    asked = tuple(field for field in PROFILE_FIELDS if field in asks)
    return BrainReply(
        text=data["reply"].strip(), updates=tuple(updates), asks=asked, handoff=_handoff(data)
    )


def _handoff(data: dict) -> str:
    """Why a person must answer, or "" (also when the model left the field out)."""
    handoff = data.get("handoff")
    if not isinstance(handoff, dict) or handoff.get("needed") is not True:
        return ""
    reason = " ".join(str(handoff.get("reason") or "").split())
    return reason[:REASON_CHARS] or "a person must answer"


class OpenAIBrain:
    def __init__(self, client: openai.OpenAI, model: str):
        self.client = client
        self.model = model

    @classmethod
    def from_settings(cls) -> OpenAIBrain:
        client = openai.OpenAI(
            api_key=settings.OPENAI_API_KEY,
            base_url=settings.OPENAI_BASE_URL,
            timeout=settings.OPENAI_TIMEOUT,
            max_retries=settings.OPENAI_MAX_RETRIES,
        )
        return cls(client, settings.OPENAI_MODEL)

    def respond(self, turn: BrainTurn) -> BrainReply:
        prompt = system_prompt(turn.profile, turn.last_asked)
        messages = [{"role": "system", "content": prompt}] + [
            {"role": item.role, "content": item.text} for item in turn.history
        ]
        for attempt in range(1, MALFORMED_OUTPUT_ATTEMPTS + 1):
            try:
                completion = self.client.chat.completions.create(
                    model=self.model, messages=messages, response_format=RESPONSE_FORMAT
                )
            except openai.APIError as exc:
                reason = permanent_reason(exc)
                if reason is not None:
                    raise BrainRejected(reason) from exc  # logged once, by the reply pipeline
                logger.warning("OpenAI call failed", extra={"error": type(exc).__name__})
                raise BrainUnavailable(f"OpenAI: {type(exc).__name__}") from exc
            try:
                return parse_reply(completion.choices[0].message.content)
            except (ValueError, IndexError, AttributeError) as exc:
                logger.warning(
                    "OpenAI returned unusable output", extra={"attempt": attempt, "error": str(exc)}
                )
        raise BrainUnavailable("OpenAI kept returning output that does not follow the schema")
