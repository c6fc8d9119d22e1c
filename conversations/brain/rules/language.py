"""Which of the four languages a message is written in, and which fields a question asks for.

Language is scored, not matched first-come: "Hola, I'm Ana" has words of two languages, and
the one with more telling words wins; a message with none ("ana@acme.com", "Dana") says
nothing, so the conversation keeps the language the lead spoke before.
"""

from __future__ import annotations

import re

from conversations.brain.rules.lexicon import word_set
from profiles.completeness import PROFILE_FIELDS

LANGUAGES = ("en", "es", "pt", "de")
WORDS = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")
# Words (lower case) that tell a language; shared words ("a", "de", "no") count for none.
TELLING = {
    "en": word_set(
        """hi hello hey thanks thank please my name is i i'm im i\u2019m am work company email
        the and you your to for with what how much yes sure this it's from here would like
        interested looking know more about can could do does want need our we us of
        morning afternoon evening quote price cheers"""
    ),
    "es": word_set(
        """hola gracias me llamo mi nombre soy trabajo empresa correo quiero buenos buenas días
        tardes noches por favor sí cuánto cuanto qué información precio usted tengo para con
        el los las y es estoy quisiera saber más interesa necesito puedes podrías llamarme
        apellido somos nosotros hablo escribo vale claro perfecto muchas también"""
    ),
    "pt": word_set(
        """olá oi obrigado obrigada sou meu minha nome é trabalho empresa quero bom dia boa
        tarde noite você vocês não sim informação informações preço aqui da do com tudo bem
        está gostaria saber mais tenho preciso sobrenome chamo somos nossa nosso fala
        também então eu obg valeu beleza"""
    ),
    "de": word_set(
        """hallo ich bin und mein meine ist danke bitte guten tag morgen firma heiße heisse
        arbeite bei wir sie nicht für gerne ja nein mit vielen dank möchte hätte gern gibt
        was kostet wie viel haben können kann name vorname nachname hier spricht unsere
        unser interessiere interesse grüße servus moin"""
    ),
}
# Letters only one of the languages writes.
TELLING_LETTERS = {"es": "ñ¿¡", "pt": "ãõç", "de": "ßäöü"}

# Phrases in the bot's (or an agent's) question that ask for each field. Company phrases
# are read first and blanked, so "nombre de la empresa" does not also ask for the name;
# then the last name's, so "last name" does not also ask for the first.
ASKING = {
    "company": r"company name|name of (?:your|the) company|nombre de (?:la|tu|su) empresa"
    r"|nome da (?:sua )?empresa|firmenname|namen? (?:der|ihrer) firma"
    r"|company|business|employer|empresa|compañía|companhia|firma|unternehmen"
    r"|where do you work|where you work|dónde trabajas|onde (?:você )?trabalha"
    r"|wo arbeiten sie|für welche",
    "email": r"e-?mail|correo|mail",
    "last_name": r"last name|surname|family name|apellidos?|sobrenome|apelido|nachnamen?"
    r"|familiennamen?|vor- und nachnamen?",
    "name": r"first name|your name|full name|names?|nombre|nome|vornamen?|wie heißen sie"
    r"|cómo te llamas|como te llamas|cómo se llama|como se chama|como você se chama"
    r"|who am i speaking|con quién hablo|com quem falo|mit wem spreche",
}
ASKING_PATTERNS = {
    field: re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)
    for field, pattern in ASKING.items()
}
FULL_NAME = re.compile(
    r"(?<!\w)(?:full name|first and last name|nombre completo|nombre y apellidos?"
    r"|nome completo|nome e sobrenome|vor- und nachnamen?|vollständigen namen)(?!\w)",
    re.IGNORECASE,
)


def detect_language(text: str) -> str | None:
    """The language a message is written in, or None when it says nothing telling."""
    scores = dict.fromkeys(LANGUAGES, 0)
    # Emails and links say nothing of the language ("ana@acme.com" is not Portuguese "com").
    words = " ".join(token for token in text.split() if "@" not in token and "/" not in token)
    for word in WORDS.findall(words):
        folded = word.casefold()
        for language in LANGUAGES:
            if folded in TELLING[language]:
                scores[language] += 1
        if word.islower():
            for language, letters in TELLING_LETTERS.items():
                if any(letter in folded for letter in letters):
                    scores[language] += 1
    best = max(LANGUAGES, key=lambda language: scores[language])
    return best if scores[best] else None


def fields_asked_in(text: str) -> tuple[str, ...]:
    """The profile fields a message asks for, read from its words; () when it asks nothing.

    Used for the bot's questions that recorded no fields (an agent's, an edited draft's,
    an imported thread's) so that the lead's answer is still read in their light.
    """
    if "?" not in text and "¿" not in text:
        return ()
    found: set[str] = set()
    remaining = text
    for field, pattern in ASKING_PATTERNS.items():
        if pattern.search(remaining):
            found.add(field)
            remaining = pattern.sub(" ", remaining)
    if FULL_NAME.search(text):
        found.update(("name", "last_name"))
    return tuple(field for field in PROFILE_FIELDS if field in found)
