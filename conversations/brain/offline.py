"""A deterministic rule-based brain: no network, good enough for a demo and for tests.

It finds an email, "my name is / me llamo / I'm X Y" and "I work at / for X" in the user's
new messages, and asks for what is still missing, one or two fields at a time, in English,
Spanish or Portuguese as the user writes.
"""

from __future__ import annotations

import re

from conversations.brain.base import BrainReply, BrainTurn, ProfileUpdate

APOSTROPHES = "'\u2019"  # O'Brien, typed with a straight or a curly apostrophe
NAME_WORD = rf"[^\W\d_][^\W\d_{APOSTROPHES}-]*(?:[{APOSTROPHES}-][^\W\d_]+)*"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
I_AM = rf"\bI(?:[{APOSTROPHES}]m| am)"  # phones often curl the apostrophe
NAME = re.compile(
    rf"(?:\bmy name is|\bme llamo|\bmi nombre es|\bmeu nome [ée]|\bje m[{APOSTROPHES}]appelle|"
    rf"{I_AM}|\bsoy|\bsou)\s+"
    # Up to two more words on the same line may be the last name ("Pérez García"); a burst is
    # joined with newlines, so the next message never becomes part of the name.
    rf"(?P<first>{NAME_WORD})(?P<rest>(?:[^\S\n]+{NAME_WORD}){{0,2}})",
    re.IGNORECASE | re.UNICODE,
)
LAST_NAME_WORD = re.compile(rf"[^\S\n]+(?P<word>{NAME_WORD})", re.UNICODE)
# Capitalised words that follow a first name without being a last name ("Ana I work at ...").
NOT_LAST_NAMES = {"i", "and", "y", "e"}
COMPANY = re.compile(
    rf"(?:\bwork(?:ing)?\s+(?:at|for|with)|{I_AM}\s+(?:calling|writing)\s+from|"
    r"\bmy company is|\btrabajo\s+(?:en|para)|\bmi empresa es|\btrabalho\s+(?:na|no|em|para)|"
    r"\bminha empresa [ée])\s+(?P<company>[^,.;!?\n]+?)(?=\s+(?:and|y|e)\s|[,.;!?\n]|$)",
    re.IGNORECASE | re.UNICODE,
)
# Words that follow "I'm" without being a name ("I'm interested", "I'm from ...").
NOT_NAMES = {
    "a", "an", "the", "interested", "looking", "from", "calling", "writing", "here", "fine",
    "good", "not", "just", "very", "so", "in", "at", "on", "trying", "sorry", "glad", "happy",
    "un", "una", "de", "muy", "bien", "interesado", "interesada", "um", "uma", "bem",
}  # fmt: skip

SPANISH = re.compile(
    r"\b(hola|gracias|me llamo|mi nombre|soy|trabajo|correo|buenos|buenas|quiero)\b", re.I
)
PORTUGUESE = re.compile(r"\b(olá|ola|obrigad[oa]|bom dia|meu nome|trabalho|quero|sou)\b", re.I)
ENGLISH = re.compile(
    r"\b(hi|hello|hey|thanks|thank you|please|good (morning|afternoon)|my (name|email|company)|"
    rf"I work)\b|{I_AM}\b",
    re.I,
)

FIELD_WORDS = {
    "en": {"name": "your first name", "last_name": "your last name",
           "company": "the company you work for", "email": "your email address"},
    "es": {"name": "tu nombre", "last_name": "tu apellido",
           "company": "la empresa en la que trabajas", "email": "tu correo electrónico"},
    "pt": {"name": "o seu nome", "last_name": "o seu sobrenome",
           "company": "a empresa onde trabalha", "email": "o seu e-mail"},
}  # fmt: skip
PHRASES = {
    "en": {"hello": "Hi{name}!", "thanks": "Thanks{name}!", "and": "and",
           "ask": "Could you tell me {fields}?",
           "done": "I have everything I need. Someone from our team will be in touch soon."},
    "es": {"hello": "¡Hola{name}!", "thanks": "¡Gracias{name}!", "and": "y",
           "ask": "¿Me podrías decir {fields}?",
           "done": "Ya tengo todo lo que necesito. Alguien de nuestro equipo te escribirá pronto."},
    "pt": {"hello": "Olá{name}!", "thanks": "Obrigado{name}!", "and": "e",
           "ask": "Pode me dizer {fields}?",
           "done": "Já tenho tudo de que preciso. Alguém da nossa equipe entrará em contato."},
}  # fmt: skip


def detect_language(text: str) -> str | None:
    """The language a message is written in, or None when it says nothing (a bare email)."""
    if SPANISH.search(text):
        return "es"
    if PORTUGUESE.search(text):
        return "pt"
    if ENGLISH.search(text):
        return "en"
    return None


def conversation_language(turn: BrainTurn) -> str:
    """The user's latest telling message: answering only "ana@acme.com" keeps their language."""
    for item in reversed(turn.history):
        if item.role == "user" and (language := detect_language(item.text)):
            return language
    return "en"


def extract_updates(text: str) -> list[ProfileUpdate]:
    updates: list[ProfileUpdate] = []
    if email := EMAIL.search(text):
        updates.append(ProfileUpdate("email", email.group(0), email.group(0)))
    for match in NAME.finditer(text):
        first = match.group("first")
        if first.lower() in NOT_NAMES or not first[0].isupper():
            continue
        last_words, end = [], match.end("first")
        for word in LAST_NAME_WORD.finditer(text, match.start("rest"), match.end("rest")):
            if not word["word"][0].isupper() or word["word"].lower() in NOT_LAST_NAMES:
                break
            last_words.append(word["word"])
            end = word.end()
        quote = text[match.start() : end]
        updates.append(ProfileUpdate("name", first, quote))
        if last_words:
            updates.append(ProfileUpdate("last_name", " ".join(last_words), quote))
        break
    if company := COMPANY.search(text):
        name = company.group("company").strip()
        if name:
            updates.append(ProfileUpdate("company", name, company.group(0).strip()))
    return updates


class OfflineBrain:
    def respond(self, turn: BrainTurn) -> BrainReply:
        text = turn.new_user_text
        updates = extract_updates(text)
        learned = {update.field: update.value for update in updates}
        missing = [field for field in turn.profile.missing if field not in learned]
        name = learned.get("name") or turn.profile.name
        language = conversation_language(turn)
        phrases = PHRASES[language]
        greeting = phrases["thanks" if updates else "hello"].format(name=f" {name}" if name else "")
        if not missing:
            return BrainReply(text=f"{greeting} {phrases['done']}", updates=tuple(updates))
        asked = [FIELD_WORDS[language][field] for field in missing[:2]]
        fields = f" {phrases['and']} ".join(asked)
        return BrainReply(
            text=f"{greeting} {phrases['ask'].format(fields=fields)}", updates=tuple(updates)
        )
