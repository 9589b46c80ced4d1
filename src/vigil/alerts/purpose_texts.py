"""The texts that depend on why a message goes out rather than on the playbook: the
escalation paragraph and the resolution notice.

An escalation tells the next tier who was informed, and when, and has not responded on the
substance (an acknowledgement, a refusal or a question is not a response): that is the reason
they are written to, and what gives their intervention weight. It names
organisations (or, when a contact has none, their role), never people. A resolution tells
every recipient that nothing more is needed, and nothing else: by then the alert may no
longer be wanted at all, so it repeats no alias, company, place or date, only the case
reference. Both are kept here per language, like the do-no-harm paragraph, so that an
imported playbook gets them and a Spanish recipient never reads an English fallback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from babel.dates import format_date

_ESCALATION = {
    "en": (
        "Why you are receiving this message: %(organisation)s informed %(informed)s about "
        "this case and has received no substantive response."
    ),
    "es": (
        "Por qué recibe este mensaje: %(organisation)s informó de este caso a %(informed)s y "
        "no ha recibido ninguna respuesta sustantiva."
    ),
    "fr": (
        "Pourquoi vous recevez ce message : %(organisation)s a informé de cette affaire "
        "%(informed)s et n'a reçu aucune réponse sur le fond."
    ),
    "pt": (
        "Por que você está recebendo esta mensagem: %(organisation)s informou %(informed)s "
        "sobre este caso e não recebeu nenhuma resposta substantiva."
    ),
}
_ON = {"en": "%s on %s", "es": "%s el %s", "fr": "%s le %s", "pt": "%s em %s"}
_AND = {"en": " and ", "es": " y ", "fr": " et ", "pt": " e "}
_RESOLUTION = {
    "en": (
        "Dear %(recipient_name)s,\n\n"
        "This is an update on case %(case_reference)s, about which %(organisation)s wrote to "
        "you earlier: no further action is needed from you. Thank you for your attention. "
        "Please keep the earlier messages confidential.\n\n"
        "%(organisation)s\n\n"
        "To stop receiving alerts: %(unsubscribe_url)s"
    ),
    "es": (
        "Estimado/a %(recipient_name)s:\n\n"
        "Le escribimos con una actualización sobre el caso %(case_reference)s, del que "
        "%(organisation)s le informó anteriormente: no se necesita ninguna otra acción de su "
        "parte. Gracias por su atención. Le rogamos que siga tratando los mensajes anteriores "
        "como confidenciales.\n\n"
        "%(organisation)s\n\n"
        "Para dejar de recibir alertas: %(unsubscribe_url)s"
    ),
    "fr": (
        "Bonjour %(recipient_name)s,\n\n"
        "Voici une mise à jour sur le dossier %(case_reference)s, au sujet duquel "
        "%(organisation)s vous a écrit précédemment : aucune autre action n'est nécessaire de "
        "votre part. Merci de votre attention. Nous vous prions de continuer à traiter les "
        "messages précédents de manière confidentielle.\n\n"
        "%(organisation)s\n\n"
        "Pour ne plus recevoir d'alertes : %(unsubscribe_url)s"
    ),
    "pt": (
        "Prezado(a) %(recipient_name)s,\n\n"
        "Esta é uma atualização sobre o caso %(case_reference)s, sobre o qual "
        "%(organisation)s escreveu a você anteriormente: nenhuma outra ação é necessária da "
        "sua parte. Agradecemos a sua atenção. Pedimos que você continue tratando as "
        "mensagens anteriores como confidenciais.\n\n"
        "%(organisation)s\n\n"
        "Para deixar de receber alertas: %(unsubscribe_url)s"
    ),
}


@dataclass(frozen=True)
class Silent:
    """An organisation of the tier that gave no substantive response, and when it was
    informed."""

    organisation: str
    informed_on: date


def _known(language: str) -> str:
    return language if language in _ESCALATION else "en"


def escalation_paragraph(language: str, *, organisation: str, silent: Sequence[Silent]) -> str:
    """Who was informed on which date and has not responded ("" when nobody is known)."""
    language = _known(language)
    if not silent:
        return ""
    groups = []
    ordered = sorted(silent, key=lambda s: (s.informed_on, s.organisation))
    for day, rows in groupby(ordered, key=lambda s: s.informed_on):
        names = list(dict.fromkeys(r.organisation for r in rows))
        listed = ", ".join(names[:-1]) + _AND[language] + names[-1] if len(names) > 1 else names[0]
        said = format_date(day, format="long", locale=language)
        groups.append(_ON[language] % (listed, said))
    informed = "; ".join(groups)
    return _ESCALATION[language] % {"organisation": organisation, "informed": informed}


def with_escalation(text: str, paragraph: str) -> str:
    """``text`` with ``paragraph`` after its first paragraph (the greeting)."""
    if not paragraph:
        return text
    head, separator, rest = text.strip().partition("\n\n")
    if not separator:
        return f"{paragraph}\n\n{head}\n"
    return f"{head}\n\n{paragraph}\n\n{rest}\n"


def resolution_text(
    language: str,
    *,
    recipient_name: str,
    case_reference: str,
    organisation: str,
    unsubscribe_url: str,
) -> str:
    """The short "no further action needed" notice: the case reference and nothing else."""
    return _RESOLUTION[_known(language)] % {
        "recipient_name": recipient_name,
        "case_reference": case_reference,
        "organisation": organisation,
        "unsubscribe_url": unsubscribe_url,
    }
