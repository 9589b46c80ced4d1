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
from vigil.public.register_models import (
    LabelKind,
    PublicIncident,
    PublicIncidentLabel,
    PublicResponse,
)

#: Rows per keyset batch of an export: small enough to stream, large enough to be quick.
EXPORT_BATCH = 500
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
LIST_SEPARATOR = ";"


def incident_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/incidents/{code}"


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
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = Cursor(rows[-1].sort_date, rows[-1].id) if more and rows else None
    return flat_rows(session, rows, base_url=base_url), next_cursor


def iter_rows(
    session: Session, filters: RegisterFilters, *, base_url: str, batch: int = EXPORT_BATCH
) -> Iterator[dict[str, Any]]:
    """Every matching flat row, in the register's order, one keyset batch in memory."""
    cursor: Cursor | None = None
    while True:
        rows, cursor = read_page(session, filters, after=cursor, limit=batch, base_url=base_url)
        yield from rows
        if cursor is None:
            return


def count_rows(session: Session, filters: RegisterFilters) -> int:
    inner = filtered_incidents(filters).order_by(None).with_only_columns(PublicIncident.id)
    return session.scalar(select(func.count()).select_from(inner.subquery())) or 0


def _labels(session: Session, ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    found: dict[int, dict[str, list[str]]] = {i: {} for i in ids}
    if not ids:
        return found
    rows = session.execute(
        select(
            PublicIncidentLabel.public_incident_id,
            PublicIncidentLabel.kind,
            PublicIncidentLabel.code,
        )
        .where(PublicIncidentLabel.public_incident_id.in_(ids))
        .order_by(PublicIncidentLabel.id)
    )
    for incident_id, kind, code in rows:
        found[incident_id].setdefault(kind, []).append(code)
    return found


def _company_names(incident: PublicIncident, company_ids: list[str]) -> list[str]:
    """The companies' public names as the batch stored them in ``detail``; an id the detail
    does not name is given as ``company:<id>``."""
    named: dict[str, str] = {}
    for company in (incident.detail or {}).get("companies") or []:
        if isinstance(company, dict) and company.get("name"):
            named[str(company.get("id", ""))] = str(company["name"])
    names = [named.pop(cid, f"company:{cid}") for cid in company_ids]
    names.extend(named.values())  # named in the detail without a label: still shown
    return [" ".join(name.replace(LIST_SEPARATOR, ",").split()) for name in names]


def flat_rows(
    session: Session, incidents: Sequence[PublicIncident], *, base_url: str
) -> list[dict[str, Any]]:
    """The open-data columns of each row (lists as lists; CSV joins them)."""
    labels = _labels(session, [incident.id for incident in incidents])
    return [flat_row(incident, labels[incident.id], base_url=base_url) for incident in incidents]


def flat_row(
    incident: PublicIncident, labels: dict[str, list[str]], *, base_url: str
) -> dict[str, Any]:
    attack_order = [
        str(item.get("code"))
        for item in (incident.detail or {}).get("attack_types") or []
        if isinstance(item, dict) and item.get("code")
    ]
    attacks = labels.get(LabelKind.attack_type, [])
    attacks = [c for c in attack_order if c in attacks] + [
        c for c in attacks if c not in attack_order
    ]
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
        "attack_types": attacks,
        "defender_types": sorted(set(labels.get(LabelKind.defender_type, []))),
        "genders": sorted(set(labels.get(LabelKind.gender, []))),
        "companies": _company_names(incident, labels.get(LabelKind.company, [])),
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
