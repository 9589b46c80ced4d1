"""The public register: the filtered list of incidents and one incident's page, read from
the de-identified register tables only (``vigil.public.register_pages``).

The filter form is a plain GET (works with JavaScript off); with HTMX the same URL answers
with the results fragment only. A bad filter value answers 400 with the form as the reader
filled it and the reason, never a server error.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.core.i18n import current_locale
from vigil.core.places import country_choices, region_choices
from vigil.public.register import FIRST_YEAR, LAST_YEAR, RegisterFilters
from vigil.public.register_models import ResponseStatus
from vigil.public.register_pages import (
    attack_codes,
    company_name,
    get_public_incident,
    incident_responses,
    incident_title,
    place_words,
    register_page,
    source_name,
    term_labels,
    when_words,
)
from vigil.surfaces.public.register_labels import word
from vigil.surfaces.public.sharing import share_for
from vigil.web.deps import ReadOnlyDbSession
from vigil.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

FILTER_KEYS = (
    "country",
    "region",
    "sector",
    "attack_type",
    "defender_type",
    "year",
    "company_id",
    "response_status",
    "q",
)


def page_url(path: str, query: dict[str, str], **extra: str) -> str:
    """``path`` with the reader's filters and ``extra`` (a cursor) as its query string."""
    pairs = {**query, **{key: value for key, value in extra.items() if value}}
    return f"{path}?{urlencode(pairs)}" if pairs else path


def _form(request: Request, session: ReadOnlyDbSession) -> dict[str, Any]:
    """The filter form's values as the reader typed them, and its choices."""
    locale = current_locale.get()
    typed = {key: request.query_params.get(key, "").strip()[:200] for key in FILTER_KEYS}
    country = typed["country"].upper()
    company_id = typed["company_id"]
    return {
        "form": typed,
        "countries": country_choices(locale),
        "regions": region_choices(country, locale) if len(country) == 2 else (),
        "sectors": term_labels(session, vocabulary="sector", locale=locale),
        "attack_types": term_labels(session, vocabulary="attack_type", locale=locale),
        "defender_types": term_labels(session, vocabulary="defender_type", locale=locale),
        "statuses": [(s.value, word("response_status", s.value)) for s in ResponseStatus],
        "company_label": company_name(session, company_id=int(company_id))
        if company_id.isascii() and company_id.isdigit() and len(company_id) < 10
        else "",
        "any_company_url": page_url(
            "/incidents", {k: v for k, v in typed.items() if v and k != "company_id"}
        ),
        "word": word,
        "first_year": FIRST_YEAR,
        "last_year": LAST_YEAR,
    }


@router.get("/incidents", name="public.incidents")
def incidents(request: Request, session: ReadOnlyDbSession) -> Response:
    context = _form(request, session)
    params = request.query_params
    try:
        filters = RegisterFilters.from_query(params)
        page = register_page(
            session, filters, after=params.get("after", ""), before=params.get("before", "")
        )
    except Invalid as error:
        context.update(error=str(error), page=None)
        if is_htmx(request):  # HTMX swaps 2xx answers only: the reason must show
            return render(request, "public/register/_results.html", context)
        return render(request, "public/register/list.html", context, status_code=400)
    locale = current_locale.get()
    query = filters.as_query()
    context.update(
        error=None,
        page=page,
        titles={row.id: incident_title(row, context["attack_types"], locale) for row in page.items},
        filtered=bool(query),
        first_url=page_url("/incidents", query),
        next_url=page_url("/incidents", query, after=page.next_cursor or "")
        if page.next_cursor
        else None,
        previous_url=page_url("/incidents", query, before=page.previous_cursor or "")
        if page.previous_cursor
        else None,
        on_first_page=not params.get("after") and not params.get("before"),
    )
    name = "public/register/_results.html" if is_htmx(request) else "public/register/list.html"
    return render(request, name, context)


@router.get("/incidents/{code}", name="public.incident")
def incident(request: Request, code: str, session: ReadOnlyDbSession) -> Response:
    row = get_public_incident(session, code=code)
    locale = current_locale.get()
    attack_labels = term_labels(session, vocabulary="attack_type", locale=locale)
    detail = row.detail if isinstance(row.detail, dict) else {}
    title = incident_title(row, attack_labels, locale)
    context = {
        "incident": row,
        "title": title,
        "place": place_words(row, locale),
        "when": when_words(row, locale),
        "attacks": [attack_labels.get(code, code) for code in attack_codes(row)],
        "defender_labels": term_labels(session, vocabulary="defender_type", locale=locale),
        "sector_labels": term_labels(session, vocabulary="sector", locale=locale),
        "victims": [v for v in detail.get("victims", []) if isinstance(v, dict)],
        "companies": [c for c in detail.get("companies", []) if isinstance(c, dict)],
        "responses": incident_responses(session, public_incident_id=row.id, today=utcnow().date()),
        "source": source_name(session, organisation_id=row.organisation_id),
        "word": word,
    }
    context["share"] = share_for(
        request, title=title, description=row.summary, path=f"/incidents/{row.code}"
    )
    return render(request, "public/register/incident.html", context)
