"""``/api/v1/public/incidents``: the register as JSON, with the register's filters and keyset
pagination (an opaque cursor in a ``next`` link), read from the de-identified tables only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode

import pycountry
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from vigil.core.errors import NotFound
from vigil.core.places import country_codes
from vigil.public.open_data import (
    MAX_PAGE,
    find_incident,
    flat_rows,
    published_responses,
    read_page,
)
from vigil.public.register import (
    CURSOR_PATTERN,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_SEARCH_LENGTH,
    MAX_SEARCH_WORDS,
    Cursor,
    RegisterFilters,
    search_words,
    vocabulary_codes,
)
from vigil.public.register_models import ResponseStatus
from vigil.web.deps import ReadOnlyDbSession

router = APIRouter(prefix="/api/v1/public", tags=["public"])


class IncidentOut(BaseModel):
    """One published incident, de-identified: the same columns as the CSV export."""

    code: str = Field(description="public identifier (random, stable); use it in URLs")
    title: str = Field(description="a title made from public fields only")
    year: int
    month: int | None = Field(description="1–12; null when only the year is known")
    date: dt.date | None = Field(description="the day, only when every victim allowed it")
    country: str = Field(description="ISO 3166-1 alpha-2")
    region: str | None = Field(description="ISO 3166-2 subdivision code; null when unknown")
    place: str | None = Field(description="a finer place, only when every victim allowed it")
    sector: str | None = Field(description="code of the sector vocabulary (see /data)")
    attack_types: list[str] = Field(description="codes of the attack-type vocabulary")
    defender_types: list[str] = Field(description="codes of the defender-type vocabulary")
    genders: list[str] = Field(description="codes of the gender vocabulary")
    companies: list[str] = Field(description="public names of the companies linked")
    response_status: str = Field(
        description="not_invited, invited, responded or did_not_respond (right of reply)"
    )
    summary: str | None = Field(description="the reviewed public summary")
    url: str = Field(description="the incident's page on the public register")
    published_at: dt.datetime = Field(description="when it entered the register (UTC)")


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    limit: int
    next: str | None = Field(description="URL of the next page (same filters); null: last page")
    next_cursor: str | None = Field(description="the opaque cursor inside `next`")


class ResponseOut(BaseModel):
    company: str
    asked_on: dt.date
    deadline: dt.date
    responded_at: dt.datetime | None = Field(description="null: no response (yet)")
    classification: str = Field(description="how an analyst classified the response")
    text: str = Field(description="the company's response, verbatim as published")


class IncidentDetailOut(IncidentOut):
    responses: list[ResponseOut] = Field(description="the right of reply, oldest first")


class ProblemOut(BaseModel):
    detail: str | list[dict[str, Any]] = Field(
        description="what was wrong: a sentence, or the parameters refused and why"
    )


def _codes(name: str, codes: Iterable[str]) -> type[StrEnum]:
    """An enum of the accepted codes, so the OpenAPI document lists them and a request the
    schema accepts is one the register accepts."""
    return StrEnum(name, {code: code for code in sorted(codes)})  # type: ignore[return-value]


CountryCode = _codes("CountryCode", country_codes())
RegionCode = _codes("RegionCode", (s.code for s in pycountry.subdivisions))
SectorCode = _codes("SectorCode", vocabulary_codes("sector"))
AttackTypeCode = _codes("AttackTypeCode", vocabulary_codes("attack_type"))
DefenderTypeCode = _codes("DefenderTypeCode", vocabulary_codes("defender_type"))
ResponseStatusCode = _codes("ResponseStatusCode", (str(s) for s in ResponseStatus))


def _search(q: str) -> str:
    """The search as the register takes it: the first words (folded, as many as fit the
    register's limits). A longer search narrows nothing the first words did not."""
    kept: list[str] = []
    for word in search_words(q.replace("\x00", " "))[:MAX_SEARCH_WORDS]:
        if len(" ".join([*kept, word])) > MAX_SEARCH_LENGTH:
            break
        kept.append(word)
    return " ".join(kept)


BAD_REQUEST: dict[int | str, dict[str, Any]] = {
    422: {"model": ProblemOut, "description": "A filter, the cursor or the limit is wrong."}
}


@router.get(
    "/incidents", name="public.api_incidents", response_model=IncidentPage, responses=BAD_REQUEST
)
def api_incidents(
    request: Request,
    response: Response,
    session: ReadOnlyDbSession,
    country: Annotated[CountryCode | None, Query(description="ISO 3166-1 alpha-2")] = None,  # type: ignore[valid-type]
    region: Annotated[RegionCode | None, Query(description="ISO 3166-2")] = None,  # type: ignore[valid-type]
    sector: SectorCode | None = None,  # type: ignore[valid-type]
    attack_type: AttackTypeCode | None = None,  # type: ignore[valid-type]
    defender_type: DefenderTypeCode | None = None,  # type: ignore[valid-type]
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)] = None,
    company_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    response_status: ResponseStatusCode | None = None,  # type: ignore[valid-type]
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_SEARCH_LENGTH,
            description=f"words that must all occur (only the first {MAX_SEARCH_WORDS} count)",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[
        str | None, Query(pattern=CURSOR_PATTERN, description="opaque: from a `next` link")
    ] = None,
) -> IncidentPage:
    """Published incidents, newest first, filtered as on the register's page (codes listed
    at `/data`). A region outside the given country matches nothing. A filter, limit or
    cursor the schema refuses answers 422."""
    raw = {
        "country": country,
        "region": region,
        "sector": sector,
        "attack_type": attack_type,
        "defender_type": defender_type,
        "year": year,
        "company_id": company_id,
        "response_status": response_status,
        "q": _search(q) if q else None,
    }
    if country and region and not str(region).startswith(f"{country}-"):
        return IncidentPage(items=[], limit=limit, next=None, next_cursor=None)
    filters = RegisterFilters.from_query({k: str(v) for k, v in raw.items() if v is not None})
    after = Cursor.decode(cursor) if cursor else None
    settings = request.app.state.settings
    rows, next_cursor = read_page(
        session, filters, after=after, limit=limit, base_url=settings.base_url
    )
    next_url = None
    if next_cursor is not None:
        query = {**filters.as_query(), "limit": str(limit), "cursor": next_cursor.encode()}
        next_url = f"{request.url_for('public.api_incidents')}?{urlencode(query)}"
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return IncidentPage(
        items=[IncidentOut(**row) for row in rows],
        limit=limit,
        next=next_url,
        next_cursor=next_cursor.encode() if next_cursor else None,
    )


@router.get(
    "/incidents/{code}",
    name="public.api_incident",
    response_model=IncidentDetailOut,
    responses={
        **BAD_REQUEST,
        404: {"model": ProblemOut, "description": "No published incident has this code."},
    },
)
def api_incident(
    request: Request, session: ReadOnlyDbSession, code: Annotated[str, Path(max_length=16)]
) -> IncidentDetailOut:
    """One published incident and its published right of reply; 404 if not in the register."""
    incident = find_incident(session, code)
    if incident is None:
        raise NotFound("No published incident has this code.")
    [row] = flat_rows([incident], base_url=request.app.state.settings.base_url)
    responses = [
        ResponseOut(
            company=r.company_name,
            asked_on=r.asked_on,
            deadline=r.deadline,
            responded_at=r.responded_at,
            classification=r.classification,
            text=r.text,
        )
        for r in published_responses(session, incident.id)
    ]
    return IncidentDetailOut(**row, responses=responses)
