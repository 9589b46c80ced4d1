"""What the register's public pages read: a page of the list (keyset pagination), one
incident with its right-of-reply record, and the words a page shows for codes.

Everything here reads the de-identified register tables (and vocabulary labels,
organisation names), never incidents: see :mod:`vigil.public.register_models`.

The list is paged by keyset, not offset: the cursor is the last row's (sort_date, id), so a
page costs the same at row 20 or row 900,000, and a row published meanwhile neither repeats
nor skips a row. The count shown is capped (:data:`COUNT_CAP`): an exact COUNT(*) over a
million rows on every page view would cost more than the page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date
from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer, selectinload

from vigil.companies.models import Company
from vigil.core.errors import NotFound
from vigil.core.i18n import gettext
from vigil.core.places import country_name, region_name
from vigil.organisations.models import Organisation
from vigil.public.register import (
    Cursor,
    RegisterFilters,
    filtered_incidents,
    newer_than,
    older_than,
)
from vigil.public.register_models import LIST_SEPARATOR, PublicIncident, PublicResponse
from vigil.vocabularies.models import VocabularyTerm

PAGE_SIZE = 25
#: The list says "more than 1,000" past this: counting further costs a scan of the matches.
COUNT_CAP = 1000


LIST_COLUMNS_ONLY = (
    defer(PublicIncident.search_text),
    defer(PublicIncident.detail),
    defer(PublicIncident.summary),
)


@dataclass(frozen=True)
class RegisterPage:
    items: list[PublicIncident]
    #: Opaque cursors for the next and previous pages; None at either end.
    next_cursor: str | None
    previous_cursor: str | None
    #: The number of matches, at most COUNT_CAP (``capped``: there are more).
    count: int
    capped: bool


def register_page(
    session: Session,
    filters: RegisterFilters,
    *,
    after: str = "",
    before: str = "",
    page_size: int = PAGE_SIZE,
) -> RegisterPage:
    """One page of the filtered register: the rows after cursor ``after`` (older), or those
    just before cursor ``before`` (newer, for "Previous"), or the first page."""
    # A list shows titles, sectors and statuses: the search text, the JSON detail and the
    # labels stay in the database (loading them cost most of a page's time at scale).
    query = filtered_incidents(filters).options(*LIST_COLUMNS_ONLY)
    if before:
        newer = (
            query.where(newer_than(Cursor.decode(before)))
            .order_by(None)
            .order_by(PublicIncident.sort_date, PublicIncident.id)
            .limit(page_size + 1)
        )
        rows = list(session.scalars(newer))
        more_newer = len(rows) > page_size
        items = list(reversed(rows[:page_size]))
        previous = Cursor.of(items[0]).encode() if more_newer and items else None
        # The row ``before`` points at is older than these: there is a next page.
        next_cursor = Cursor.of(items[-1]).encode() if items else None
    else:
        if after:
            query = query.where(older_than(Cursor.decode(after)))
        rows = list(session.scalars(query.limit(page_size + 1)))
        items = rows[:page_size]
        next_cursor = Cursor.of(items[-1]).encode() if len(rows) > page_size else None
        previous = Cursor.of(items[0]).encode() if after and items else None
    count, capped = capped_count(session, filters)
    return RegisterPage(items, next_cursor, previous, count, capped)


def capped_count(session: Session, filters: RegisterFilters) -> tuple[int, bool]:
    """How many rows match, counting no further than COUNT_CAP + 1."""
    ids = (
        filtered_incidents(filters)
        .with_only_columns(PublicIncident.id)
        .order_by(None)
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    total = session.scalar(select(func.count()).select_from(ids)) or 0
    return min(total, COUNT_CAP), total > COUNT_CAP


def get_public_incident(session: Session, *, code: str) -> PublicIncident:
    """The register row with public ``code``; ``NotFound`` otherwise (a code holding a NUL
    is refused before the query: PostgreSQL cannot even compare it)."""
    incident = (
        session.scalar(
            select(PublicIncident)
            .where(PublicIncident.code == code)
            .options(selectinload(PublicIncident.labels))
        )
        if code.isascii() and code.isalnum() and len(code) <= 16
        else None
    )
    if incident is None:
        raise NotFound(gettext("There is no incident with this code in the register."))
    return incident


def source_name(session: Session, *, organisation_id: int) -> str:
    return session.scalar(select(Organisation.name).where(Organisation.id == organisation_id)) or ""


def company_name(session: Session, *, company_id: int) -> str:
    """A registry company's name (public registry data), "" when there is none."""
    if not 0 < company_id < 2**31:
        return ""
    return session.scalar(select(Company.name).where(Company.id == company_id)) or ""


#: Vocabulary labels change only when the vocabularies are seeded again: every public page
#: needs three of them, so each process keeps them this long (seconds) per database.
TERM_CACHE_SECONDS = 300.0
_term_cache: dict[tuple[str, str, str], tuple[float, dict[str, str]]] = {}


def term_labels(session: Session, *, vocabulary: str, locale: str) -> dict[str, str]:
    """code -> label in ``locale`` of one vocabulary (a few dozen rows), cached briefly."""
    key = (str(session.get_bind().engine.url), vocabulary, locale)
    cached = _term_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < TERM_CACHE_SECONDS:
        return dict(cached[1])
    terms = session.scalars(
        select(VocabularyTerm)
        .where(VocabularyTerm.vocabulary == vocabulary)
        .order_by(VocabularyTerm.position)
    )
    labels = {term.code: term.label(locale) for term in terms}
    _term_cache[key] = (time.monotonic(), labels)
    return dict(labels)


def attack_codes(incident: PublicIncident) -> list[str]:
    """The incident's attack types, in the order the batch recorded them."""
    return incident.attack_types.split(LIST_SEPARATOR) if incident.attack_types else []


def place_words(incident: PublicIncident, locale: str) -> str:
    country = country_name(incident.country, locale)
    region = region_name(incident.region, locale) if incident.region else ""
    if incident.place:
        return (
            f"{incident.place}, {region or country}" if region else f"{incident.place}, {country}"
        )
    return f"{region} ({country})" if region else country


def when_words(incident: PublicIncident, locale: str) -> str:
    if incident.occurred_on is not None:
        return format_date(incident.occurred_on, "long", locale=locale)
    if incident.month:
        return format_date(date(incident.year, incident.month, 1), "LLLL y", locale=locale)
    return str(incident.year)


def incident_title(incident: PublicIncident, attack_labels: dict[str, str], locale: str) -> str:
    """A title in the reader's language made from public fields only (attack types, place,
    month): never the batch's stored title, which is in one language."""
    attacks = [attack_labels.get(code, code) for code in attack_codes(incident)]
    return gettext("%(attacks)s, %(place)s, %(when)s") % {
        "attacks": ", ".join(attacks) or gettext("Attack"),
        "place": place_words(incident, locale),
        "when": when_words(incident, locale),
    }


@dataclass
class ResponseEntry:
    """One right-of-reply request as shown: ``state`` is responded, did_not_respond (the
    deadline passed without an answer) or awaiting; follow-ups hang below their request."""

    row: PublicResponse
    state: str
    follow_ups: list[ResponseEntry] = field(default_factory=list)


def response_state(row: PublicResponse, today: date) -> str:
    if row.responded_at is not None:
        return "responded"
    return "did_not_respond" if row.deadline < today else "awaiting"


def incident_responses(
    session: Session, *, public_incident_id: int, today: date
) -> list[ResponseEntry]:
    """The incident's requests, oldest first, each with its follow-ups (any depth)."""
    rows = session.scalars(
        select(PublicResponse)
        .where(PublicResponse.public_incident_id == public_incident_id)
        .order_by(PublicResponse.asked_on, PublicResponse.id)
    ).all()
    entries = {row.request_id: ResponseEntry(row, response_state(row, today)) for row in rows}
    top: list[ResponseEntry] = []
    for entry in entries.values():
        parent = entries.get(entry.row.follow_up_of) if entry.row.follow_up_of else None
        if parent is not None and parent is not entry:
            parent.follow_ups.append(entry)
        else:
            top.append(entry)
    return top
