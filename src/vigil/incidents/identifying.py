"""What in a text would point at the people of a case: the check every public text passes
(the reviewed public summary, a company's published response) before it may leave Vigil.

A text is refused when it holds, ignoring case and accents, a whole word of a linked victim's
name (words of three letters or more, not "de" or "la"), a word of the exact place, the
victim's contact details or the internal title as written, or any phone-like number (seven
digits or more, spaces, dashes, dots, a plus or parentheses between them) or e-mail
address, whoever's it is: a number in a public text is someone's number.

The check cannot know every way a text identifies someone (a nickname, "the only woman on
the village council"): it stops the mistakes that are certain, and a second staff member
reviews the rest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.crypto import Vault, Withheld
from vigil.defenders.models import Defender
from vigil.incidents.models import Act, Incident

#: Particles that are part of many names and places and identify no one on their own.
PARTICLES = frozenset(
    [
        "de",
        "del",
        "la",
        "las",
        "los",
        "el",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "des",
        "le",
        "les",
        "van",
        "von",
        "der",
        "den",
        "the",
        "and",
        "et",
        "y",
        "e",
    ]
)
MIN_WORD = 3
PHONE = re.compile(r"\+?\(?\d(?:[\s\-.()/]*\d){6,}")
EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\s@<>()\[\],;:\"']+")
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class IdentifyingDetails:
    """One incident's identifying details, decrypted: kept in memory for one check only."""

    names: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """Which kind of detail a text holds (name, place, contact, title, phone, email) and the
    words found, for the staff member who must remove them (never logged)."""

    kind: str
    found: str


def fold(text: str) -> str:
    """Lower case without accents: "José" and "JOSE" are the same word here."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    return WORD.findall(fold(text))


def _significant(text: str) -> set[str]:
    return {w for w in _words(text) if len(w) >= MIN_WORD and w not in PARTICLES}


def _proper_nouns(text: str) -> set[str]:
    """The capitalised words of a title after its first word ("Threat to Doña Rosa in
    Yanacocha": doña, rosa, yanacocha): the names and places an internal title may hold."""
    words = WORD.findall(text)[1:]
    return {fold(w) for w in words if w[:1].isupper() and len(w) >= MIN_WORD} - PARTICLES


def _contains_phrase(words: list[str], phrase: list[str]) -> bool:
    if not phrase:
        return False
    size = len(phrase)
    return any(words[i : i + size] == phrase for i in range(len(words) - size + 1))


def find_identifying(text: str, details: IdentifyingDetails) -> list[Finding]:
    """Every identifying detail ``text`` holds; an empty list when it may be published."""
    found: list[Finding] = []
    words = _words(text)
    present = set(words)
    for kind, values in (("name", details.names), ("place", details.places)):
        for value in values:
            hits = sorted(_significant(value) & present)
            if hits:
                found.append(Finding(kind, " ".join(hits)))
    for kind, values in (("contact", details.contacts), ("title", details.titles)):
        for value in values:
            if _contains_phrase(words, _words(value)):
                found.append(Finding(kind, value))
    for title in details.titles:
        hits = sorted(_proper_nouns(title) & present)
        if hits:
            found.append(Finding("title", " ".join(hits)))
    found.extend(Finding("phone", match.group().strip()) for match in PHONE.finditer(text))
    found.extend(Finding("email", match.group()) for match in EMAIL.finditer(text))
    return found


def _open(vault: Vault, key_id: int | None, sealed: bytes | None) -> str:
    try:
        return vault.open(key_id, sealed) or ""
    except Withheld:
        return ""


def identifying_details(
    session: Session, *, vault: Vault, incident: Incident
) -> IdentifyingDetails:
    """The names and contacts of the incident's victims, its exact place and its internal
    title. A forgotten victim's name is gone with their key: nothing of it is left to find."""
    victims = session.scalars(
        select(Defender)
        .join(Act, Act.victim_id == Defender.id)
        .where(Act.incident_id == incident.id)
        .distinct()
    ).all()
    names = [_open(vault, v.data_key_id, v.name_sealed) for v in victims]
    contacts = [_open(vault, v.data_key_id, v.contact_sealed) for v in victims]
    place = _open(vault, incident.data_key_id, incident.place_sealed)
    return IdentifyingDetails(
        names=tuple(n for n in names if n.strip()),
        contacts=tuple(c for c in contacts if c.strip()),
        places=(place,) if place.strip() else (),
        titles=(incident.title,) if incident.title.strip() else (),
    )
