"""Who the demo leads are and what they write: deterministic, so a second run finds them all.

Lead `i` gets a language (English, Spanish, Portuguese, German: what the offline brain
reads), a person of that language, a phone derived from `i`, and a script: the messages it
sends, one bot turn each. Scripts end with complete profiles and with incomplete ones.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

LANGUAGES = ("en", "es", "pt", "de")
# Country code and a fictitious block per language; the lead's index makes the last digits.
PHONE_PREFIXES = {"en": "1555020", "es": "3460020", "pt": "3519120", "de": "4915120"}
MAX_LEADS = 1000

PEOPLE: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "en": (
        ("Dana", "Whitfield", "Northwind Traders", "northwind.com"),
        ("Omar", "Haddad", "Bluefin Logistics", "bluefin.com"),
        ("Grace", "Okafor", "Harbor Analytics", "harboranalytics.com"),
        ("Ethan", "Brooks", "Brookline Dental", "brooklinedental.com"),
        ("Priya", "Nair", "Lumen Solar", "lumensolar.com"),
        ("Ryan", "Cole", "Cole Roofing", "coleroofing.com"),
    ),
    "es": (
        ("Lucía", "Fernández", "Distribuciones Sol", "dsol.es"),
        ("Inés", "Robles", "Ferretería Robles", "ferreteriarobles.es"),
        ("Carlos", "Méndez", "Viajes Atlántico", "viajesatlantico.es"),
        ("Marta", "Gil", "Panadería Gil", "panaderiagil.es"),
        ("Diego", "Navarro", "Navarro Abogados", "navarroabogados.es"),
        ("Elena", "Castro", "Clínica Castro", "clinicacastro.es"),
    ),
    "pt": (
        ("Beatriz", "Santos", "Lusomar", "lusomar.pt"),
        ("João", "Pereira", "Tecelagem Minho", "tecelagemminho.pt"),
        ("Ana", "Costa", "Costa Imóveis", "costaimoveis.pt"),
        ("Rafael", "Lima", "Café Aurora", "cafeaurora.com.br"),
        ("Mariana", "Rocha", "Rocha Arquitetura", "rocharq.com.br"),
        ("Pedro", "Alves", "Alves Transportes", "alvestransportes.pt"),
    ),
    "de": (
        ("Katrin", "Vogel", "Vogel & Söhne", "vogel-soehne.de"),
        ("Jonas", "Weber", "Weber Logistik", "weber-logistik.de"),
        ("Lena", "Fischer", "Fischer Bau", "fischer-bau.de"),
        ("Felix", "Braun", "Braun Elektrik", "braun-elektrik.de"),
        ("Sophie", "Wagner", "Wagner Reisen", "wagner-reisen.de"),
        ("Lukas", "Becker", "Bäckerei Becker", "baeckerei-becker.de"),
    ),
}

# What a lead writes, by step, in each language; {first} {last} {company} {email} filled in.
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "full": "Hi, I'm {first} {last} from {company}, {email}",
        "intro": "Hello, this is {first} {last} with {company}",
        "question": "Hi! Do you deliver to Lisbon?",
    },
    "es": {
        "full": "Hola, soy {first} {last}, de {company}. Mi correo es {email}",
        "intro": "Hola, soy {first} {last}, de {company}",
        "question": "Hola, ¿hacen envíos a Valencia?",
    },
    "pt": {
        "full": "Olá, sou {first} {last}, da {company}. O meu e-mail: {email}",
        "intro": "Olá, sou {first} {last}, da {company}",
        "question": "Olá! Vocês entregam em Lisboa?",
    },
    "de": {
        "full": "Hallo, hier ist {first} {last} von {company}, {email}",
        "intro": "Hallo, hier ist {first} {last} von {company}",
        "question": "Guten Tag, was kostet das Basispaket?",
    },
}
ANSWERS = {"name": "{first} {last}", "company": "{company}", "email": "{email}"}

# The scripts, by step: the first three end complete, the others incomplete.
SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("full",),
    ("intro", "email"),
    ("question", "name", "company", "email"),
    ("intro",),
    ("question", "name"),
    ("question",),
)
COMPLETE_SCRIPTS = 3

# Lead 1 is in manual mode from its second message on, so the bot's answer waits as a draft;
# the last replies to leads 2 and 9 are reported failed by Meta.
MANUAL_MODE_LEAD = 1
MANUAL_MODE_FROM_STEP = 1
FAILED_SENDS = {2: (131026, "Message undeliverable"), 9: (131047, "Re-engagement message")}


@dataclass(frozen=True, slots=True)
class DemoLead:
    index: int
    wa_id: str
    whatsapp_name: str
    language: str
    messages: tuple[str, ...]
    expect_complete: bool
    manual_from_step: int | None
    failed_send: tuple[int, str] | None

    def wamid(self, step: int) -> str:
        """The same id on every run: a message already stored is never stored again."""
        return f"wamid.demo.{self.wa_id}.{step}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def demo_lead(index: int) -> DemoLead:
    language = LANGUAGES[index % len(LANGUAGES)]
    people = PEOPLE[language]
    first, last, company, domain = people[(index // len(LANGUAGES)) % len(people)]
    script_number = index % len(SCRIPTS)
    values = {
        "first": first,
        "last": last,
        "company": company,
        "email": f"{_ascii(first).lower()}.{_ascii(last).lower()}@{domain}",
    }
    phrases = {**PHRASES[language], **ANSWERS}
    return DemoLead(
        index=index,
        wa_id=f"{PHONE_PREFIXES[language]}{index:04d}",
        # What people call themselves on WhatsApp: often just the first name.
        whatsapp_name=first if index % 3 else f"{first} {last}",
        language=language,
        messages=tuple(phrases[step].format(**values) for step in SCRIPTS[script_number]),
        expect_complete=script_number < COMPLETE_SCRIPTS,
        manual_from_step=MANUAL_MODE_FROM_STEP if index == MANUAL_MODE_LEAD else None,
        failed_send=FAILED_SENDS.get(index),
    )


def demo_leads(count: int) -> list[DemoLead]:
    return [demo_lead(index) for index in range(count)]
