"""The public home page: the published counts by country and by attack type (read from the
snapshot of the last publication batch, never from incidents)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from vigil.core.i18n import current_locale
from vigil.public.service import public_overview
from vigil.web.deps import DbSession
from vigil.web.templating import country_name, render

router = APIRouter(include_in_schema=False)


@router.get("/", name="public.home")
def home(request: Request, session: DbSession) -> Response:
    overview = public_overview(session, locale=current_locale.get(), country_label=country_name)
    return render(request, "public/home.html", {"overview": overview})
