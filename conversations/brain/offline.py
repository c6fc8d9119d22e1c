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
NAME = re.compile(
    r"(?:\bmy name is|\bme llamo|\bmi nombre es|\bmeu nome [ée]|\bje m'appelle|"
    r"\bI(?:'m| am)|\bsoy|\bsou)\s+"
    rf"(?P<first>{NAME_WORD})(?:\s+(?P<last>{NAME_WORD}(?:\s+{NAME_WORD})?))?",
    re.IGNORECASE | re.UNICODE,
)
COMPANY = re.compile(
    r"(?:\bwork(?:ing)?\s+(?:at|for|with)|\bI(?:'m| am)\s+(?:calling|writing)\s+from|"
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

SPANISH = re.compile(r"\b(hola|gracias|me llamo|trabajo|correo|buenos|buenas|quiero)\b", re.I)
PORTUGUESE = re.compile(r"\b(olá|ola|obrigad[oa]|bom dia|meu nome|trabalho|quero|sou)\b", re.I)

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


def detect_language(text: str) -> str:
    if SPANISH.search(text):
        return "es"
    if PORTUGUESE.search(text):
        return "pt"
    return "en"


def extract_updates(text: str) -> list[ProfileUpdate]:
    updates: list[ProfileUpdate] = []
    if email := EMAIL.search(text):
        updates.append(ProfileUpdate("email", email.group(0), email.group(0)))
    for match in NAME.finditer(text):
        first = match.group("first")
        if first.lower() in NOT_NAMES or not first[0].isupper():
            continue
        updates.append(ProfileUpdate("name", first, match.group(0)))
        last = match.group("last")
        if last and last[0].isupper():
            updates.append(ProfileUpdate("last_name", last, match.group(0)))
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
        language = detect_language(text)
        phrases = PHRASES[language]
        greeting = phrases["thanks" if updates else "hello"].format(name=f" {name}" if name else "")
        if not missing:
            return BrainReply(text=f"{greeting} {phrases['done']}", updates=tuple(updates))
        asked = [FIELD_WORDS[language][field] for field in missing[:2]]
        fields = f" {phrases['and']} ".join(asked)
        return BrainReply(
            text=f"{greeting} {phrases['ask'].format(fields=fields)}", updates=tuple(updates)
        )
