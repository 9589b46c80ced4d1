"""The register's open data: one flat row per published incident, read in keyset pages.

Every API page, export, feed and the CLI reads the register through this module, so they
show the same rows with the same columns. It reads the de-identified register tables only
(:mod:`vigil.public.register_models`), filtered by :func:`vigil.public.register.filtered_incidents`
so a filter means the same thing on the register's pages and in its data.

Rows are read in keyset batches (``sort_date``, ``id``; the register's order) rather than with
``OFFSET`` or one big result: a million-row export holds one batch in memory at a time and
costs the same for its last page as for its first.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core.i18n import N_
from vigil.public.register import Cursor, RegisterFilters, filtered_incidents, older_than
from vigil.public.register_models import LIST_SEPARATOR, PublicIncident, PublicResponse

#: Rows per keyset batch of an export: small enough to stream, large enough to be quick.
EXPORT_BATCH = 5000
#: The API's page size: at most this many rows per request.
MAX_PAGE = 100


@dataclass(frozen=True)
class Field:
    """One column of the open data: its Table Schema type, the HXL hashtag of the HXL
    variant, and what it means (English here; the data dictionary shows it translated)."""

    name: str
    type: str
    hxl: str
    description: str
    required: bool = False
    #: "list": several values joined with ";" in CSV, an array in JSON.
    is_list: bool = False


FIELDS: tuple[Field, ...] = (
    Field(
        "code",
        "string",
        "#event+id",
        N_("The incident's public identifier (random; stable)."),
        True,
    ),
    Field("title", "string", "#event+name", N_("A title made from public fields only."), True),
    Field("year", "integer", "#date+year", N_("The year the incident happened."), True),
    Field("month", "integer", "#date+month", N_("The month (1–12), when known.")),
    Field(
        "date",
        "date",
        "#date+occurred",
        N_("The day it happened, only when every victim allowed the date to be published."),
    ),
    Field("country", "string", "#country+code", N_("Country, ISO 3166-1 alpha-2 code."), True),
    Field("region", "string", "#adm1+code", N_("Region, ISO 3166-2 subdivision code, when known.")),
    Field(
        "place",
        "string",
        "#loc+name",
        N_("A place finer than the region, only when every victim allowed it to be published."),
    ),
    Field(
        "sector", "string", "#sector+code", N_("The business sector, a code of the sector list.")
    ),
    Field(
        "attack_types",
        "string",
        "#event+type+code",
        N_("Types of attack, codes of the attack-type list."),
        is_list=True,
    ),
    Field(
        "defender_types",
        "string",
        "#affected+type+code",
        N_("Kinds of defender attacked, codes of the defender-type list."),
        is_list=True,
    ),
    Field(
        "genders",
        "string",
        "#affected+gender+code",
        N_("Gender and identity of the defenders, codes of the gender list."),
        is_list=True,
    ),
    Field(
        "companies",
        "string",
        "#org+name+company",
        N_("Companies linked to the incident, by their public names."),
        is_list=True,
    ),
    Field(
        "response_status",
        "string",
        "#status+response",
        N_("Where the companies' right of reply stands."),
        True,
    ),
    Field("summary", "string", "#description", N_("The reviewed public summary, if any.")),
    Field("url", "string", "#meta+url", N_("The incident's page on the public register."), True),
    Field(
        "published_at",
        "datetime",
        "#date+published",
        N_("When the incident entered the public register (UTC)."),
        True,
    ),
)
FIELD_NAMES = tuple(field.name for field in FIELDS)


def incident_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/incidents/{code}"


#: What an export reads of a register row: plain columns, no ORM objects (a million of them
#: would cost more than writing the CSV). ``flat_row`` reads a row of these or a
#: ``PublicIncident`` alike (the same attribute names).
EXPORT_COLUMNS = (
    PublicIncident.id,
    PublicIncident.sort_date,
    PublicIncident.code,
    PublicIncident.title,
    PublicIncident.year,
    PublicIncident.month,
    PublicIncident.occurred_on,
    PublicIncident.country,
    PublicIncident.region,
    PublicIncident.place,
    PublicIncident.sector,
    PublicIncident.response_status,
    PublicIncident.summary,
    PublicIncident.published_at,
    PublicIncident.attack_types,
    PublicIncident.defender_types,
    PublicIncident.genders,
    PublicIncident.companies,
)


def read_page(
    session: Session,
    filters: RegisterFilters,
    *,
    after: Cursor | None,
    limit: int,
    base_url: str,
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """One page of flat rows and the cursor of the next page (None on the last one)."""
    query = filtered_incidents(filters).where(older_than(after)).limit(limit + 1)
    rows = list(session.execute(query.with_only_columns(*EXPORT_COLUMNS)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = Cursor(rows[-1].sort_date, rows[-1].id) if more and rows else None
    return flat_rows(rows, base_url=base_url), next_cursor


#: The exports' columns, in :data:`FIELDS` order, then the keyset position (not exported).
#: ``url`` is made from ``code``; the many-valued fields come as stored, joined with ";".
CELL_COLUMNS = (
    PublicIncident.code,
    PublicIncident.title,
    PublicIncident.year,
    PublicIncident.month,
    PublicIncident.occurred_on,
    PublicIncident.country,
    PublicIncident.region,
    PublicIncident.place,
    PublicIncident.sector,
    PublicIncident.attack_types,
    PublicIncident.defender_types,
    PublicIncident.genders,
    PublicIncident.companies,
    PublicIncident.response_status,
    PublicIncident.summary,
    PublicIncident.code,  # becomes the url
    PublicIncident.published_at,
    PublicIncident.sort_date,
    PublicIncident.id,
)
URL_CELL = FIELD_NAMES.index("url")


def iter_cells(
    session: Session, filters: RegisterFilters, *, base_url: str, batch: int = EXPORT_BATCH
) -> Iterator[tuple[Any, ...]]:
    """Every matching row as a tuple of :data:`FIELDS`' values ("" or None when empty; the
    many-valued fields still joined with ";"), in the register's order, one keyset batch in
    memory. Tuples, not dicts or ORM objects: a million rows must cost little more than the
    database's own CSV output (the register benchmark measures it)."""
    prefix = f"{base_url.rstrip('/')}/incidents/"
    query = filtered_incidents(filters).with_only_columns(*CELL_COLUMNS)
    cursor: Cursor | None = None
    width = len(FIELDS)
    while True:
        rows = session.execute(query.where(older_than(cursor)).limit(batch)).all()
        for row in rows:
            cells = list(row[:width])
            cells[URL_CELL] = prefix + cells[URL_CELL]
            yield tuple(cells)
        if len(rows) < batch:
            return
        cursor = Cursor(rows[-1][-2], rows[-1][-1])


def count_rows(session: Session, filters: RegisterFilters) -> int:
    inner = filtered_incidents(filters).order_by(None).with_only_columns(PublicIncident.id)
    return session.scalar(select(func.count()).select_from(inner.subquery())) or 0


def flat_rows(incidents: Sequence[Any], *, base_url: str) -> list[dict[str, Any]]:
    """The open-data columns of each row (lists as lists; CSV joins them)."""
    return [flat_row(incident, base_url=base_url) for incident in incidents]


def _listed(cell: str) -> list[str]:
    return cell.split(LIST_SEPARATOR) if cell else []


def flat_row(incident: Any, *, base_url: str) -> dict[str, Any]:
    """One register row (a ``PublicIncident`` or a row of :data:`EXPORT_COLUMNS`) as the
    open data shows it."""
    return {
        "code": incident.code,
        "title": incident.title,
        "year": incident.year,
        "month": incident.month,
        "date": incident.occurred_on,
        "country": incident.country,
        "region": incident.region or None,
        "place": incident.place or None,
        "sector": incident.sector or None,
        "attack_types": _listed(incident.attack_types),
        "defender_types": _listed(incident.defender_types),
        "genders": _listed(incident.genders),
        "companies": _listed(incident.companies),
        "response_status": incident.response_status,
        "summary": incident.summary or None,
        "url": incident_url(base_url, incident.code),
        "published_at": incident.published_at,
    }


def published_responses(session: Session, incident_id: int) -> list[PublicResponse]:
    return list(
        session.scalars(
            select(PublicResponse)
            .where(PublicResponse.public_incident_id == incident_id)
            .order_by(PublicResponse.asked_on, PublicResponse.id)
        )
    )


def find_incident(session: Session, code: str) -> PublicIncident | None:
    return session.scalar(select(PublicIncident).where(PublicIncident.code == code))


def json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
