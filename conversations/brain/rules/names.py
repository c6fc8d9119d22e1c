"""Reading a person's name out of a message, and splitting it the way a person would.

A name is a run of name words on one line: capitalised (or lower case where the context
says a name comes next, as phones often type), never an everyday word, with the particles
of a last name ("da Silva", "van der Berg") inside it. The split keeps compound given names
whole ("Ana Paula", "Jean-Luc") and Iberian double surnames together; where a person would
hesitate ("John Paul Jones" could be a middle name) the last name is left for the bot to
ask, because a wrong value is worse than a missing one.

Every pattern here is matched at a given position (`match`, not `search`), so reading is
linear in the text's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conversations.brain.rules.lexicon import (
    COMMON_WORDS,
    COMPANY_WORDS,
    COMPOUND_GIVEN_NAMES,
    LEGAL_SUFFIXES,
    PARTICLES,
)

APOSTROPHES = "'\u2019"
WORD = rf"[^\W\d_]+(?:[{APOSTROPHES}\-][^\W\d_]+)*"
# One word after horizontal space only: a burst is joined with newlines, and the next
# message never becomes part of a name.
NEXT_WORD = re.compile(rf"[^\S\n]*(?P<word>{WORD})(?![\w@])")
NEXT_CHAR = re.compile(r"[^\S\n]*(?P<char>.?)", re.DOTALL)
# Languages whose people carry two surnames; elsewhere two words after a given name are
# as likely a middle name.
TWO_SURNAMES = {"es", "pt"}
MAX_NAME_WORDS = 6


@dataclass(frozen=True, slots=True)
class NameMatch:
    words: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SplitName:
    given: str
    last: str  # "" when there is none, or when it is too uncertain to store


def is_name_word(word: str, *, lowercase_ok: bool) -> bool:
    folded = word.casefold()
    if len(word) < 2 or folded in COMMON_WORDS or folded in COMPANY_WORDS:
        return False
    if folded in LEGAL_SUFFIXES or folded.rstrip(".") in LEGAL_SUFFIXES:
        return False
    return word[0].isupper() or (lowercase_ok and word.islower())


def is_company_word(word: str) -> bool:
    folded = word.casefold()
    return folded in COMPANY_WORDS or folded in LEGAL_SUFFIXES or folded + "." in LEGAL_SUFFIXES


def _next_char(text: str, pos: int) -> str:
    return NEXT_CHAR.match(text, pos)["char"]


def _particle_group(text: str, pos: int, *, lowercase_ok: bool) -> tuple[list[str], int] | None:
    """Particles and the one family word they lead to ("de la Cruz"), else None.

    A capitalised word or "&" after that family word means the particle led to a company
    instead: "Katrin Vogel von Vogel & Söhne".
    """
    words: list[str] = []
    end = pos
    while (match := NEXT_WORD.match(text, end)) and match["word"].casefold() in PARTICLES:
        words.append(match["word"])
        end = match.end()
        if len(words) > 3:
            return None
    match = NEXT_WORD.match(text, end)
    if not words or not match or not is_name_word(match["word"], lowercase_ok=lowercase_ok):
        return None
    words.append(match["word"])
    end = match.end()
    following = NEXT_WORD.match(text, end)
    if _next_char(text, end) == "&" or (
        following and (following["word"][0].isupper() or is_company_word(following["word"]))
    ):
        return None
    return words, end


def read_name(
    text: str, pos: int, *, lowercase_ok: bool, allow_particle_start: bool = False
) -> NameMatch | None:
    """The name that starts at `pos` (after spaces), or None.

    A run that goes on into a company word ("Northwind Traders", "Acme GmbH") is a
    company's name, not a person's.
    """
    words: list[str] = []
    start = end = None
    pos_now = pos
    while len(words) < MAX_NAME_WORDS:
        match = NEXT_WORD.match(text, pos_now)
        if not match:
            break
        word = match["word"]
        if word.casefold() in PARTICLES and (words or allow_particle_start):
            group = _particle_group(text, pos_now, lowercase_ok=lowercase_ok)
            if group is None:
                break
            words.extend(group[0])
            start = match.start("word") if start is None else start
            pos_now = end = group[1]
            continue
        if not is_name_word(word, lowercase_ok=lowercase_ok):
            if words and is_company_word(word):
                return None
            break
        start = match.start("word") if start is None else start
        words.append(word)
        pos_now = end = match.end()
    if not words or start is None or end is None:
        return None
    if _next_char(text, end) == "&":
        return None
    return NameMatch(tuple(words), start, end)


def proper_case(word: str) -> str:
    """ "dana" and "DANA" as "Dana", "jean-luc" as "Jean-Luc"; particles stay lower case."""
    if word.casefold() in PARTICLES and (word.islower() or word.isupper()):
        return word.lower()
    if not (word.islower() or (word.isupper() and len(word) > 1)):
        return word  # as the person wrote it: "McDonald", "DeLuca"
    return re.sub(
        rf"(^|[{APOSTROPHES}\-])([^\W\d_])",
        lambda match: match.group(1) + match.group(2).upper(),
        word.lower(),
    )


def split_name(words: tuple[str, ...], language: str) -> SplitName:
    """Given name(s) and last name, the way a person reading the chat would file them."""
    cased = [proper_case(word) for word in words]
    folded = tuple(word.casefold() for word in words)
    given = 1
    for size in (3, 2):
        if len(words) >= size and folded[:size] in COMPOUND_GIVEN_NAMES:
            given = size
            break
    rest = cased[given:]
    family = [word for word in rest if word.casefold() not in PARTICLES]
    limit = 2 if language in TWO_SURNAMES else 1
    if len(family) > limit and not any(word.casefold() in PARTICLES for word in rest):
        rest = []  # "John Paul Jones": a middle name or a double surname? Ask instead.
    return SplitName(given=" ".join(cased[:given]), last=" ".join(rest))
