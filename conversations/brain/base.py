"""What the bot brain is given and what it answers, whichever implementation runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from profiles.completeness import PROFILE_FIELDS

Role = Literal["user", "assistant"]


@dataclass(frozen=True, slots=True)
class HistoryItem:
    role: Role
    text: str


@dataclass(frozen=True, slots=True)
class ProfileSnapshot:
    name: str
    last_name: str
    company: str
    email: str
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BrainTurn:
    """The recent thread, oldest first, ending with the user's unanswered messages.

    `last_asked` is what the last message to the user asked for (profile fields): the lead
    who answers "your name?" with "Dana Whitfield" means their name.
    """

    history: tuple[HistoryItem, ...]
    profile: ProfileSnapshot
    last_asked: tuple[str, ...] = ()

    @property
    def new_user_text(self) -> str:
        """The user's messages since the bot last spoke, joined: a burst gets one answer."""
        tail: list[str] = []
        for item in reversed(self.history):
            if item.role != "user":
                break
            tail.append(item.text)
        return "\n".join(reversed(tail))


@dataclass(frozen=True, slots=True)
class ProfileUpdate:
    """One extracted field, with the user's words it came from (its provenance)."""

    field: str
    value: str
    quote: str

    def __post_init__(self):
        if self.field not in PROFILE_FIELDS:
            raise ValueError(f"unknown profile field {self.field!r}")


@dataclass(frozen=True, slots=True)
class BrainReply:
    """What to send, what was learned, and which fields the reply asks for (kept on the
    message, so the next turn knows what the lead is answering).

    `handoff`: why a person must answer (a price, availability or complaint question the
    bot cannot answer truthfully); the turn then puts the conversation in `human` state.
    Empty when the bot can carry on.
    """

    text: str
    updates: tuple[ProfileUpdate, ...] = ()
    asks: tuple[str, ...] = ()
    handoff: str = ""

    def __post_init__(self):
        unknown = set(self.asks) - set(PROFILE_FIELDS)
        if unknown:
            raise ValueError(f"unknown profile fields asked for: {sorted(unknown)}")


class BrainUnavailable(Exception):
    """The brain could not answer now (after its own retries): try the turn again later."""


class BrainRejected(Exception):
    """The brain refused the turn for a reason no retry changes (a wrong API key, a request
    OpenAI will not take): staff must fix it, so the turn fails at once with `reason`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Brain(Protocol):
    def respond(self, turn: BrainTurn) -> BrainReply: ...
