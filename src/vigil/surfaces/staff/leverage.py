"""Staff pages of the leverage map: a server-drawn picture and the same facts as a table.

This is the company's page; an incident's (``/staff/incidents/{id}/leverage``) is served by
``vigil.surfaces.staff.company_page`` with :func:`leverage_page`, since it reads the case."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from vigil.companies.graph_svg import leverage_svg
from vigil.companies.leverage import leverage_for_company
from vigil.companies.leverage_graph import LeverageMap
from vigil.companies.leverage_text import kind_label, layer_label, percent, role_label
from vigil.core.i18n import gettext, ngettext
from vigil.surfaces.gate import CurrentStaff
from vigil.surfaces.leverage_query import Depth, Threshold
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(prefix="/staff", include_in_schema=False)


def _row_label(layer: int, sub: int) -> str:
    if layer == 2 and sub > 1:
        return gettext("Owners, %(depth)s steps up") % {"depth": sub}
    if layer == 3:
        return gettext("Buyers, tier %(tier)s") % {"tier": sub}
    return layer_label(layer)


def leverage_page(request: Request, staff: object, lmap: LeverageMap, back: str | None) -> Response:
    name = lmap.subject.name if lmap.subject else ""
    svg = leverage_svg(
        lmap,
        title=gettext("Leverage map: %(name)s") % {"name": name},
        description=gettext("The same actors, in the same order, are listed in the table."),
        role_label=role_label,
        row_label=_row_label,
        more_label=lambda n: (
            ngettext("%(num)d more actor in the table", "%(num)d more actors in the table", n)
            % {"num": n}
        ),
    )
    context = {
        "staff": staff,
        "lmap": lmap,
        "svg": svg,
        "back": back,
        "role_label": role_label,
        "kind_label": kind_label,
        "percent": percent,
        "max_depth": lmap.max_depth,
    }
    return render(request, "staff/companies/leverage.html", context)


@router.get("/companies/{company_id}/leverage", name="leverage.company")
def company_leverage_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    company_id: ObjectId,
    max_depth: Depth = 4,
    min_percentage: Threshold = 0.0,
) -> Response:
    lmap = leverage_for_company(
        session, company_id=company_id, max_depth=max_depth, min_percentage=min_percentage
    )
    return leverage_page(request, staff, lmap, back=None)
