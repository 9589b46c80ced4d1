"""``/api/v1/public``: open, read-only aggregates for anyone."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from vigil.core.i18n import current_locale
from vigil.public.service import public_overview
from vigil.web.deps import DbSession
from vigil.web.templating import country_name

router = APIRouter(prefix="/api/v1/public", tags=["public"])


class CountOut(BaseModel):
    code: str
    label: str
    count: int


class OverviewOut(BaseModel):
    total: int
    by_country: list[CountOut]
    by_attack_type: list[CountOut]


@router.get("/overview", name="public.api_overview", response_model=OverviewOut)
def api_overview(session: DbSession) -> OverviewOut:
    """Verified incidents in total, by country (ISO 3166-1 alpha-2) and by attack type."""
    overview = public_overview(session, locale=current_locale.get(), country_label=country_name)
    return OverviewOut(
        total=overview.total,
        by_country=[CountOut(**vars(c)) for c in overview.by_country],
        by_attack_type=[CountOut(**vars(c)) for c in overview.by_attack_type],
    )
