"""How an alert names the types of attack of its case: every one, joined in the language.

An incident may record several types (a death threat *and* extortion); the playbook that
leads is chosen from one of them (playbooks/choice.py), but a message that said only that
one would hide half of what happened from the recipient. So the ``attack_type`` a template
says is the list of all the case's types, in the order they were recorded, joined the way
the language joins a list ("death threat and extortion", "amenaza de muerte y extorsión")
by Babel's CLDR list patterns. Only the first label keeps its capital: templates lower-case
the whole (``{{ attack_type|lower }}``), and one that does not still reads as a phrase.
"""

from __future__ import annotations

from collections.abc import Sequence

from babel import UnknownLocaleError
from babel.lists import format_list
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.i18n import LOCALES
from vigil.incidents.models import Act
from vigil.vocabularies.models import VocabularyTerm


def _in_sentence(label: str) -> str:
    """``label`` as it reads inside a list: a leading capital lowered, an acronym kept."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def join_labels(labels: Sequence[str], language: str) -> str:
    """The labels as one phrase in ``language`` ("" for none)."""
    items = [label for label in labels if label]
    if not items:
        return ""
    items = [items[0], *(_in_sentence(label) for label in items[1:])]
    try:
        return format_list(items, locale=language)
    except (UnknownLocaleError, ValueError):
        return format_list(items, locale="en")


def attack_type_labels(session: Session, *, incident_id: int) -> dict[str, str]:
    """Every attack type of the incident, joined, per language (empty without any act)."""
    rows = session.scalars(
        select(VocabularyTerm)
        .join(Act, Act.attack_type_id == VocabularyTerm.id)
        .where(Act.incident_id == incident_id)
        .order_by(Act.id)
    ).all()
    terms = list(dict.fromkeys(rows))  # each type once, as the playbook choice counts them
    if not terms:
        return {}
    return {
        language: join_labels([term.label(language) for term in terms], language)
        for language in LOCALES
    }
