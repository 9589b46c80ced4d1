"""The do-no-harm paragraph that goes into every alert message, whatever the playbook.

A well-meant reaction can hurt the person an alert protects: a company that questions its
guards tips off the suspects, a security team that "checks on" a family exposes it, a call
to the local police can reach the people behind the attack. So every message says what the
recipient must *not* do, and the composer adds the paragraph itself rather than each
playbook carrying its own copy: seven bundled playbooks × four languages would drift apart,
and a coordinator's imported or edited playbook would silently lose it. It is kept here per
language (not in the gettext catalogue) because it is part of the message text, like the
playbooks' own bodies, and a missing catalogue entry must never fall back to English in a
message meant for a Spanish-speaking recipient.

Under quiet diplomacy the recipient is asked to make no public statement about the case at
all; under public action, none that names the defender unless agreed.
"""

from __future__ import annotations

import re

_COMMON = {
    "en": (
        "To avoid putting anyone at greater risk, please: treat this message as confidential "
        "and share it only with the people who must act on it; take no security measures of "
        "your own; do not contact the defender, their family, their community or witnesses, "
        "whether directly or through staff or security personnel; do not pass information to "
        "local authorities, the police or the armed forces unless this has been agreed "
        "through %(organisation)s; and make no public statement %(scope)s unless agreed "
        "through %(organisation)s."
    ),
    "es": (
        "Para no aumentar el riesgo de nadie, le pedimos que: trate este mensaje como "
        "confidencial y lo comparta solo con las personas que deban actuar; no adopte medidas "
        "de seguridad por su cuenta; no se ponga en contacto con la persona defensora, su "
        "familia, su comunidad ni con testigos, ni directamente ni a través de personal o de "
        "agentes de seguridad; no facilite información a las autoridades locales ni a la "
        "fuerza pública sin haberlo acordado a través de %(organisation)s; y no haga ninguna "
        "declaración pública %(scope)s sin acordarla a través de %(organisation)s."
    ),
    "fr": (
        "Pour ne mettre personne davantage en danger, nous vous demandons : de traiter ce "
        "message de manière confidentielle et de ne le communiquer qu'aux personnes qui "
        "doivent agir ; de ne prendre aucune mesure de sécurité de votre propre initiative ; "
        "de ne contacter ni la personne défenseure, ni sa famille, ni sa communauté, ni des "
        "témoins, que ce soit directement ou par l'intermédiaire de personnel ou d'agents de "
        "sécurité ; de ne transmettre aucune information aux autorités locales, à la police "
        "ou aux forces armées sans accord préalable par l'intermédiaire de %(organisation)s ; "
        "et de ne faire aucune déclaration publique %(scope)s sans accord de %(organisation)s."
    ),
    "pt": (
        "Para não aumentar o risco de ninguém, pedimos que você: trate esta mensagem como "
        "confidencial e a compartilhe apenas com as pessoas que precisam agir; não tome "
        "medidas de segurança por conta própria; não entre em contato com a pessoa defensora, "
        "sua família, sua comunidade ou testemunhas, nem diretamente nem por meio de "
        "funcionários ou de agentes de segurança; não repasse informações às autoridades "
        "locais, à polícia ou às forças armadas sem acordo prévio por meio de "
        "%(organisation)s; e não faça nenhuma declaração pública %(scope)s sem acordo por "
        "meio de %(organisation)s."
    ),
}
_SCOPE = {
    "quiet": {
        "en": "about this case",
        "es": "sobre este caso",
        "fr": "sur cette affaire",
        "pt": "sobre este caso",
    },
    "public": {
        "en": "naming the defender",
        "es": "que nombre a la persona defensora",
        "fr": "nommant la personne défenseure",
        "pt": "que cite o nome da pessoa defensora",
    },
}
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def do_no_harm_paragraph(language: str, *, strategy: str, organisation: str) -> str:
    """The paragraph in ``language`` (English if the language is unknown)."""
    language = language if language in _COMMON else "en"
    scope = _SCOPE["public" if strategy == "public" else "quiet"][language]
    return _COMMON[language] % {"organisation": organisation, "scope": scope}


def with_do_no_harm(text: str, paragraph: str, *, anchor: str) -> str:
    """``text`` with ``paragraph`` placed before the first paragraph containing ``anchor``
    (the acknowledgement link, so that it follows the asks), or else before the closing
    paragraph, or at the end of a one-paragraph message."""
    blocks = _PARAGRAPH_BREAK.split(text.strip())
    position = next(
        (index for index, block in enumerate(blocks) if anchor and anchor in block),
        len(blocks) - 1 if len(blocks) > 1 else len(blocks),
    )
    blocks.insert(position, paragraph)
    return "\n\n".join(blocks) + "\n"
