"""WhatsApp chats between the bot and a lead, with the profile a careful human would record.

This is the corpus the offline (rule-based) profile extractor is scored on. It was written
independently of that extractor, without reading it, to represent how leads really write on a
phone: answers that only make sense in the light of the question just asked, one-breath
self-introductions, labelled fields, compound names, corrections, non-answers, broken e-mail
addresses and the usual noise (emoji, lowercase, missing accents, "please").

Conventions for `expected` (all four keys always present; "" means the field must stay empty):
- `name` is the given name. A compound given name in common use goes in whole ("Ana Paula",
  "José Luis", "Hans-Peter", "Anna Maria"); everything after it is `last_name`, particles and
  Iberian double surnames included ("da Silva", "van der Berg", "Fernández García").
- A name typed in lowercase is stored capitalised, each part ("dana" -> "Dana"); particles
  stay lowercase ("dos Santos"). Accents are kept as the lead typed them.
- `company` is stored as the lead named it, legal suffix and "&" included ("Vogel & Söhne
  GmbH"), without the words around it ("at", "bei der", "da", "trabajo en").
- `email` is the address without surrounding punctuation (a sentence's final period is not
  part of it). Something that is not a valid address ("ana@acme", "ana at acme dot com",
  "ana@@acme.com") fills nothing; a correction replaces the earlier address.
- The latest clear answer wins; a question, a refusal or an "I'm interested" fills nothing.

Chat ids read `<language>-<nn>-<kind>-<detail>`, with kind one of: answer, intro, labelled,
compound, spread, nonanswer, invalid, noise. Names and domains are invented.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bot:
    text: str  # what the bot said, in the chat's language
    asks: tuple[str, ...] = ()  # the profile fields this message asks for


@dataclass(frozen=True)
class Lead:
    text: str  # one WhatsApp message from the lead (several Lead in a row = a quick burst)


@dataclass(frozen=True)
class Chat:
    id: str
    language: str  # "en" | "es" | "pt" | "de"
    steps: tuple[Bot | Lead, ...]
    expected: dict[str, str]  # final profile: all four keys; "" = must stay empty


@dataclass(frozen=True)
class NonAnswer:
    language: str
    asks: tuple[str, ...]  # what the bot had just asked for
    text: str  # the lead's message, which must fill NOTHING


def _profile(
    name: str = "", last_name: str = "", company: str = "", email: str = ""
) -> dict[str, str]:
    """The final profile with all four keys, so a chat only spells out what was filled."""
    return {"name": name, "last_name": last_name, "company": company, "email": email}


NAME = ("name", "last_name")
FIRST = ("name",)
LAST = ("last_name",)
COMPANY = ("company",)
EMAIL = ("email",)
ALL = ("name", "last_name", "company", "email")


ENGLISH = (
    Chat(
        id="en-01-answer-full-name",
        language="en",
        steps=(
            Lead("hi, I saw your ad on Instagram"),
            Bot(
                "Hi! Thanks for reaching out. Could you tell me your first name and last name?",
                NAME,
            ),
            Lead("Dana Whitfield"),
        ),
        expected=_profile("Dana", "Whitfield"),
    ),
    Chat(
        id="en-02-answer-lowercase-name",
        language="en",
        steps=(
            Lead("hello"),
            Bot("Hello! What's your first name?", FIRST),
            Lead("ok, it's marcus"),
            Bot("Nice to meet you, Marcus. And your last name?", LAST),
            Lead("okafor"),
        ),
        expected=_profile("Marcus", "Okafor"),
    ),
    Chat(
        id="en-03-answer-company-and-email",
        language="en",
        steps=(
            Lead("Hi there, saw your ad about route planning"),
            Bot("Great! May I have your full name?", NAME),
            Lead("sure! Priya Nair"),
            Bot("Thanks, Priya. Which company are you with?", COMPANY),
            Lead("at Northwind"),
            Bot("And what's your email address?", EMAIL),
            Lead("it's priya@northwind.example.com."),
        ),
        expected=_profile("Priya", "Nair", "Northwind", "priya@northwind.example.com"),
    ),
    Chat(
        id="en-04-intro-with-company-email-at-end",
        language="en",
        steps=(
            Lead(
                "Hi, this is Omar Haddad with Bluefin Logistics. Saw your ad about fleet "
                "tracking, you can reach me at omar.haddad@bluefin.example.com"
            ),
        ),
        expected=_profile("Omar", "Haddad", "Bluefin Logistics", "omar.haddad@bluefin.example.com"),
    ),
    Chat(
        id="en-05-intro-email-in-parentheses",
        language="en",
        steps=(
            Lead(
                "Hey! I'm Grace Liu from Harbor & Pine Ltd. (grace@harborpine.example.org) "
                "and I'd like to know more about your plans"
            ),
            Bot("Thanks, Grace! Which plan are you most interested in?"),
            Lead("the team one I think"),
        ),
        expected=_profile("Grace", "Liu", "Harbor & Pine Ltd.", "grace@harborpine.example.org"),
    ),
    Chat(
        id="en-06-labelled-one-per-line",
        language="en",
        steps=(
            Lead("Hello, I'd like a quote"),
            Bot(
                "Happy to help! Could you send me your first name, last name, company and email?",
                ALL,
            ),
            Lead(
                "Name: Tom\nLast name: Becker\nCompany: Redwood Analytics Inc.\n"
                "Email: tom.becker@redwood.example.com"
            ),
        ),
        expected=_profile(
            "Tom", "Becker", "Redwood Analytics Inc.", "tom.becker@redwood.example.com"
        ),
    ),
    Chat(
        id="en-07-labelled-comma-separated",
        language="en",
        steps=(
            Lead(
                "First name: Aisha, Surname: Bello, Company: Kite Studio LLC, "
                "Email: aisha@kitestudio.example.org"
            ),
        ),
        expected=_profile("Aisha", "Bello", "Kite Studio LLC", "aisha@kitestudio.example.org"),
    ),
    Chat(
        id="en-08-compound-hyphenated-given-name",
        language="en",
        steps=(
            Lead("Good morning, I'm Jean-Luc Moreau from Sable Wines"),
            Bot("Good morning, Jean-Luc! What's the best email to reach you?", EMAIL),
            Lead("jl.moreau@sablewines.example.com"),
        ),
        expected=_profile("Jean-Luc", "Moreau", "Sable Wines", "jl.moreau@sablewines.example.com"),
    ),
    Chat(
        id="en-09-compound-particle-surname",
        language="en",
        steps=(
            Lead("hi, interested in the wholesale offer"),
            Bot("Sure! Could you tell me your first name and last name?", NAME),
            Lead("Pieter van der Berg"),
            Bot("Thanks, Pieter. What's the name of your company?", COMPANY),
            Lead("Dutch Bulb Exports B.V."),
        ),
        expected=_profile("Pieter", "van der Berg", "Dutch Bulb Exports B.V."),
    ),
    Chat(
        id="en-10-spread-email-correction",
        language="en",
        steps=(
            Lead("Hi! I'm Ana Torres, I saw your ad"),
            Bot("Hi Ana! What's your email address?", EMAIL),
            Lead("ana@acme.co"),
            Lead("sorry, it's ana@acme.com not ana@acme.co"),
        ),
        expected=_profile("Ana", "Torres", "", "ana@acme.com"),
    ),
    Chat(
        id="en-11-spread-two-answers-then-last-name",
        language="en",
        steps=(
            Lead("hey, saw your ad"),
            Bot(
                "Hi! Could you tell me your first name and the company you work for?",
                ("name", "company"),
            ),
            Lead("Dana, Northwind Traders"),
            Bot("Thanks, Dana! And your last name?", LAST),
            Lead("Whitfield"),
        ),
        expected=_profile("Dana", "Whitfield", "Northwind Traders"),
    ),
    Chat(
        id="en-12-nonanswer-questions-only",
        language="en",
        steps=(
            Lead("hi, I saw your ad"),
            Bot("Hi! Before we start, may I have your name?", FIRST),
            Lead("how much is it?"),
            Bot("Plans start at $29 a month. And may I have your name?", FIRST),
            Lead("I'm curious about your plans first"),
        ),
        expected=_profile(),
    ),
    Chat(
        id="en-13-nonanswer-then-name",
        language="en",
        steps=(
            Lead("Hello"),
            Bot("Hello! What's your first name?", FIRST),
            Lead("I'm after a demo"),
            Bot("Happy to set one up! What's your first and last name?", NAME),
            Lead("Sam Ortiz"),
            Bot("Thanks, Sam. Which company are you with?", COMPANY),
            Lead("do you deliver to Lisbon?"),
        ),
        expected=_profile("Sam", "Ortiz"),
    ),
    Chat(
        id="en-14-invalid-email-no-domain-suffix",
        language="en",
        steps=(
            Lead("Hi, Laura Kim here"),
            Bot("Hi Laura! What's your email?", EMAIL),
            Lead("laura@kimdesign"),
            Bot("Hmm, that address looks incomplete. Could you send it again?", EMAIL),
            Lead("can we do this later?"),
        ),
        expected=_profile("Laura", "Kim"),
    ),
    Chat(
        id="en-15-invalid-email-then-valid",
        language="en",
        steps=(
            Lead("hello, I'm Kenji Fujimoto"),
            Bot("Nice to meet you, Kenji! What's your email address?", EMAIL),
            Lead("kenji at fujimoto dot com"),
            Bot("Could you type it as an address, like name@example.com?", EMAIL),
            Lead("kenji@@fujimoto.example.com"),
            Lead("oops, kenji@fujimoto.example.com"),
        ),
        expected=_profile("Kenji", "Fujimoto", "", "kenji@fujimoto.example.com"),
    ),
    Chat(
        id="en-16-noise-emoji-lowercase",
        language="en",
        steps=(
            Lead("hiii 👋 saw ur ad!!"),
            Bot("Hi! 😊 What's your first name?", FIRST),
            Lead("chloe"),
            Bot("Thanks, Chloe! And your last name?", LAST),
            Lead("harper 🙂"),
            Bot("Lovely. What's your company's name and your email?", ("company", "email")),
            Lead("Maple & Oak Co. 🍁"),
            Lead("chloe@mapleoak.example.com thanks!"),
        ),
        expected=_profile("Chloe", "Harper", "Maple & Oak Co.", "chloe@mapleoak.example.com"),
    ),
)


SPANISH = (
    Chat(
        id="es-01-answer-full-name",
        language="es",
        steps=(
            Lead("Hola, vi su anuncio en Facebook"),
            Bot("¡Hola! ¿Me dices tu nombre y apellido?", NAME),
            Lead("Claro, Martín Quiroga"),
        ),
        expected=_profile("Martín", "Quiroga"),
    ),
    Chat(
        id="es-02-answer-lowercase-name-and-company",
        language="es",
        steps=(
            Lead("buenas"),
            Bot("¡Buenas! ¿Cómo te llamas?", FIRST),
            Lead("valeria"),
            Bot("Encantado, Valeria. ¿Me dices el nombre de tu empresa?", COMPANY),
            Lead("la empresa es Distribuidora Andina S.A."),
        ),
        expected=_profile("Valeria", "", "Distribuidora Andina S.A."),
    ),
    Chat(
        id="es-03-answer-email-trailing-period",
        language="es",
        steps=(
            Lead("Hola, me interesa el servicio"),
            Bot("¡Genial! ¿Cuál es tu nombre completo?", NAME),
            Lead("Lucas Peña"),
            Bot("Gracias, Lucas. ¿Cuál es tu correo electrónico?", EMAIL),
            Lead("es lucas.pena@empresa.example.es."),
        ),
        expected=_profile("Lucas", "Peña", "", "lucas.pena@empresa.example.es"),
    ),
    Chat(
        id="es-04-intro-soy-de",
        language="es",
        steps=(
            Lead(
                "Hola, soy Inés Robles, de Ferretería Robles. Mi correo es "
                "ines@ferreteriarobles.example.com"
            ),
        ),
        expected=_profile(
            "Inés", "Robles", "Ferretería Robles", "ines@ferreteriarobles.example.com"
        ),
    ),
    Chat(
        id="es-05-intro-me-llamo-trabajo-en",
        language="es",
        steps=(
            Lead(
                "Buenas tardes, me llamo Diego Salazar y trabajo en Grupo Altamira S.L. "
                "(diego.salazar@altamira.example.es), os escribo por el anuncio"
            ),
            Bot("¡Buenas tardes, Diego! ¿En qué te podemos ayudar?"),
            Lead("queremos un presupuesto para 20 usuarios"),
        ),
        expected=_profile(
            "Diego", "Salazar", "Grupo Altamira S.L.", "diego.salazar@altamira.example.es"
        ),
    ),
    Chat(
        id="es-06-labelled-one-per-line-compound",
        language="es",
        steps=(
            Lead("Hola, quiero información"),
            Bot("¡Claro! ¿Me pasas tu nombre, apellidos, empresa y correo?", ALL),
            Lead(
                "Nombre: María José\nApellido: Ibarra Soto\nEmpresa: Textiles del Sur S.A.\n"
                "Correo: mj.ibarra@textilesdelsur.example.com"
            ),
        ),
        expected=_profile(
            "María José",
            "Ibarra Soto",
            "Textiles del Sur S.A.",
            "mj.ibarra@textilesdelsur.example.com",
        ),
    ),
    Chat(
        id="es-07-labelled-comma-separated",
        language="es",
        steps=(
            Lead(
                "Nombre: Raúl Ortega, Empresa: Ortega & Hijos, Correo: raul@ortegahijos.example.com"
            ),
        ),
        expected=_profile("Raúl", "Ortega", "Ortega & Hijos", "raul@ortegahijos.example.com"),
    ),
    Chat(
        id="es-08-compound-double-surname",
        language="es",
        steps=(
            Lead("Hola! Vi la publicidad"),
            Bot("¡Hola! ¿Me dices tu nombre completo, por favor?", NAME),
            Lead("Lucía Fernández García"),
            Bot("Gracias, Lucía. ¿Para qué empresa trabajas?", COMPANY),
            Lead("Clínica Dental Sonrisa"),
        ),
        expected=_profile("Lucía", "Fernández García", "Clínica Dental Sonrisa"),
    ),
    Chat(
        id="es-09-compound-given-and-particle",
        language="es",
        steps=(
            Lead("Buenos días, me llamo José Luis de la Cruz, de Constructora Pacífico"),
            Bot("¡Buenos días, José Luis! ¿Cuál es tu correo?", EMAIL),
            Lead("jl.delacruz@constructorapacifico.example.com"),
        ),
        expected=_profile(
            "José Luis",
            "de la Cruz",
            "Constructora Pacífico",
            "jl.delacruz@constructorapacifico.example.com",
        ),
    ),
    Chat(
        id="es-10-spread-email-correction",
        language="es",
        steps=(
            Lead("Hola, soy Sofía Rivas"),
            Bot("¡Hola, Sofía! ¿Me das tu correo electrónico?", EMAIL),
            Lead("sofia@rivasdiseno.example.co"),
            Lead("perdón, me equivoqué: es sofia@rivasdiseno.example.com"),
        ),
        expected=_profile("Sofía", "Rivas", "", "sofia@rivasdiseno.example.com"),
    ),
    Chat(
        id="es-11-spread-last-name-and-company-later",
        language="es",
        steps=(
            Lead("hola"),
            Bot("¡Hola! ¿Cómo te llamas? Nombre y apellido, por favor", NAME),
            Lead("Andrés"),
            Bot("Gracias, Andrés. ¿Y tu apellido?", LAST),
            Lead("Molina"),
            Bot("¿Y en qué empresa trabajas?", COMPANY),
            Lead("un momento"),
            Lead("Trabajo en Logística Norte"),
        ),
        expected=_profile("Andrés", "Molina", "Logística Norte"),
    ),
    Chat(
        id="es-12-nonanswer-questions-only",
        language="es",
        steps=(
            Lead("hola"),
            Bot("¡Hola! ¿Me dices tu nombre?", FIRST),
            Lead("¿cuánto cuesta?"),
            Bot("El plan básico cuesta 20 € al mes. ¿Me dices tu nombre?", FIRST),
            Lead("primero quiero saber si hacen envíos a Canarias"),
        ),
        expected=_profile(),
    ),
    Chat(
        id="es-13-nonanswer-then-compound-name",
        language="es",
        steps=(
            Lead("Hola, vi el anuncio"),
            Bot("¡Hola! ¿Cuál es tu nombre y apellido?", NAME),
            Lead("estoy interesado en el plan anual"),
            Bot("¡Perfecto! Para preparártelo, ¿me dices tu nombre y apellido?", NAME),
            Lead("Juan Carlos Herrera"),
            Bot("Gracias, Juan Carlos. ¿Cómo se llama tu empresa?", COMPANY),
            Lead("es para uso personal"),
        ),
        expected=_profile("Juan Carlos", "Herrera"),
    ),
    Chat(
        id="es-14-invalid-email-spelled-out",
        language="es",
        steps=(
            Lead("Hola, me llamo Pablo Vidal"),
            Bot("¡Hola, Pablo! ¿Cuál es tu correo?", EMAIL),
            Lead("pablo arroba vidal punto com"),
        ),
        expected=_profile("Pablo", "Vidal"),
    ),
    Chat(
        id="es-15-invalid-email-then-valid",
        language="es",
        steps=(
            Lead("Hola, soy Marta Luna, de Luna Estudio"),
            Bot("¡Hola, Marta! ¿Me dices tu correo?", EMAIL),
            Lead("marta@@lunaestudio.example.es"),
            Bot("Creo que hay un error en la dirección, ¿me la escribes de nuevo?", EMAIL),
            Lead("marta@lunaestudio.example.es"),
        ),
        expected=_profile("Marta", "Luna", "Luna Estudio", "marta@lunaestudio.example.es"),
    ),
    Chat(
        id="es-16-noise-emoji-no-accents",
        language="es",
        steps=(
            Lead("holaa 😊 vi el anuncio"),
            Bot("¡Hola! 😊 ¿Me dices tu nombre y apellido?", NAME),
            Lead("camila rojas"),
            Bot("Gracias, Camila. ¿Cuál es el nombre de tu empresa?", COMPANY),
            Lead("Panaderia El Trigo 🥖"),
            Bot("¿Y tu correo?", EMAIL),
            Lead("camila@eltrigo.example.com por favor"),
        ),
        expected=_profile("Camila", "Rojas", "Panaderia El Trigo", "camila@eltrigo.example.com"),
    ),
)


PORTUGUESE = (
    Chat(
        id="pt-01-answer-full-name-br",
        language="pt",
        steps=(
            Lead("Oi, vi o anúncio de vocês no Instagram"),
            Bot("Oi! Qual é o seu nome e sobrenome?", NAME),
            Lead("Rafael Costa"),
        ),
        expected=_profile("Rafael", "Costa"),
    ),
    Chat(
        id="pt-02-answer-company-pt",
        language="pt",
        steps=(
            Lead("Boa tarde"),
            Bot("Boa tarde! Como se chama?", FIRST),
            Lead("Sou a Beatriz"),
            Bot("Obrigado, Beatriz. Pode dizer-me o nome da sua empresa?", COMPANY),
            Lead("a empresa é a Tejo Cerâmicas Lda."),
        ),
        expected=_profile("Beatriz", "", "Tejo Cerâmicas Lda."),
    ),
    Chat(
        id="pt-03-answer-email-trailing-period-br",
        language="pt",
        steps=(
            Lead("Olá, tenho interesse"),
            Bot("Olá! Qual é o seu nome completo?", NAME),
            Lead("Lucas Ferreira"),
            Bot("Valeu, Lucas! Qual é o seu e-mail?", EMAIL),
            Lead("lucas@empresa.com.br."),
        ),
        expected=_profile("Lucas", "Ferreira", "", "lucas@empresa.com.br"),
    ),
    Chat(
        id="pt-04-intro-aqui-e-br",
        language="pt",
        steps=(
            Lead(
                "Olá, aqui é o Pedro Alves, da Alves Engenharia. Meu e-mail é "
                "pedro@alvesengenharia.example.com.br"
            ),
        ),
        expected=_profile(
            "Pedro", "Alves", "Alves Engenharia", "pedro@alvesengenharia.example.com.br"
        ),
    ),
    Chat(
        id="pt-05-intro-chamo-me-trabalho-na-pt",
        language="pt",
        steps=(
            Lead(
                "Bom dia, chamo-me Inês Carvalho e trabalho na Atlântico Seguros S.A. "
                "(ines.carvalho@atlantico.example.pt). Gostava de saber mais."
            ),
        ),
        expected=_profile(
            "Inês", "Carvalho", "Atlântico Seguros S.A.", "ines.carvalho@atlantico.example.pt"
        ),
    ),
    Chat(
        id="pt-06-labelled-one-per-line-br",
        language="pt",
        steps=(
            Lead("Oi, quero um orçamento"),
            Bot("Claro! Pode me passar seu nome, sobrenome, empresa e e-mail?", ALL),
            Lead(
                "Nome: Juliana\nSobrenome: Ribeiro\nEmpresa: Ribeiro & Filhos Ltda.\n"
                "E-mail: juliana@ribeirofilhos.example.com.br"
            ),
        ),
        expected=_profile(
            "Juliana", "Ribeiro", "Ribeiro & Filhos Ltda.", "juliana@ribeirofilhos.example.com.br"
        ),
    ),
    Chat(
        id="pt-07-labelled-comma-separated-pt",
        language="pt",
        steps=(
            Lead(
                "Nome: Maria Luísa, Apelido: Pereira, Empresa: Douro Vinhos, "
                "Email: marialuisa@dourovinhos.example.pt"
            ),
        ),
        expected=_profile(
            "Maria Luísa", "Pereira", "Douro Vinhos", "marialuisa@dourovinhos.example.pt"
        ),
    ),
    Chat(
        id="pt-08-compound-given-name-br",
        language="pt",
        steps=(
            Lead("Oi! meu nome é Ana Paula Souza"),
            Bot("Oi, Ana Paula! Em qual empresa você trabalha?", COMPANY),
            Lead("trabalho na Souza Contabilidade"),
        ),
        expected=_profile("Ana Paula", "Souza", "Souza Contabilidade"),
    ),
    Chat(
        id="pt-09-compound-given-and-particle-br",
        language="pt",
        steps=(
            Lead("Olá, vi o anúncio"),
            Bot("Olá! Qual é o seu nome completo?", NAME),
            Lead("João Pedro dos Santos"),
            Bot("Obrigado, João Pedro. E o seu e-mail?", EMAIL),
            Lead("joaopedro@empresa.com.br"),
        ),
        expected=_profile("João Pedro", "dos Santos", "", "joaopedro@empresa.com.br"),
    ),
    Chat(
        id="pt-10-spread-email-correction-pt",
        language="pt",
        steps=(
            Lead("Olá, sou o Tiago Martins"),
            Bot("Olá, Tiago! Qual é o seu e-mail?", EMAIL),
            Lead("tiago.martin@example.pt"),
            Lead("desculpe, enganei-me: é tiago.martins@example.pt e não tiago.martin@example.pt"),
        ),
        expected=_profile("Tiago", "Martins", "", "tiago.martins@example.pt"),
    ),
    Chat(
        id="pt-11-spread-two-answers-then-last-name-br",
        language="pt",
        steps=(
            Lead("oi, vi o anúncio"),
            Bot("Oi! Qual é o seu nome e o nome da sua empresa?", ("name", "company")),
            Lead("Carla, Vértice Software"),
            Bot("Obrigado, Carla! E o seu sobrenome?", LAST),
            Lead("Mendes"),
        ),
        expected=_profile("Carla", "Mendes", "Vértice Software"),
    ),
    Chat(
        id="pt-12-nonanswer-questions-only-br",
        language="pt",
        steps=(
            Lead("oi"),
            Bot("Oi! Qual é o seu nome?", FIRST),
            Lead("quanto custa?"),
            Bot("O plano básico custa R$ 99 por mês. E qual é o seu nome?", FIRST),
            Lead("estou interessado, mas só quero ver os preços antes"),
        ),
        expected=_profile(),
    ),
    Chat(
        id="pt-13-nonanswer-then-name-pt",
        language="pt",
        steps=(
            Lead("Bom dia"),
            Bot("Bom dia! Como se chama?", NAME),
            Lead("vocês entregam em Lisboa?"),
            Bot("Sim, entregamos em todo o país. E como se chama?", NAME),
            Lead("Rui Almeida"),
            Bot("Obrigado, Rui. Qual é a sua empresa?", COMPANY),
            Lead("é para uso pessoal"),
        ),
        expected=_profile("Rui", "Almeida"),
    ),
    Chat(
        id="pt-14-invalid-email-twice-br",
        language="pt",
        steps=(
            Lead("Oi, meu nome é Fernanda Lima"),
            Bot("Oi, Fernanda! Qual é o seu e-mail?", EMAIL),
            Lead("fernanda arroba lima ponto com"),
            Bot("Pode digitar como endereço, tipo nome@exemplo.com?", EMAIL),
            Lead("fernanda@lima"),
        ),
        expected=_profile("Fernanda", "Lima"),
    ),
    Chat(
        id="pt-15-invalid-email-then-valid-pt",
        language="pt",
        steps=(
            Lead("Olá, chamo-me Sofia Reis"),
            Bot("Olá, Sofia! Qual é o seu e-mail?", EMAIL),
            Lead("sofia@@example.pt"),
            Bot("Parece haver um erro no endereço. Pode enviar de novo?", EMAIL),
            Lead("sofia.reis@example.pt"),
        ),
        expected=_profile("Sofia", "Reis", "", "sofia.reis@example.pt"),
    ),
    Chat(
        id="pt-16-noise-emoji-lowercase-br",
        language="pt",
        steps=(
            Lead("oii 😄 tudo bem?"),
            Bot("Tudo ótimo! 😊 Qual é o seu nome?", FIRST),
            Lead("bruno"),
            Bot("Prazer, Bruno! E o sobrenome?", LAST),
            Lead("oliveira 👍"),
            Bot("Qual é o nome da sua empresa e o seu e-mail?", ("company", "email")),
            Lead("Padaria Pão de Mel Ltda."),
            Lead("bruno@paodemel.example.com.br obrigado!"),
        ),
        expected=_profile(
            "Bruno", "Oliveira", "Padaria Pão de Mel Ltda.", "bruno@paodemel.example.com.br"
        ),
    ),
)


GERMAN = (
    Chat(
        id="de-01-answer-full-name",
        language="de",
        steps=(
            Lead("Hallo, ich habe Ihre Anzeige gesehen"),
            Bot("Hallo! Wie heißen Sie mit Vor- und Nachnamen?", NAME),
            Lead("Felix Brandt"),
        ),
        expected=_profile("Felix", "Brandt"),
    ),
    Chat(
        id="de-02-answer-company-with-article",
        language="de",
        steps=(
            Lead("Guten Tag"),
            Bot("Guten Tag! Wie ist Ihr Vorname?", FIRST),
            Lead("Jonas"),
            Bot("Danke, Jonas. Bei welcher Firma sind Sie tätig?", COMPANY),
            Lead("bei der Nordlicht Medien GmbH"),
        ),
        expected=_profile("Jonas", "", "Nordlicht Medien GmbH"),
    ),
    Chat(
        id="de-03-answer-email-trailing-period",
        language="de",
        steps=(
            Lead("Hallo, ich hätte gern Infos"),
            Bot("Gern! Wie heißen Sie mit Vor- und Nachnamen?", NAME),
            Lead("Lena Schulz"),
            Bot("Danke, Frau Schulz. Wie lautet Ihre E-Mail-Adresse?", EMAIL),
            Lead("lena.schulz@firma.de."),
        ),
        expected=_profile("Lena", "Schulz", "", "lena.schulz@firma.de"),
    ),
    Chat(
        id="de-04-intro-email-at-start",
        language="de",
        steps=(
            Lead(
                "k.vogel@vogel-soehne.example.de - hier ist Katrin Vogel von Vogel & Söhne GmbH, "
                "ich hätte gern ein Angebot"
            ),
        ),
        expected=_profile(
            "Katrin", "Vogel", "Vogel & Söhne GmbH", "k.vogel@vogel-soehne.example.de"
        ),
    ),
    Chat(
        id="de-05-intro-mein-name-ist-ich-arbeite-bei",
        language="de",
        steps=(
            Lead(
                "Hallo! Mein Name ist Stefan Wagner, ich arbeite bei der Alpen Logistik AG. "
                "Erreichbar bin ich unter stefan.wagner@alpenlogistik.example.de"
            ),
        ),
        expected=_profile(
            "Stefan", "Wagner", "Alpen Logistik AG", "stefan.wagner@alpenlogistik.example.de"
        ),
    ),
    Chat(
        id="de-06-labelled-one-per-line",
        language="de",
        steps=(
            Lead("Guten Tag, ich möchte ein Angebot"),
            Bot("Gern! Schicken Sie mir bitte Vorname, Nachname, Firma und E-Mail?", ALL),
            Lead(
                "Vorname: Miriam\nNachname: Krüger\nFirma: Krüger Haustechnik GmbH & Co. KG\n"
                "E-Mail: m.krueger@krueger-haustechnik.example.de"
            ),
        ),
        expected=_profile(
            "Miriam",
            "Krüger",
            "Krüger Haustechnik GmbH & Co. KG",
            "m.krueger@krueger-haustechnik.example.de",
        ),
    ),
    Chat(
        id="de-07-labelled-comma-separated-hyphenated",
        language="de",
        steps=(
            Lead(
                "Name: Hans-Peter Lehmann, Firma: Lehmann Druck, "
                "E-Mail: hp.lehmann@lehmanndruck.example.de"
            ),
        ),
        expected=_profile(
            "Hans-Peter", "Lehmann", "Lehmann Druck", "hp.lehmann@lehmanndruck.example.de"
        ),
    ),
    Chat(
        id="de-08-compound-given-and-particle",
        language="de",
        steps=(
            Lead("Guten Tag, ich interessiere mich für Ihr Angebot"),
            Bot("Guten Tag! Wie heißen Sie mit Vor- und Nachnamen?", NAME),
            Lead("Anna Maria von Stein"),
            Bot("Vielen Dank. Für welches Unternehmen sind Sie tätig?", COMPANY),
            Lead("Stein Immobilien"),
        ),
        expected=_profile("Anna Maria", "von Stein", "Stein Immobilien"),
    ),
    Chat(
        id="de-09-compound-hyphenated-intro",
        language="de",
        steps=(
            Lead("Hallo, ich heiße Karl-Heinz Becker und bin bei Becker Elektro"),
            Bot("Hallo Herr Becker! Wie lautet Ihre E-Mail-Adresse?", EMAIL),
            Lead("kh.becker@becker-elektro.example.de"),
        ),
        expected=_profile(
            "Karl-Heinz", "Becker", "Becker Elektro", "kh.becker@becker-elektro.example.de"
        ),
    ),
    Chat(
        id="de-10-spread-email-correction",
        language="de",
        steps=(
            Lead("Hallo, Jan Koch hier"),
            Bot("Hallo Herr Koch! Wie lautet Ihre E-Mail-Adresse?", EMAIL),
            Lead("jan.koch@koch-it.example.com"),
            Lead(
                "Korrektur: es ist jan.koch@koch-it.example.de, nicht jan.koch@koch-it.example.com"
            ),
        ),
        expected=_profile("Jan", "Koch", "", "jan.koch@koch-it.example.de"),
    ),
    Chat(
        id="de-11-spread-last-name-and-company-later",
        language="de",
        steps=(
            Lead("Hallo"),
            Bot("Hallo! Wie heißen Sie mit Vor- und Nachnamen?", NAME),
            Lead("Sabine"),
            Bot("Danke, Sabine! Und Ihr Nachname?", LAST),
            Lead("Hoffmann"),
            Bot("Für welches Unternehmen sind Sie tätig?", COMPANY),
            Lead("Moment"),
            Lead("Hoffmann & Partner Steuerberatung"),
        ),
        expected=_profile("Sabine", "Hoffmann", "Hoffmann & Partner Steuerberatung"),
    ),
    Chat(
        id="de-12-nonanswer-questions-only",
        language="de",
        steps=(
            Lead("Hallo"),
            Bot("Hallo! Wie ist Ihr Vorname?", FIRST),
            Lead("Was kostet das?"),
            Bot("Ab 25 € im Monat. Darf ich nach Ihrem Namen fragen?", FIRST),
            Lead("Ich interessiere mich erstmal nur für die Preise"),
        ),
        expected=_profile(),
    ),
    Chat(
        id="de-13-nonanswer-then-name",
        language="de",
        steps=(
            Lead("Guten Tag, ich habe Ihre Anzeige gesehen"),
            Bot("Guten Tag! Wie heißen Sie mit Vor- und Nachnamen?", NAME),
            Lead("Liefern Sie auch nach Österreich?"),
            Bot("Ja, auch nach Österreich. Wie ist Ihr Vor- und Nachname?", NAME),
            Lead("Tobias Richter"),
            Bot("Danke! Bei welcher Firma sind Sie?", COMPANY),
            Lead("Das ist für mich privat"),
        ),
        expected=_profile("Tobias", "Richter"),
    ),
    Chat(
        id="de-14-invalid-email-no-domain-suffix",
        language="de",
        steps=(
            Lead("Hallo, ich bin Nina Wolf"),
            Bot("Hallo Frau Wolf! Wie lautet Ihre E-Mail-Adresse?", EMAIL),
            Lead("nina@wolf"),
        ),
        expected=_profile("Nina", "Wolf"),
    ),
    Chat(
        id="de-15-invalid-email-then-valid",
        language="de",
        steps=(
            Lead("Hallo, mein Name ist Max Bauer"),
            Bot("Hallo Herr Bauer! Ihre E-Mail-Adresse, bitte?", EMAIL),
            Lead("max punkt bauer at firma punkt de"),
            Bot("Können Sie sie bitte als Adresse schreiben, z. B. name@beispiel.de?", EMAIL),
            Lead("max.bauer@firma.de"),
        ),
        expected=_profile("Max", "Bauer", "", "max.bauer@firma.de"),
    ),
    Chat(
        id="de-16-noise-emoji-lowercase",
        language="de",
        steps=(
            Lead("Moin 👋"),
            Bot("Moin! 😊 Wie ist Ihr Vorname?", FIRST),
            Lead("jana"),
            Bot("Danke, Jana! Und Ihr Nachname?", LAST),
            Lead("peters"),
            Bot("Wie heißt Ihre Firma, und wie lautet Ihre E-Mail-Adresse?", ("company", "email")),
            Lead("Kaffeerösterei Peters e.K. ☕"),
            Lead("jana@kaffee-peters.example.de danke!"),
        ),
        expected=_profile(
            "Jana", "Peters", "Kaffeerösterei Peters e.K.", "jana@kaffee-peters.example.de"
        ),
    ),
)


CHATS: tuple[Chat, ...] = ENGLISH + SPANISH + PORTUGUESE + GERMAN


NON_ANSWERS: tuple[NonAnswer, ...] = (
    # English
    NonAnswer("en", FIRST, "I'm curious about your plans"),
    NonAnswer("en", FIRST, "why do you need it?"),
    NonAnswer("en", NAME, "later"),
    NonAnswer("en", FIRST, "I'm after a demo"),
    NonAnswer("en", NAME, "I'm interested in the premium plan"),
    NonAnswer("en", COMPANY, "do you deliver to Lisbon?"),
    NonAnswer("en", COMPANY, "it's for personal use"),
    NonAnswer("en", COMPANY, "no company, just me"),
    NonAnswer("en", EMAIL, "I'd rather not"),
    NonAnswer("en", EMAIL, "ana at acme"),
    NonAnswer("en", EMAIL, "ana@@acme.com"),
    NonAnswer("en", EMAIL, "can you call me instead?"),
    NonAnswer("en", (), "hi, I saw your ad on Facebook"),
    # Spanish
    NonAnswer("es", FIRST, "¿para qué lo necesitas?"),
    NonAnswer("es", FIRST, "luego te digo"),
    NonAnswer("es", NAME, "estoy interesado en el plan anual"),
    NonAnswer("es", FIRST, "¿cuánto cuesta?"),
    NonAnswer("es", FIRST, "soy de Madrid"),
    NonAnswer("es", COMPANY, "¿hacen envíos a Canarias?"),
    NonAnswer("es", COMPANY, "es para uso personal"),
    NonAnswer("es", COMPANY, "no tengo empresa, soy yo solo"),
    NonAnswer("es", EMAIL, "prefiero no darlo"),
    NonAnswer("es", EMAIL, "ana arroba acme punto com"),
    NonAnswer("es", EMAIL, "ana@acme"),
    NonAnswer("es", EMAIL, "¿me puedes llamar mejor?"),
    NonAnswer("es", (), "hola, vi su anuncio"),
    # Portuguese
    NonAnswer("pt", FIRST, "pra que você precisa disso?"),
    NonAnswer("pt", FIRST, "depois eu falo"),
    NonAnswer("pt", FIRST, "estou interessado"),
    NonAnswer("pt", NAME, "quanto custa?"),
    NonAnswer("pt", FIRST, "sou do Porto"),
    NonAnswer("pt", COMPANY, "vocês entregam em Lisboa?"),
    NonAnswer("pt", COMPANY, "é para uso pessoal"),
    NonAnswer("pt", COMPANY, "não tenho empresa, sou só eu"),
    NonAnswer("pt", EMAIL, "prefiro não dizer"),
    NonAnswer("pt", EMAIL, "ana arroba acme"),
    NonAnswer("pt", EMAIL, "ana@@acme.com.br"),
    NonAnswer("pt", EMAIL, "pode me ligar em vez disso?"),
    NonAnswer("pt", (), "olá, vi o vosso anúncio"),
    # German
    NonAnswer("de", FIRST, "Wozu brauchen Sie das?"),
    NonAnswer("de", FIRST, "später"),
    NonAnswer("de", FIRST, "Ich interessiere mich für das Jahresabo"),
    NonAnswer("de", FIRST, "Ich bin auf der Suche nach einer Demo"),
    NonAnswer("de", NAME, "Was kostet das?"),
    NonAnswer("de", COMPANY, "Liefern Sie auch nach Wien?"),
    NonAnswer("de", COMPANY, "Das ist für den privaten Gebrauch"),
    NonAnswer("de", COMPANY, "keine Firma, nur ich"),
    NonAnswer("de", EMAIL, "lieber nicht"),
    NonAnswer("de", EMAIL, "anna at firma punkt de"),
    NonAnswer("de", EMAIL, "anna@firma"),
    NonAnswer("de", EMAIL, "Können Sie mich stattdessen anrufen?"),
    NonAnswer("de", (), "Hallo, ich habe Ihre Anzeige gesehen"),
)
