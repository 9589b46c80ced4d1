"""Finding a company in the registry by name: the HTMX type-ahead fragment and its page.

``GET /staff/companies/match?q=`` answers an HTMX request with the candidates fragment
(``companies/match_results.html``: a radio per candidate named ``company_id``, for any form that
links something to a company) and a plain request with a whole page holding a search form, so
it works without JavaScript. Choosing a candidate there sends ``company_id`` back here, which
redirects to ``next`` (a same-site path given by the linking form) or to the company's page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from vigil.companies.match_search import match_companies
from vigil.companies.matching import clean_text
from vigil.core.i18n import current_locale
from vigil.core.places import country_choices
from vigil.surfaces.gate import CurrentStaff
from vigil.web.deps import DbSession, safe_next
from vigil.web.templating import is_htmx, render

router = APIRouter(prefix="/staff/companies", include_in_schema=False)

MAX_CANDIDATES = 10


def country_options() -> list[tuple[str, str]]:
    return list(country_choices(current_locale.get()))


@router.get("/match", name="companies.match")
def match_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    q: Annotated[str, Query(max_length=300)] = "",
    country: Annotated[str, Query(max_length=2)] = "",
    next: Annotated[str, Query(max_length=500)] = "",
    company_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    target = safe_next(next, default="") if next else ""
    if company_id is not None:
        if target:
            separator = "&" if "?" in target else "?"
            location = f"{target}{separator}{urlencode({'company_id': company_id})}"
        else:
            location = f"/staff/companies/{company_id}"
        return RedirectResponse(location, status_code=303)
    query = clean_text(q)
    code = country.upper() if len(country) == 2 and country.isascii() and country.isalpha() else ""
    candidates = (
        match_companies(session, query=query, country=code or None, limit=MAX_CANDIDATES)
        if query
        else []
    )
    context = {
        "staff": staff,
        "q": query,
        "country": code,
        "next": target,
        "candidates": candidates,
    }
    if is_htmx(request):
        return render(request, "staff/companies/match_results.html", context)
    context["countries"] = country_options()
    return render(request, "staff/companies/match_page.html", context)
