"""Public company, sector, non-responder and country pages: the right-of-reply record and
the register's incidents, read from the register tables (and the companies registry for a
company's own public facts), never from incidents or cases."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from vigil.core.db import utcnow
from vigil.core.errors import NotFound
from vigil.core.i18n import current_locale, gettext
from vigil.core.places import country_name, region_name
from vigil.diligence.countries.service import profiled_countries
from vigil.public.company_record import (
    company_record,
    repeat_non_responders,
    sector_company_rates,
    sector_response_rates,
)
from vigil.public.country_pages import country_page, register_countries
from vigil.public.register_pages import incident_title, term_labels
from vigil.surfaces.public.country_profile import risk_profile_context
from vigil.surfaces.public.policies import company_policy
from vigil.surfaces.public.register_labels import word
from vigil.web.deps import AppSettings, ReadOnlyDbSession
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)


def _titles(session: ReadOnlyDbSession, rows: list) -> dict[int, str]:  # type: ignore[type-arg]
    locale = current_locale.get()
    labels = term_labels(session, vocabulary="attack_type", locale=locale)
    return {row.id: incident_title(row, labels, locale) for row in rows}


@router.get("/companies/{company_id}", name="public.company")
def company(request: Request, company_id: str, session: ReadOnlyDbSession) -> Response:
    if not (company_id.isascii() and company_id.isdigit() and len(company_id) < 10):
        raise NotFound(gettext("This company does not appear in the register."))
    found = company_record(session, company_id=int(company_id), today=utcnow().date())
    context = {
        "found": found,
        "company": found.company,
        "record": found.record,
        "titles": _titles(session, [*found.incidents, *found.response_incidents.values()]),
        "today": utcnow().date(),
        "word": word,
        "policy": company_policy(session, company_id=found.company.id),
    }
    return render(request, "public/register/company.html", context)


@router.get("/sectors", name="public.sectors")
def sectors(request: Request, session: ReadOnlyDbSession) -> Response:
    labels = term_labels(session, vocabulary="sector", locale=current_locale.get())
    rows = sector_response_rates(session, today=utcnow().date())
    return render(request, "public/register/sectors.html", {"rows": rows, "labels": labels})


@router.get("/sectors/{code}", name="public.sector")
def sector(request: Request, code: str, session: ReadOnlyDbSession) -> Response:
    labels = term_labels(session, vocabulary="sector", locale=current_locale.get())
    if code not in labels:
        raise NotFound(gettext("There is no such sector."))
    today = utcnow().date()
    overall = next(
        (row for row in sector_response_rates(session, today=today) if row.key == code), None
    )
    context = {
        "code": code,
        "name": labels[code],
        "overall": overall,
        "companies": sector_company_rates(session, sector=code, today=today),
    }
    return render(request, "public/register/sector.html", context)


@router.get("/responses/non-responders", name="public.non_responders")
def non_responders(request: Request, session: ReadOnlyDbSession) -> Response:
    rows = repeat_non_responders(session, today=utcnow().date())
    return render(request, "public/register/non_responders.html", {"rows": rows})


@router.get("/countries", name="public.countries")
def countries(request: Request, session: ReadOnlyDbSession, settings: AppSettings) -> Response:
    locale = current_locale.get()
    min_cell = settings.public_min_cell
    counts = dict(register_countries(session, min_cell=min_cell))
    profiled = profiled_countries(session)
    rows = sorted(
        (
            (code, country_name(code, locale), counts.get(code, 0), code in profiled)
            for code in set(counts) | profiled
        ),
        key=lambda row: row[1],
    )
    return render(request, "public/register/countries.html", {"rows": rows, "min_cell": min_cell})


@router.get("/countries/{code}", name="public.country")
def country(
    request: Request, code: str, session: ReadOnlyDbSession, settings: AppSettings
) -> Response:
    locale = current_locale.get()
    page = country_page(session, country=code[:3], min_cell=settings.public_min_cell)
    context = {
        **risk_profile_context(session, country=page.country, settings=settings),
        "page": page,
        "name": country_name(page.country, locale),
        "regions": [(r, region_name(r, locale) if r else "", n) for r, n in page.by_region],
        "titles": _titles(session, page.latest),
    }
    return render(request, "public/register/country.html", context)
