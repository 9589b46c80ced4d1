"""The right-of-reply e-mails, in the contact's language.

The subject carries the case reference only (never a place, a name or the company: a
subject line is read by whoever sees the inbox); the body says what is asked, by when, and
where to answer (the signed link). Nothing about the defender is in it: the question is the
analyst's, and the link page shows the de-identified facts."""

from __future__ import annotations

LANGUAGES = ("en", "es", "fr", "pt")

SUBJECT = {
    "en": "Right of reply: case %(case_reference)s",
    "es": "Derecho de réplica: caso %(case_reference)s",
    "fr": "Droit de réponse : dossier %(case_reference)s",
    "pt": "Direito de resposta: caso %(case_reference)s",
}
REMINDER_SUBJECT = {
    "en": "Reminder — right of reply: case %(case_reference)s",
    "es": "Recordatorio — derecho de réplica: caso %(case_reference)s",
    "fr": "Rappel — droit de réponse : dossier %(case_reference)s",
    "pt": "Lembrete — direito de resposta: caso %(case_reference)s",
}
BODY = {
    "en": (
        "Dear %(name)s,\n\n%(organisation)s documents attacks on human-rights defenders. "
        "Before publishing case %(case_reference)s, we invite %(company)s to respond.\n\n"
        "%(question)s\n\nPlease answer by %(deadline)s (UTC) at this link:\n%(url)s\n\n"
        "Your answer may be published verbatim beside the case. If you do not respond, "
        "the case will say that %(company)s was invited to respond and did not."
    ),
    "es": (
        "Estimado/a %(name)s:\n\n%(organisation)s documenta ataques contra personas "
        "defensoras de derechos humanos. Antes de publicar el caso %(case_reference)s, "
        "invitamos a %(company)s a responder.\n\n%(question)s\n\nPor favor, responda antes "
        "del %(deadline)s (UTC) en este enlace:\n%(url)s\n\nSu respuesta podrá publicarse "
        "textualmente junto al caso. Si no responde, el caso indicará que %(company)s fue "
        "invitada a responder y no lo hizo."
    ),
    "fr": (
        "Madame, Monsieur %(name)s,\n\n%(organisation)s documente les attaques contre les "
        "défenseurs des droits humains. Avant de publier le dossier %(case_reference)s, nous "
        "invitons %(company)s à répondre.\n\n%(question)s\n\nMerci de répondre avant le "
        "%(deadline)s (UTC) par ce lien :\n%(url)s\n\nVotre réponse pourra être publiée "
        "telle quelle à côté du dossier. Sans réponse, le dossier indiquera que %(company)s "
        "a été invitée à répondre et ne l'a pas fait."
    ),
    "pt": (
        "Prezado(a) %(name)s,\n\n%(organisation)s documenta ataques contra defensores de "
        "direitos humanos. Antes de publicar o caso %(case_reference)s, convidamos "
        "%(company)s a responder.\n\n%(question)s\n\nPor favor, responda até %(deadline)s "
        "(UTC) neste link:\n%(url)s\n\nSua resposta poderá ser publicada na íntegra ao lado "
        "do caso. Se não responder, o caso informará que %(company)s foi convidada a "
        "responder e não respondeu."
    ),
}


def language_of(code: str | None) -> str:
    return code if code in LANGUAGES else "en"
