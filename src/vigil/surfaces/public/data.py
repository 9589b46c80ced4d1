"""Open data: ``/data`` (the data dictionary), the bulk downloads under ``/data/``, and the
Atom feed. Everything is read from the de-identified register tables.

Downloads stream: the response opens its own read-only session inside the generator (the
request's session is closed before a streamed body is sent) and reads keyset batches, so a
million-row CSV never sits in memory. Filters are checked before the first byte, so a bad
filter is a 422 page, never a broken download.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import Response

from vigil.core.db import read_only_scope
from vigil.core.i18n import N_, current_locale, gettext
from vigil.public.csv_lines import database_csv_chunks
from vigil.public.exports import (
    data_package,
    jsonl_chunks,
    licence_for,
    licence_statement,
)
from vigil.public.feeds import incidents_feed
from vigil.public.open_data import FIELDS, iter_cells
from vigil.public.regions import regions_geojson
from vigil.public.register import RegisterFilters
from vigil.public.register_models import ResponseStatus
from vigil.vocabularies.service import read_seed_terms
from vigil.web.deps import AppSettings, ReadOnlyDbSession
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)

#: The vocabularies a column of the data uses, in the order the dictionary lists them.
DATA_VOCABULARIES = (
    ("attack_types", "attack_type"),
    ("defender_types", "defender_type"),
    ("genders", "gender_identity"),
    ("sector", "sector"),
)
RESPONSE_STATUS_LABELS = {
    ResponseStatus.not_invited: N_("The companies have not been asked to respond."),
    ResponseStatus.invited: N_("A company was asked to respond; its deadline has not passed."),
    ResponseStatus.responded: N_(
        "A company responded; the response is published with the incident."
    ),
    ResponseStatus.did_not_respond: N_("A company was asked and did not respond by the deadline."),
}


def _stream(
    factory: sessionmaker[Session], filters: RegisterFilters, base_url: str, kind: str
) -> Iterator[bytes]:
    with read_only_scope(factory) as session:
        if kind == "jsonl":
            yield from jsonl_chunks(iter_cells(session, filters, base_url=base_url))
        else:
            yield from database_csv_chunks(session, filters, base_url=base_url, hxl=kind == "hxl")


def _download(request: Request, kind: str, filename: str, media_type: str) -> Response:
    filters = RegisterFilters.from_query(request.query_params)
    body = _stream(
        request.app.state.sessionmaker, filters, request.app.state.settings.base_url, kind
    )
    return StreamingResponse(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/data/incidents.csv", name="public.data_csv")
def incidents_csv(request: Request) -> Response:
    return _download(request, "csv", "incidents.csv", "text/csv; charset=utf-8")


@router.get("/data/incidents-hxl.csv", name="public.data_hxl")
def incidents_hxl(request: Request) -> Response:
    return _download(request, "hxl", "incidents-hxl.csv", "text/csv; charset=utf-8")


@router.get("/data/incidents.jsonl", name="public.data_jsonl")
def incidents_jsonl(request: Request) -> Response:
    return _download(request, "jsonl", "incidents.jsonl", "application/jsonl; charset=utf-8")


@router.get("/data/datapackage.json", name="public.data_package")
def datapackage(settings: AppSettings) -> Response:
    return JSONResponse(
        data_package(
            base_url=settings.base_url,
            licence=licence_for(settings.public_data_licence),
            min_cell=settings.public_min_cell,
        )
    )


@router.get("/data/regions.geojson", name="public.data_regions")
def regions(session: ReadOnlyDbSession, settings: AppSettings) -> Response:
    """The whole register only, never filtered: counts of two filtered views could be
    subtracted to give a count the suppression withholds."""
    collection = regions_geojson(
        session,
        RegisterFilters(),
        min_cell=settings.public_min_cell,
        licence_statement=licence_statement(licence_for(settings.public_data_licence)),
    )
    return JSONResponse(collection, media_type="application/geo+json")


@router.get("/feeds/incidents.atom", name="public.feed")
def feed(session: ReadOnlyDbSession, settings: AppSettings) -> Response:
    body = incidents_feed(
        session,
        base_url=settings.base_url,
        licence_statement=licence_statement(licence_for(settings.public_data_licence)),
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _vocabularies(locale: str) -> list[dict[str, object]]:
    terms = read_seed_terms()
    return [
        {
            "column": column,
            "terms": [
                (row["code"], row.get(locale) or row["en"])
                for row in terms
                if row["vocabulary"] == vocabulary
            ],
        }
        for column, vocabulary in DATA_VOCABULARIES
    ]


@router.get("/data", name="public.data")
def data_dictionary(request: Request, settings: AppSettings) -> Response:
    """Every column, its codes and labels, the de-identification rules, the licence."""
    licence = licence_for(settings.public_data_licence)
    return render(
        request,
        "public/data.html",
        {
            "fields": [(f.name, f.type, f.hxl, gettext(f.description), f.is_list) for f in FIELDS],
            "vocabularies": _vocabularies(current_locale.get()),
            "statuses": [(str(s), gettext(label)) for s, label in RESPONSE_STATUS_LABELS.items()],
            "licence": licence,
            "min_cell": settings.public_min_cell,
        },
    )
