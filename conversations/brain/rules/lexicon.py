"""The offline extractor's word tables, per language: data only, read by the other modules.

English, Spanish, Portuguese and German share one table each kind rather than one per
language: leads mix them ("Hola, I'm Ana"), and a word that is a cue in one language is
rarely a name in another. Every entry is lower case; lookups casefold.
"""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    """The words of `text`, casefolded as every lookup is ("grüße" as "grüsse")."""
    return frozenset(word.casefold() for word in text.split())


# --- naming yourself --------------------------------------------------------------------------

# After these, the next words are the writer's name even when typed in lower case.
STRONG_NAME_CUES = (
    "my name is", "my name's", "my full name is", "my first name is", "the name is",
    "name's",
    "me llamo", "mi nombre es", "mi nombre completo es", "mi nombre:", "puedes llamarme",
    "meu nome é", "meu nome e", "meu nome completo é", "me chamo", "pode me chamar de",
    "chamo-me", "o meu nome é",
    "mein name ist", "mein vollständiger name ist", "ich heiße", "ich heisse",
    "je m'appelle", "je m\u2019appelle",
)  # fmt: skip
# After these, a name only when it is written as one (capitalised, not an everyday word):
# "I'm Ana" is a name, "I'm interested" is not.
WEAK_NAME_CUES = (
    "i'm", "i\u2019m", "i am", "im", "this is", "here is", "call me", "you can call me",
    "soy", "yo soy", "le habla", "te habla", "habla", "te escribe", "les escribe",
    "sou", "eu sou", "aqui é", "aqui e", "aqui quem fala é", "quem fala é", "fala",
    "ich bin", "hier ist", "hier spricht", "hier schreibt",
)  # fmt: skip
# "Dana here", "Dana speaking".
NAME_SUFFIX_CUES = ("here", "speaking", "aquí", "aqui", "hier")
# Articles Portuguese (and colloquial Spanish) put before a name: "aqui é o Pedro".
NAME_ARTICLES = ("o", "a", "el", "la")

# Lower-case words that belong inside a last name: "da Silva", "de la Cruz", "van der Berg".
PARTICLES = word_set("de del la las los da das do dos di du van der den von zu vom zum ten ter le")
# Given names people use as one: "Ana Paula Souza" is Ana Paula, of the Souza family.
COMPOUND_GIVEN_NAMES = frozenset(
    tuple(name.split())
    for name in (
        "ana paula", "ana luísa", "ana luisa", "ana clara", "ana beatriz", "ana carolina",
        "ana maría", "ana maria", "ana sofía", "ana sofia", "ana julia", "ana júlia",
        "maria luísa", "maria luisa", "maría luisa", "maria clara", "maria eduarda",
        "maria fernanda", "maría fernanda", "maria helena", "maria josé", "maría josé",
        "maría jesús", "maria joão", "maría del carmen", "maria do carmo", "maría elena",
        "maría isabel", "maria alice", "maria cecília", "maria júlia", "maria julia",
        "josé luis", "jose luis", "josé antonio", "jose antonio", "josé manuel",
        "josé maría", "jose maria", "josé carlos", "jose carlos", "josé pedro",
        "juan carlos", "juan pablo", "juan josé", "juan manuel", "juan antonio",
        "luis miguel", "luis fernando", "miguel ángel", "miguel angel", "francisco javier",
        "joão pedro", "joao pedro", "joão paulo", "joao paulo", "joão vitor", "joão victor",
        "pedro henrique", "carlos eduardo", "luiz carlos", "luiz fernando", "paulo césar",
        "anna maria", "anna lena", "anna sophie", "marie claire", "marie louise",
        "mary ann", "mary jane", "anne marie", "sarah jane", "jean paul", "jean pierre",
        "karl heinz", "hans peter", "hans jürgen", "klaus peter", "eva maria",
    )
)  # fmt: skip

# --- naming your company ----------------------------------------------------------------------

# Cues anywhere in a sentence: the words after them name the company.
COMPANY_CUES = (
    "i work at", "i work for", "i work with", "i work in", "working at", "working for",
    "work at", "work for", "i'm calling from", "i'm writing from", "i'm messaging from",
    "i'm reaching out from", "i\u2019m calling from", "i\u2019m writing from",
    "calling from", "writing from", "reaching out from", "on behalf of", "i represent",
    "my company is", "my company's", "our company is", "the company is", "company is",
    "company's", "the company's name is", "company name is", "my business is",
    "i own", "i run", "owner of", "founder of", "ceo of", "manager at", "here at",
    "i'm with", "i\u2019m with", "i am with", "i'm at", "i\u2019m at",
    "trabajo en", "trabajo para", "trabajo con", "mi empresa es", "mi empresa se llama",
    "la empresa es", "la empresa se llama", "nuestra empresa es", "nuestra empresa se llama",
    "represento a", "soy de la empresa", "de la empresa", "desde la empresa",
    "te escribo de", "te escribo desde", "les escribo de", "les escribo desde",
    "escribo desde", "llamo de", "dueño de", "dueña de", "gerente de", "en nombre de",
    "trabalho na", "trabalho no", "trabalho em", "trabalho para", "trabalho com",
    "trabalho pela", "trabalho pelo", "minha empresa é", "minha empresa e",
    "minha empresa se chama", "a empresa é", "a empresa se chama", "nossa empresa é",
    "nossa empresa se chama", "represento a", "sou da empresa", "da empresa", "falo da",
    "falo do", "falo pela", "falo pelo", "escrevo da", "escrevo do", "dono da", "dono do",
    "dona da", "dona do", "gerente da", "gerente do", "em nome da", "em nome do",
    "ich arbeite bei", "ich arbeite für", "ich arbeite in", "arbeite bei", "arbeite für",
    "meine firma ist", "meine firma heißt", "meine firma heisst", "unsere firma ist",
    "unsere firma heißt", "die firma ist", "die firma heißt", "die firma heisst",
    "ich bin von", "ich bin bei", "bin bei", "von der firma", "bei der firma", "ich vertrete",
    "inhaber von", "inhaberin von", "inhaber der", "inhaberin der", "geschäftsführer von",
    "geschäftsführerin von", "ich komme von", "ich schreibe von", "ich schreibe für",
)  # fmt: skip
# Right after a name, these introduce the company: "Omar Haddad with Bluefin", "Inés, de
# Ferretería Robles", "Katrin Vogel von Vogel & Söhne".
AFTER_NAME_COMPANY_CUES = (
    "from", "with", "at", "of", "here from", "de", "desde", "da", "do", "von", "bei", "vom",
    "de la empresa", "da empresa", "von der firma", "aus der firma",
)  # fmt: skip
# Leading words of an answer to "which company?" that are not the company: "it's called X".
COMPANY_ANSWER_LEADS = (
    "it's called", "it\u2019s called", "it is called", "we're called", "we are called",
    "we're", "we are", "it's", "it\u2019s", "it is", "that's", "at", "with", "for",
    "company is", "the company is", "company:", "se llama", "es", "en", "la empresa es",
    "se chama", "é", "e a", "na", "no", "em", "a empresa é", "heißt", "heisst",
    "die firma heißt", "sie heißt", "bei", "das ist", "für",
)  # fmt: skip
# Company names end with these ("Vogel & Söhne GmbH", "Acme, Inc."); the dots are theirs.
LEGAL_SUFFIXES = word_set(
    "inc inc. ltd ltd. llc plc co co. corp corp. gmbh ag kg ohg ug e.k. s.a. sa s.l. sl "
    "s.l.u. slu ltda ltda. ltda me eireli s/a s.a.s. sas cia cía cia. cía. lda lda. "
    "s.r.l. srl bv b.v. nv n.v. a/s kgaa"
)
# Words that make a short phrase a company rather than a person: "Northwind Traders".
COMPANY_WORDS = word_set(
    """
    traders trading logistics solutions consulting consultants services group holdings
    industries industrial systems software technologies technology tech labs studio studios
    partners associates enterprises company corporation foods farms bakery restaurant cafe
    café hotel clinic dental motors shipping freight transport imports exports supplies
    supply marketing media design designs digital networks energy construction builders
    engineering electric electrical plumbing realty properties capital finance insurance
    pharma medical health store shop shops market markets distribution distributors
    manufacturing works agency academy school university bank
    ferretería ferreteria industrias servicios soluciones construcciones consultores
    consultoría consultoria transportes distribuidora comercial grupo inmobiliaria
    constructora tienda panadería panaderia restaurante clínica clinica farmacia taller
    talleres importadora exportadora agencia hermanos asociados seguros
    engenharia soluções solucoes serviços servicos construtora comércio comercio
    transportadora distribuidora indústria industria loja padaria oficina tecnologia
    imobiliária imobiliaria consultoria logística logistica alimentos irmãos irmaos
    söhne soehne werke handel technik bau logistik beratung dienstleistungen versand
    bäckerei baeckerei metzgerei autohaus immobilien maschinenbau elektro werkstatt
    praxis verlag gruppe
    """
)

# --- labelled fields --------------------------------------------------------------------------

# "Name: …", "Empresa: …". "full" is a full name, split like one.
LABELS = {
    "full": (
        "name", "full name", "your name", "nombre", "nombre completo", "nombre y apellido",
        "nombre y apellidos", "nome", "nome completo", "nome e sobrenome",
        "vollständiger name", "vor- und nachname", "kontakt", "contact", "contacto",
        "contato",
    ),
    "name": (
        "first name", "given name", "firstname", "primer nombre", "nombre de pila",
        "primeiro nome", "vorname",
    ),
    "last_name": (
        "last name", "lastname", "surname", "family name", "apellido", "apellidos",
        "sobrenome", "apelido", "último nome", "ultimo nome", "nachname", "familienname",
    ),
    "company": (
        "company", "company name", "business", "organization", "organisation", "employer",
        "empresa", "compañía", "compania", "negocio", "nombre de la empresa", "companhia",
        "nome da empresa", "firma", "firmenname", "unternehmen", "arbeitgeber",
    ),
    "email": (
        "email", "e-mail", "e mail", "mail", "email address", "e-mail address",
        "correo", "correo electrónico", "correo electronico", "e-mail-adresse",
        "emailadresse", "mailadresse", "endereço de e-mail", "endereço de email",
    ),
}  # fmt: skip

# --- what is not an answer --------------------------------------------------------------------

# Everyday words in the four languages: never a name, and a phrase made only of them is
# not a company ("just me", "for personal use", "más tarde").
COMMON_WORDS = word_set(
    """
    a about after again ago all also am an and any anyone anything are as ask asking at
    available away back be because been before best better bit both busy but buy by can
    cannot cant can't could curious currently day days demo details did do does doing done
    dont don't each else even ever every everything excited fine first for free from get
    getting give glad go going good great guess had happy has have having he hello help her
    here hey hi him his hope how however i if im in info information interested into is it
    its it's just keen know last later let like little long look looking lot lots love mail
    maybe me mine more morning most much must my name need needed new next nice no none nope
    not nothing now number of off offer ok okay on once one only or other our out over own
    person personal personally phone plan plans please plus pretty price prices pricing
    private product products quick quote rather ready really right same see self sent she
    should since so some someone something soon sorry still sure tell than thank thanks
    that the their them then there these they thing things think this those through time
    to today tomorrow too try trying unemployed up us use used very want wanted was we
    well were what when where which while who why will wish with without would yeah yes
    yet you your yours after afternoon evening instead moment wait sec second
    freelance freelancer self-employed individual myself retired student company business
    al algo algún alguna ahora aquí así bien bueno buenas buenos cómo como con cuál cuándo
    cuánto cuanto de del después dónde el ella ellos en entonces es esa ese eso esta está
    estoy favor gracias hola interesa interesado interesada información la las le lo los
    luego más mas me mi mío momento muchas mucho muy nada no nos nosotros o otro para pero
    poco por porque pregunta precio prefiero primero pronto puedo qué que quiero saber se
    sé ser si sí sin sobre solo sólo soy su también tan tarde tengo todavía todo tu tú un
    una uno usted vale vez y ya yo particular autónomo autonomo nadie empresa
    agora aqui até bem boa bom com como da de depois do então essa esse está estou eu
    interessado interessada informação isso já mais mas meu minha muito não nada no nome
    obrigado obrigada oi olá ou para pela pelo pode por porque prefiro preço pouco quanto
    quando que quem quero saber se sem ser sim só sobre também tarde tenho tudo um uma
    você vocês depois pessoal pessoa física fisica sou momento espera
    aber alle also am an auch auf aus bei bin bis bitte da danke dann das dass dein der die
    dich dir doch du ein eine einen er es etwas für gerne gern gut guten habe hallo heute
    hier ich ihr ihre im in interessiere interessiert ist ja jetzt kann kein keine lieber
    mal mehr mein meine mich mir mit möchte morgen nach nein nicht noch nur oder privat
    schon sehr sie sind so später tag und uns vielen von vor was weil wenn wer wie wir
    wo zu zum zur den dem des privaten warte augenblick selbstständig selbständig einzelunternehmer
    work works working trabajo trabajamos trabalho trabalhamos arbeite arbeiten
    """
)
# A lead who says one of these is not giving the field asked for.
REFUSALS = (
    "rather not", "prefer not", "don't want", "do not want", "no thanks", "not now",
    "not yet", "why do you", "why do you need", "no company", "don't have a company",
    "do not have a company", "don't work", "personal use", "just me", "only me", "myself",
    "prefiero no", "no quiero", "no tengo empresa", "sin empresa", "para mí", "uso personal",
    "prefiro não", "não quero", "não tenho empresa", "sem empresa", "uso pessoal",
    "lieber nicht", "möchte ich nicht", "keine firma", "privat", "für mich", "private use",
    "uso privado", "privaten gebrauch", "privat genutzt",
)  # fmt: skip

# A few answers that begin a reply without being part of it: "ok, it's Dana".
ANSWER_FILLERS = (
    "ok", "okay", "okey", "oki", "sure", "yes", "yeah", "yep", "yup", "of course", "certainly",
    "hi", "hello", "hey", "thanks", "sorry", "it's", "it\u2019s", "it is", "its", "that's",
    "that is", "sí", "si", "claro", "vale", "bueno", "perfecto", "por supuesto", "hola",
    "es", "sim", "olá", "ola", "oi", "claro que sim", "com certeza", "perfeito", "é", "e",
    "ja", "klar", "gerne", "gern", "natürlich", "na klar", "hallo", "das ist", "es ist",
    "perdón", "desculpa", "desculpe", "entschuldigung", "the name is", "name is",
)  # fmt: skip
# Words that end a reply without being part of it: "Northwind, thanks!".
ANSWER_TAILS = (
    "thanks", "thank you", "thx", "please", "gracias", "por favor", "obrigado", "obrigada",
    "por favor", "danke", "bitte", "vielen dank", "cheers", "here", "speaking", "aquí",
    "aqui", "hier",
)  # fmt: skip

# Places that follow "from" without being a company: "I'm Ana from Lisbon".
PLACES = word_set(
    """
    usa us uk england london spain españa madrid barcelona valencia sevilla mexico méxico
    argentina colombia chile peru perú bogotá bogota lima portugal lisbon lisboa
    porto brazil brasil rio são sao germany deutschland berlin münchen munich
    hamburg köln cologne frankfurt austria österreich wien vienna switzerland schweiz zürich
    zurich france paris italy europe europa canada toronto new york miami texas california
    """
)

# --- what a person must answer ----------------------------------------------------------------

# Questions the bot cannot answer truthfully (it knows no prices, stock or delivery dates)
# and complaints, which deserve a person: the bot hands the conversation over. A phrase
# matches as whole words, anywhere in the lead's new messages.
HANDOFF_TOPICS: dict[str, tuple[str, ...]] = {
    "price": (
        "how much", "price", "prices", "pricing", "cost", "costs", "quote", "quotation",
        "fee", "fees", "discount",
        "cuánto cuesta", "cuanto cuesta", "cuánto vale", "cuanto vale", "cuánto sale",
        "precio", "precios", "costo", "costos", "coste", "cotización", "cotizacion",
        "presupuesto", "tarifa", "tarifas", "descuento",
        "quanto custa", "quanto fica", "quanto sai", "preço", "preços", "preco", "precos",
        "orçamento", "orcamento", "custo", "custos", "cotação", "cotacao", "desconto",
        "was kostet", "wie viel kostet", "wieviel kostet", "was kosten", "preis", "preise",
        "kosten", "kostet", "kostenvoranschlag", "angebot", "rabatt",
    ),
    "availability": (
        # "available" alone is also a lead saying when they can talk: only asked about a thing.
        "is it available", "is this available", "is that available", "are they available",
        "still available", "available in", "availability", "in stock", "out of stock",
        "do you have", "do you ship",
        "delivery time", "when can you deliver", "how soon can", "opening hours",
        "está disponible", "esta disponible", "están disponibles", "tienen disponible",
        "hay disponible", "disponibilidad", "en stock", "hay stock",
        "tienen stock", "plazo de entrega", "cuándo llega", "cuando llega", "horario",
        "está disponível", "esta disponivel", "tem disponível", "estão disponíveis",
        "disponibilidade", "em estoque",
        "tem estoque", "prazo de entrega", "quando chega", "vocês têm", "voces tem",
        "noch verfügbar", "ist das verfügbar", "sind sie verfügbar", "verfügbarkeit",
        "auf lager", "lieferbar", "lieferzeit",
        "habt ihr", "öffnungszeiten",
    ),
    "complaint": (
        "complaint", "complain", "refund", "broken", "damaged", "not working",
        "doesn't work", "does not work", "doesn\u2019t work", "terrible", "awful",
        "unacceptable", "disappointed", "never arrived", "still waiting", "cancel my order",
        "talk to a person", "speak to a person", "talk to a human", "speak to someone",
        "real person",
        "queja", "reclamo", "reclamación", "reclamacion", "reembolso", "devolución",
        "devolucion", "roto", "dañado", "no funciona", "pésimo", "pesimo", "terrible",
        "inaceptable", "decepcionado", "decepcionada", "nunca llegó", "nunca llego",
        "hablar con una persona",
        "reclamação", "reclamacao", "reclamar", "devolução", "devolucao", "quebrado",
        "danificado", "não funciona", "nao funciona", "péssimo", "horrível", "horrivel",
        "inaceitável", "nunca chegou", "falar com uma pessoa",
        "beschwerde", "reklamation", "rückerstattung", "erstattung", "kaputt", "beschädigt",
        "funktioniert nicht", "schrecklich", "inakzeptabel", "enttäuscht", "verärgert",
        "nie angekommen", "mit einem menschen",
    ),
}  # fmt: skip
