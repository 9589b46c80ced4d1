"""The options the report form offers, in the reporter's language."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.i18n import N_, gettext
from vigil.core.places import country_choices
from vigil.intake.schemas import split_multi
from vigil.organisations.models import Organisation
from vigil.vocabularies.models import VocabularyTerm

FORM_VOCABULARIES = {
    "defender_type": "defender_type",
    "attack_type": "attack_type",
    "perpetrator_type": "perpetrator_type",
    "gender_identity": "gender_identity",
}

TARGET_KINDS = {
    "person": N_("A person"),
    "group": N_("A group or movement"),
    "community": N_("A community"),
    "organisation": N_("An organisation"),
}

WISHES = {
    "quiet": N_("Quiet diplomacy: contact the companies and others privately"),
    "public": N_("Public action: statements and publication are welcome"),
    "record_only": N_("Only record what happened for now"),
}

REJECTIONS = {
    "empty": N_("One of the files is empty."),
    "too_large": N_("One of the files is too large."),
    "unsupported_type": N_(
        "One of the files is of a type we cannot accept. Send photos, PDF, audio or video."
    ),
    "decompression_bomb": N_("One of the images is too large to process."),
    "corrupt": N_("One of the files is damaged and cannot be opened."),
    "encrypted": N_("One of the PDF files is password-protected. Send it without a password."),
    "too_complex": N_("One of the files is too complex to clean safely. Send a smaller file."),
    "pdf_image": N_(
        "One of the PDF files has images we cannot clean. Print it to a new PDF and send that."
    ),
}


def rejection_message(code: str) -> str:
    return gettext(REJECTIONS.get(code, REJECTIONS["unsupported_type"]))


def vocabulary_codes(session: Session) -> dict[str, set[str]]:
    rows = session.execute(select(VocabularyTerm.vocabulary, VocabularyTerm.code)).all()
    return {
        field: {code for vocab, code in rows if vocab == name}
        for field, name in FORM_VOCABULARIES.items()
    }


def receiving_organisations(session: Session) -> dict[str, int]:
    """Organisations a reporter may address, slug -> id, oldest first (the default)."""
    return dict(
        session.execute(select(Organisation.slug, Organisation.id).order_by(Organisation.id)).all()
    )


def _fixed_options(locale: str) -> dict[str, object]:
    """The options that do not come from the database."""
    return {
        "countries": country_choices(locale),
        "target_kinds": [(k, gettext(v)) for k, v in TARGET_KINDS.items()],
        "wishes": [(k, gettext(v)) for k, v in WISHES.items()],
    }


def form_context(session: Session, *, locale: str) -> dict[str, object]:
    terms = session.scalars(select(VocabularyTerm).order_by(VocabularyTerm.position)).all()
    options = {
        field: [(t.code, t.label(locale)) for t in terms if t.vocabulary == name]
        for field, name in FORM_VOCABULARIES.items()
    }
    organisations = session.execute(
        select(Organisation.slug, Organisation.name).order_by(Organisation.id)
    ).all()
    return {**_fixed_options(locale), "options": options, "organisations": organisations}


def fallback_form_context(values: dict[str, str], *, locale: str) -> dict[str, object]:
    """The form's options when the database cannot be read at all: each list offers only what
    the reporter had chosen, so a failed submission still keeps every answer."""
    options = {
        field: [(code, code) for code in split_multi(values.get(field))]
        for field in FORM_VOCABULARIES
    }
    return {**_fixed_options(locale), "options": options, "organisations": []}


REPORT_STATUSES = {
    "received": N_("Received, waiting to be read"),
    "triage": N_("Being assessed"),
    "accepted": N_("Accepted: the organisation is working on it"),
    "rejected": N_("Not taken up"),
    "closed": N_("Closed"),
}


def report_status_label(status: str) -> str:
    message = REPORT_STATUSES.get(status)
    return gettext(message) if message else status
