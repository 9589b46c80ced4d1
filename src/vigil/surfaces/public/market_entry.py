"""``/reports/market-entry``: the pre-market-entry report for a country and a sector, as a web
page and as a PDF, for companies and investors before they enter a market (no sign-in).

The report reads only public, de-identified data (``diligence.market_entry``). The page is
the same standalone document the CLI writes, with its styles linked rather than inline (the
Content-Security-Policy forbids inline styles)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import FileResponse, HTMLResponse, Response

from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import current_locale, gettext
from vigil.core.places import country_codes
from vigil.diligence.market_entry.render import STYLESHEET, render_html, render_pdf
from vigil.diligence.market_entry.report import build_market_entry
from vigil.public.register_pages import term_labels
from vigil.web.deps import AppSettings, DbSession
from vigil.web.templating import country_name, render

router = APIRouter(include_in_schema=False)
FORM = "/reports/market-entry"


def _form(
    request: Request,
    session: DbSession,
    *,
    error: str = "",
    status: int = 200,
    country: str = "",
    sector: str = "",
) -> Response:
    sectors = term_labels(session, vocabulary="sector", locale=current_locale.get())
    countries = sorted(country_codes(), key=lambda code: country_name(code).casefold())
    context = {
        "countries": [(code, country_name(code)) for code in countries],
        "sectors": sorted(sectors.items(), key=lambda item: item[1].casefold()),
        "error": error,
        "chosen": {"country": country, "sector": sector},
    }
    return render(request, "public/market_entry_form.html", context, status_code=status)


@router.get("/reports/market-entry.css", name="public.market_entry_css")
def market_entry_css() -> Response:
    return FileResponse(STYLESHEET, media_type="text/css")


@router.get(FORM, name="public.market_entry")
def market_entry(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    country: Annotated[str, Query(max_length=2)] = "",
    sector: Annotated[str, Query(max_length=60)] = "",
    format: Annotated[str, Query(max_length=4)] = "html",
) -> Response:
    if not country and not sector:
        return _form(request, session)
    locale = current_locale.get()
    try:
        if country.upper() not in country_codes():
            raise Invalid(gettext("Choose a country."))
        report = build_market_entry(
            session,
            country=country.upper(),
            sector=sector,
            locale=locale,
            min_cell=settings.public_min_cell,
            today=utcnow().date(),
        )
    except (Invalid, NotFound) as error:
        return _form(request, session, error=str(error), status=422, country=country, sector=sector)
    query = {"country": report.country, "sector": report.sector}
    if format == "pdf":
        pdf = render_pdf(render_html(report, locale=locale))
        name = f"market-entry-{report.country}-{report.sector}-{locale}.pdf"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(pdf, media_type="application/pdf", headers=headers)
    links = {"pdf": f"{FORM}?{urlencode({**query, 'format': 'pdf'})}", "form": FORM}
    html = render_html(
        report, locale=locale, stylesheet_url="/reports/market-entry.css", links=links
    )
    return HTMLResponse(html)
