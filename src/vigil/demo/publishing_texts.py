"""The fictional words of the demo's "answer and publish" side (``demo.publishing``): the
desks it writes to, the company answers, the statement. Every organisation, desk and address
is invented (``example.org`` addresses nobody receives)."""

from __future__ import annotations

from vigil.contacts.models import ContactKind

ORG = "red-andina"
#: (key, name, kind, company key or organisation name, country, language, e-mail)
DESKS = {
    "andina": (
        "Community relations desk (fictional)",
        ContactKind.company,
        "demo:minera-andina",
        "CO",
        "es",
        "relaciones@minera-andina.example.org",
    ),
    "peru": (
        "Corporate affairs desk (fictional)",
        ContactKind.company,
        "demo:northbridge-peru",
        "PE",
        "es",
        "asuntos.corporativos@northbridge-peru.example.org",
    ),
    "ministry": (
        "Human rights desk (fictional)",
        ContactKind.protection,
        "Ministerio del Interior del Perú (fictional desk)",
        "PE",
        "es",
        "derechos.humanos@mininter-demo.example.org",
    ),
    "ngo_a": (
        "Coordinator (fictional)",
        ContactKind.other,
        "Colectivo Tierra y Agua (demo)",
        "CO",
        "es",
        "coordinacion@tierra-agua.example.org",
    ),
    "ngo_b": (
        "Director (fictional)",
        ContactKind.other,
        "Andes Rights Network (demo)",
        "PE",
        "en",
        "director@andes-rights.example.org",
    ),
    "ngo_c": (
        "Campaigns (fictional)",
        ContactKind.other,
        "Red de Mujeres Defensoras (demo)",
        "CO",
        "es",
        "campanas@mujeres-defensoras.example.org",
    ),
    "security": (
        "Compliance officer (fictional)",
        ContactKind.other,
        "Vigilancia Segura Ltda. (fictional)",
        "CO",
        "es",
        "cumplimiento@vigilancia-segura.example.org",
    ),
}

ANSWER = (
    "We take these allegations seriously. Our human rights team has reviewed our security "
    "contractor's records for that month, suspended the two guards involved pending an "
    "independent inquiry, and invited the community's representatives to agree the terms of "
    "that inquiry with us."
)
DEFLECTION = (
    "Security outside our concession is the responsibility of the State. We respect human "
    "rights and comply with all applicable laws."
)
QUESTION = (
    "Our documentation links this attack to the security arrangements of the project your "
    "company operates. What did your company know, and what has it done in response?"
)


STATEMENT_TITLE = "Stop the attacks on defenders of land and water in the Andes (demo)"
STATEMENT_BODY = (
    "We, the undersigned organisations, condemn the threats, surveillance and lawsuits against "
    "people who defend land and water near mining projects in the Andes. We call on the "
    "companies involved and their investors to publish their security arrangements, to stop "
    "suing their critics, and to meet the affected communities.\n\n"
    "This statement is fictional demonstration content."
)
