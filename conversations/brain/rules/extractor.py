"""The offline extractor: a lead's new messages, read the way a person reads them.

Each line (a burst is joined with newlines, one message a line) is read in this order, and
what an earlier step found is not read again by a later one:

1. **emails**: every address-like token, checked with Django's validator; "it's x, not y"
   keeps x. The addresses are then blanked, so they never become part of a name.
2. **labels**: "Name: …", "Empresa: …", "E-Mail: …", one per line or several on one.
3. **cues**: "my name is", "soy", "aqui é o", "hier ist" … then a name, and the company
   after it ("with Bluefin", ", de Ferretería Robles", "von Vogel & Söhne"); "I work at",
   "trabajo en", "ich arbeite bei" … then a company.
4. **answers**: a line that said none of that is read in the light of the question the
   bot just asked: "Dana Whitfield" answers "your name?", "Northwind" answers "which
   company?", "Dana, Northwind" answers both. Questions, refusals and everyday phrases
   ("why do you need it?", "just me", "later") answer nothing.

A later line corrects an earlier one ("sorry, it's ana@acme.com"), but an answer never
overrides what the same burst said outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conversations.brain.base import ProfileUpdate
from conversations.brain.rules import lexicon
from conversations.brain.rules.companies import read_company
from conversations.brain.rules.names import (
    NEXT_WORD,
    is_company_word,
    proper_case,
    read_name,
    split_name,
)
from profiles.completeness import PROFILE_FIELDS, is_valid_email

BLANK = "\x1f"  # stands in for a found email, keeping every position of the line
TOKEN = re.compile(r"\S+")
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
MAX_EMAIL_TOKEN = 320
NEGATED = re.compile(
    r"(?:\bnot|\bno|\bnicht|\bnão|\bnao|\binstead of|\bstatt|\banstatt|\ben vez de"
    r"|\ben lugar de|\bem vez de|\bwrong|\bfalsch|\berrado|\bequivocado|\bold|\balte)\W*$",
    re.IGNORECASE,
)
NAME_FIELDS = ("name", "last_name")


def _alternation(phrases) -> str:
    # lower(), not casefold(): a pattern for "heiße" must keep its ß (re.I does not fold it).
    unique = sorted({phrase.lower() for phrase in phrases}, key=len, reverse=True)
    return "|".join(re.escape(phrase).replace(r"\ ", r"[^\S\n]+") for phrase in unique)


def _cues(phrases) -> re.Pattern:
    return re.compile(rf"(?<![\w'\u2019])(?:{_alternation(phrases)})(?![\w'\u2019])", re.I)


def _leading(phrases) -> re.Pattern:
    """Any run of these phrases (with punctuation and emoji between) at a position."""
    return re.compile(
        rf"(?:[^\w\n{BLANK}]|_)*(?:(?:{_alternation(phrases)})(?![\w'\u2019-])"
        rf"(?:[^\w\n{BLANK}]|_)*)*",
        re.IGNORECASE,
    )


STRONG_NAME = _cues(lexicon.STRONG_NAME_CUES)
WEAK_NAME = _cues(lexicon.WEAK_NAME_CUES)
STRONG_CUES = {phrase.casefold() for phrase in lexicon.STRONG_NAME_CUES}
NAME_ARTICLE = re.compile(rf"[^\S\n]+(?:{_alternation(lexicon.NAME_ARTICLES)})(?=[^\S\n])", re.I)
NAME_SUFFIX = re.compile(rf"[^\S\n]+(?:{_alternation(lexicon.NAME_SUFFIX_CUES)})(?!\w)", re.I)
COMPANY = _cues(lexicon.COMPANY_CUES)
AFTER_NAME_COMPANY = re.compile(
    # One run of spaces, a comma and another: "[ ]*,?[ ]*" would be quadratic on spaces.
    rf"[^\S\n]*(?:,[^\S\n]*)?(?:{_alternation(lexicon.AFTER_NAME_COMPANY_CUES)})(?![\w'\u2019])",
    re.I,
)
LABEL_FIELDS = {
    label.casefold(): field for field, labels in lexicon.LABELS.items() for label in labels
}
LABEL = re.compile(
    rf"(?<![\w-])(?P<label>{_alternation(LABEL_FIELDS)})[^\S\n]*[:\uff1a=][^\S\n]*", re.I
)
LAST_NAME_LABEL = re.compile(
    rf"(?<![\w-])(?:{_alternation(lexicon.LABELS['last_name'])})[^\S\n]*[:\uff1a=]", re.I
)
FILLERS = _leading(lexicon.ANSWER_FILLERS)
COMPANY_LEADS = _leading(lexicon.ANSWER_FILLERS + lexicon.COMPANY_ANSWER_LEADS)
TAILS = re.compile(
    rf"(?:(?:[^\w\n{BLANK}]|_)*(?<![\w'\u2019])(?:{_alternation(lexicon.ANSWER_TAILS)})"
    rf"(?![\w'\u2019]))*(?:[^\w\n{BLANK}]|_)*$",
    re.IGNORECASE,
)
QUESTION = re.compile(
    r"[?¿]|^\W*(?:what|how|why|when|where|which|who|do you|does|did you|can you|could you"
    r"|would you|is it|are you|qué|que es|cómo|cuánto|cuándo|dónde|por qué|tienen|hacen"
    r"|quanto|quando|onde|por que|qual|vocês|voces|você tem|was|wie|warum|wann|wo|welche"
    r"|gibt es|können sie|kann ich|haben sie)(?!\w)",
    re.IGNORECASE,
)
REFUSAL = _cues(lexicon.REFUSALS)
PARTS = re.compile(r"[^,;/]+")


@dataclass(frozen=True, slots=True)
class Context:
    asked: frozenset[str]  # the fields the bot's last message asked for
    language: str
    has_last_name_label: bool


def _update(field: str, value: str, quote: str) -> ProfileUpdate:
    return ProfileUpdate(field, value, " ".join(quote.split()))


# --- 1. emails ---------------------------------------------------------------------------------


def _emails(line: str) -> tuple[str, ProfileUpdate | None]:
    """The line with its addresses blanked, and the address it gives (the last one not
    negated: "it's x, not y" gives x)."""
    chosen = None
    blanked = line
    for token in TOKEN.finditer(line):
        if "@" not in token.group() or len(token.group()) > MAX_EMAIL_TOKEN:
            continue
        for match in EMAIL.finditer(token.group()):
            address = match.group().strip(".-'")
            start = token.start() + match.start()
            end = start + len(match.group())
            blanked = blanked[:start] + BLANK * (end - start) + blanked[end:]
            if not is_valid_email(address) or NEGATED.search(line, max(0, start - 30), start):
                continue
            chosen = ProfileUpdate("email", address.lower(), address)
    return blanked, chosen


# --- 2. labels ---------------------------------------------------------------------------------


def _labelled(line: str, context: Context) -> tuple[str, dict[str, ProfileUpdate]]:
    """The text before the first label, and what the labels give."""
    labels = list(LABEL.finditer(line))
    if not labels:
        return line, {}
    found: dict[str, ProfileUpdate] = {}
    for index, label in enumerate(labels):
        value_end = labels[index + 1].start() if index + 1 < len(labels) else len(line)
        value = line[label.end() : value_end].strip().rstrip(",;|").strip()
        field = LABEL_FIELDS[" ".join(label["label"].casefold().split())]
        quote = line[label.start() : label.end() + len(value)]
        if field == "company":
            company = read_company(value, 0, lowercase_ok=True)
            if company:
                found["company"] = _update("company", company.value, quote)
        elif field != "email":
            name = read_name(value, 0, lowercase_ok=True, allow_particle_start=field != "name")
            if name is None:
                continue
            if field == "full" and not context.has_last_name_label:
                split = split_name(name.words, context.language)
                found["name"] = _update("name", split.given, quote)
                if split.last:
                    found["last_name"] = _update("last_name", split.last, quote)
            else:
                target = "name" if field == "full" else field
                words = " ".join(proper_case(word) for word in name.words)
                found[target] = _update(target, words, quote)
    return line[: labels[0].start()], found


# --- 3. cues -----------------------------------------------------------------------------------


def _name_updates(line: str, start: int, name, context: Context) -> dict[str, ProfileUpdate]:
    split = split_name(name.words, context.language)
    quote = line[start : name.end]
    found = {"name": _update("name", split.given, quote)}
    if split.last:
        found["last_name"] = _update("last_name", split.last, quote)
    return found


def _company_after_name(line: str, end: int) -> ProfileUpdate | None:
    cue = AFTER_NAME_COMPANY.match(line, end)
    if cue and (company := read_company(line, cue.end())):
        return _update("company", company.value, line[end : company.end].lstrip(" ,"))
    return None


def _introduced(line: str, context: Context) -> dict[str, ProfileUpdate]:
    """A name after "my name is", "soy", "hier ist" …, and a company right after it."""
    has_capitals = any(ch.isupper() for ch in line)
    cues = sorted(
        [*STRONG_NAME.finditer(line), *WEAK_NAME.finditer(line)], key=lambda cue: cue.start()
    )
    for cue in cues:
        strong = " ".join(cue.group().casefold().split()) in STRONG_CUES
        pos = cue.end()
        if not strong and (article := NAME_ARTICLE.match(line, pos)):
            pos = article.end()
        name = read_name(line, pos, lowercase_ok=strong or not has_capitals)
        if name is None:
            continue
        found = _name_updates(line, cue.start(), name, context)
        if company := _company_after_name(line, name.end):
            found["company"] = company
        return found
    return {}


def _signed(line: str, context: Context) -> dict[str, ProfileUpdate]:
    """ "Dana here", "Katrin hier", at the start of a line."""
    start = FILLERS.match(line).end()
    name = read_name(line, start, lowercase_ok=False)
    if name and NAME_SUFFIX.match(line, name.end):
        return _name_updates(line, name.start, name, context)
    return {}


def _company(line: str) -> ProfileUpdate | None:
    """A company after "I work at", "trabajo en", "ich arbeite bei" …; in lower case only
    from a lead who types everything in lower case ("i work at northwind")."""
    lowercase_ok = not any(ch.isupper() for ch in line)
    for cue in COMPANY.finditer(line):
        company = read_company(line, cue.end(), lowercase_ok=lowercase_ok)
        if company:
            return _update("company", company.value, line[cue.start() : company.end])
    return None


# --- 4. answers --------------------------------------------------------------------------------


def _rest_is_empty(text: str, pos: int) -> bool:
    """Nothing but punctuation, emoji and courtesies ("thanks!") from `pos` on."""
    return TAILS.match(text, pos) is not None


def _answer_part(part: str, wanted: set[str], context: Context) -> dict[str, ProfileUpdate]:
    """What one comma-separated part of an answer gives, among the fields still wanted."""
    start = FILLERS.match(part).end()
    following = NEXT_WORD.match(part, start)
    companyish = "&" in part or any(
        is_company_word(word) for word in re.findall(r"[^\W\d_]+\.?", part[start:])
    )
    if wanted & {"name", "last_name"} and not companyish and following:
        allow_particles = "name" not in wanted
        name = read_name(part, start, lowercase_ok=True, allow_particle_start=allow_particles)
        if name and _rest_is_empty(part, name.end):
            if "name" in wanted:
                return _name_updates(part, name.start, name, context)
            last = " ".join(proper_case(word) for word in name.words)
            return {"last_name": _update("last_name", last, part[name.start : name.end])}
        if name and "name" in wanted and (company := _company_after_name(part, name.end)):
            return {**_name_updates(part, name.start, name, context), "company": company}
    if "company" in wanted:
        start = COMPANY_LEADS.match(part).end()
        company = read_company(part, start, lowercase_ok=True)
        if company and _rest_is_empty(part, company.end):
            return {"company": _update("company", company.value, part[company.start : company.end])}
    return {}


def _answered(line: str, wanted: set[str], context: Context) -> dict[str, ProfileUpdate]:
    """The line read as an answer to the bot's question, when it is one."""
    text = line.strip()
    if not text or QUESTION.search(text) or REFUSAL.search(text):
        return {}
    found: dict[str, ProfileUpdate] = {}
    for part in PARTS.finditer(text):
        if not wanted - found.keys():
            break
        found.update(_answer_part(part.group(), wanted - found.keys(), context))
    return found


# --- the whole message -------------------------------------------------------------------------


def _read_line(line: str, context: Context, answered: set[str]) -> dict[str, ProfileUpdate]:
    line, email = _emails(line)
    before_labels, found = _labelled(line, context)
    said = {
        **_signed(before_labels, context),
        **_introduced(before_labels, context),
    }
    if "company" not in said and (company := _company(before_labels)):
        said["company"] = company
    for field, update in said.items():
        found.setdefault(field, update)
    wanted = set(context.asked) - {"email"} - answered - found.keys()
    if wanted and not found:
        found.update(_answered(before_labels, wanted, context))
    if email:
        found["email"] = email
    return found


def extract_updates(
    text: str, *, asked: tuple[str, ...] = (), language: str = "en"
) -> list[ProfileUpdate]:
    """The profile fields the lead's new messages state, in profile order."""
    context = Context(
        asked=frozenset(asked),
        language=language,
        has_last_name_label=LAST_NAME_LABEL.search(text) is not None,
    )
    found: dict[str, ProfileUpdate] = {}
    for line in text.split("\n"):
        found.update(_read_line(line, context, answered=set(found)))
    return [found[field] for field in PROFILE_FIELDS if field in found]
