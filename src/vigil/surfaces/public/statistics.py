"""``/statistics``: the published counts as charts, tables and a world map.

Everything comes from the published snapshot (:func:`vigil.public.service.public_overview`),
so this page shows exactly the numbers of the home page and the open-data API, with the same
cells withheld. Charts and map are SVG drawn on the server (no script, nothing from another
host); each chart is followed by its numbers as a table.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from vigil.core.i18n import current_locale
from vigil.public.service import public_overview
from vigil.surfaces.public.charts import bar_chart
from vigil.surfaces.public.world_map import choropleth
from vigil.web.deps import DbSession
from vigil.web.templating import country_name, render

router = APIRouter(include_in_schema=False)


@router.get("/statistics", name="public.statistics")
def statistics(request: Request, session: DbSession) -> Response:
    overview = public_overview(session, locale=current_locale.get(), country_label=country_name)
    min_cell = overview.min_cell or 0
    charts = {
        slug: bar_chart(slug, rows, min_cell=min_cell)
        for slug, rows in (
            ("year", overview.by_year),
            ("attack-type", overview.by_attack_type),
            ("sector", overview.by_sector),
            ("gender", overview.by_gender),
        )
    }
    world = choropleth(overview.by_country, min_cell=min_cell, label=country_name)
    return render(
        request,
        "public/statistics.html",
        {"overview": overview, "charts": charts, "world": world},
    )
