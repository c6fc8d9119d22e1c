"""Reading a company's name out of a message, from where a cue says it starts.

A company's name runs to the end of its clause: it keeps its "&", its connectors between
capitalised words ("Smith and Sons") and the dots of its legal form ("S.A.", "Ltd."), and
stops at the punctuation, the everyday words and the courtesies that follow it ("Acme,
thanks!", "Acme as a buyer", "Acme and my email is …"). Cities and countries a lead says
they are *from* are not companies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conversations.brain.rules.lexicon import COMMON_WORDS, LEGAL_SUFFIXES, PLACES, word_set

TOKEN = re.compile(r"[^\S\n]*(?P<token>[^\s\x1f]+)")
OPENING_QUOTES = "\"'\u201c\u2018«„"
CLOSING = ",.;:!?)]\"'\u201d\u2019»"
# Words a lead puts before the name itself: "at the company Acme", "bei der Firma Vogel".
LEADING_WORDS = word_set(
    "the la el a o der die das company empresa firma companhia compañía unternehmen"
)
MAX_LEADING_WORDS = 2
# Joining words inside a name, kept only when a capitalised word follows: "Smith and Sons".
CONNECTORS = word_set("& and of y e und de del la las los da do das dos der die für")
# Never part of a name, however they are written: "Acme Thanks!".
COURTESIES = word_set(
    "thanks thank thx please cheers regards gracias saludos obrigado obrigada abraço abraços "
    "danke bitte grüße gruss gruß lg"
)
MAX_WORDS = 8


@dataclass(frozen=True, slots=True)
class CompanyMatch:
    value: str
    start: int
    end: int


def _core(token: str) -> tuple[str, str]:
    """The token without its closing punctuation, and that punctuation."""
    core = token.rstrip(CLOSING)
    return core, token[len(core) :]


def _is_legal_suffix(word: str) -> bool:
    folded = word.casefold()
    return any(form in LEGAL_SUFFIXES for form in (folded, folded + ".", folded.rstrip(".")))


def _tokens(text: str, pos: int) -> list[tuple[str, int, int]]:
    """The tokens of the clause from `pos` on, with their spans (at most a few more than fit)."""
    tokens = []
    while len(tokens) <= MAX_WORDS + MAX_LEADING_WORDS and (match := TOKEN.match(text, pos)):
        tokens.append((match["token"], match.start("token"), match.end("token")))
        pos = match.end()
    return tokens


def _starts_upper(word: str) -> bool:
    return bool(word) and (word[0].isupper() or word[0].isdigit() or word[0] == "&")


def read_company(text: str, pos: int, *, lowercase_ok: bool = False) -> CompanyMatch | None:
    """The company whose name starts at `pos` (after spaces and an article), or None."""
    tokens = _tokens(text, pos)
    index = 0
    while (
        index < min(len(tokens), MAX_LEADING_WORDS)
        and tokens[index][0] in LEADING_WORDS  # lower case: "la empresa X", not "Empresa Azul"
        and index + 1 < len(tokens)
    ):
        index += 1
    words: list[str] = []
    start = end = None
    while index < len(tokens) and len(words) < MAX_WORDS:
        token, token_start, _ = tokens[index]
        if not words:
            stripped = token.lstrip(OPENING_QUOTES)
            token_start += len(token) - len(stripped)
            token = stripped
        elif token[0] in OPENING_QUOTES + "(":
            break
        core, trail = _core(token)
        folded = core.casefold()
        if not core or (not any(ch.isalnum() for ch in core) and core != "&"):
            break
        if folded in COURTESIES or "@" in core:
            break
        following = tokens[index + 1][0] if index + 1 < len(tokens) else ""
        if words and folded in CONNECTORS:
            if trail or not _starts_upper(following.lstrip(OPENING_QUOTES)):
                break
        elif words and core.islower() and folded in COMMON_WORDS:
            break
        if trail[:1] == "." and (core + ".").casefold() in LEGAL_SUFFIXES:  # "Ltd.", not "AG."
            core, trail = core + ".", trail[1:]
        start = token_start if start is None else start
        end = token_start + len(core)
        words.append(core)
        index += 1
        next_is_suffix = _is_legal_suffix(_core(following)[0])
        goes_on = next_is_suffix or following == "&"  # "GmbH & Co. KG"
        if _is_legal_suffix(core) and len(words) > 1 and not goes_on:
            break  # the legal form ends the name: "Acme Inc. We sell …"
        if trail and not (trail[:1] in ",." and next_is_suffix):
            break
    if not words or start is None or end is None:
        return None
    if words[-1].casefold() in CONNECTORS:
        return None
    first = words[0]
    if not (_starts_upper(first) or (lowercase_ok and first[:1].isalpha())):
        return None
    if first.casefold() in PLACES or all(word.casefold() in COMMON_WORDS for word in words):
        return None
    value = " ".join(text[start:end].split())
    if value.islower():
        value = " ".join(
            word if word.casefold() in CONNECTORS else word[:1].upper() + word[1:]
            for word in value.split()
        )
    return CompanyMatch(value.rstrip(",;:"), start, end)
