"""A deterministic rule-based brain: no network, no model, good enough to run a real lead.

`rules` reads the lead's new messages (in English, Spanish, Portuguese or German) in the
light of the question the bot last asked; this module writes the answer in the lead's
language, asking for what is still missing, one or two fields at a time, and says which
fields it asked for so that the next turn can read the answer.
"""

from __future__ import annotations

from conversations.brain.base import BrainReply, BrainTurn
from conversations.brain.rules import detect_language, extract_updates, handoff_topic

FIELD_WORDS = {
    "en": {"name": "your first name", "last_name": "your last name",
           "company": "the company you work for", "email": "your email address"},
    "es": {"name": "tu nombre", "last_name": "tu apellido",
           "company": "la empresa en la que trabajas", "email": "tu correo electrónico"},
    "pt": {"name": "o seu nome", "last_name": "o seu sobrenome",
           "company": "a empresa onde trabalha", "email": "o seu e-mail"},
    "de": {"name": "Ihren Vornamen", "last_name": "Ihren Nachnamen",
           "company": "die Firma, für die Sie arbeiten", "email": "Ihre E-Mail-Adresse"},
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
    "de": {"hello": "Hallo{name}!", "thanks": "Danke{name}!", "and": "und",
           "ask": "Könnten Sie mir {fields} nennen?",
           "done": "Ich habe alles, was ich brauche. Jemand aus unserem Team meldet sich bald."},
}  # fmt: skip
# A question only a person can answer: the lead is told so (never "I have everything"), and
# the missing fields are still asked for, the person will want them too.
HANDOFF_PHRASES = {
    "en": {"sorry": "I'm sorry to hear that.",
           "person": "A person from our team will answer you here shortly.",
           "meanwhile": "Meanwhile, {question}"},
    "es": {"sorry": "Lamento mucho lo ocurrido.",
           "person": "Una persona de nuestro equipo te responderá aquí en breve.",
           "meanwhile": "Mientras tanto, {question}"},
    "pt": {"sorry": "Lamento muito pelo ocorrido.",
           "person": "Uma pessoa da nossa equipe vai te responder aqui em breve.",
           "meanwhile": "Enquanto isso, {question}"},
    "de": {"sorry": "Das tut mir leid.",
           "person": "Eine Person aus unserem Team antwortet Ihnen hier in Kürze.",
           "meanwhile": "Bis dahin: {question}"},
}  # fmt: skip
# What the conversation's notice says the person must answer, per handoff topic.
HANDOFF_REASONS = {
    "price": "price question",
    "availability": "availability question",
    "complaint": "complaint",
}
FIELDS_PER_QUESTION = 2


def conversation_language(turn: BrainTurn) -> str:
    """The user's latest telling message: answering only "ana@acme.com" keeps their language."""
    for item in reversed(turn.history):
        if item.role == "user" and (language := detect_language(item.text)):
            return language
    return "en"


def question_for(language: str, asks: tuple[str, ...]) -> str:
    """The question asking for `asks` ("Could you tell me your first name and …?")."""
    phrases = PHRASES[language]
    fields = f" {phrases['and']} ".join(FIELD_WORDS[language][field] for field in asks)
    return phrases["ask"].format(fields=fields)


class OfflineBrain:
    def respond(self, turn: BrainTurn) -> BrainReply:
        language = conversation_language(turn)
        updates = extract_updates(turn.new_user_text, asked=turn.last_asked, language=language)
        learned = {update.field: update.value for update in updates}
        missing = [field for field in turn.profile.missing if field not in learned]
        name = learned.get("name") or turn.profile.name
        phrases = PHRASES[language]
        greeting = phrases["thanks" if updates else "hello"].format(name=f" {name}" if name else "")
        topic = handoff_topic(turn.new_user_text)
        asks = tuple(missing[:FIELDS_PER_QUESTION])
        if topic:
            text = f"{greeting} {handoff_text(language, topic, asks)}"
        elif asks:
            text = f"{greeting} {question_for(language, asks)}"
        else:
            text = f"{greeting} {phrases['done']}"
        return BrainReply(
            text=text, updates=tuple(updates), asks=asks, handoff=HANDOFF_REASONS.get(topic, "")
        )


def handoff_text(language: str, topic: str, asks: tuple[str, ...]) -> str:
    """A person will answer; meanwhile, the question for what is still missing."""
    phrases = HANDOFF_PHRASES[language]
    parts = [phrases["sorry"]] if topic == "complaint" else []
    parts.append(phrases["person"])
    if asks:
        question = question_for(language, asks)
        if language != "de":  # German keeps "Könnten Sie" capitalised
            question = question[0].lower() + question[1:]
        parts.append(phrases["meanwhile"].format(question=question))
    return " ".join(parts)
