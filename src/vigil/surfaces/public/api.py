"""``/api/v1/public``: open, read-only aggregates for anyone, from the published snapshot."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from vigil.core.i18n import current_locale
from vigil.public.service import public_overview
from vigil.web.deps import DbSession
from vigil.web.templating import country_name

router = APIRouter(prefix="/api/v1/public", tags=["public"])


class CountOut(BaseModel):
    code: str
    label: str
    count: int | None = Field(description="null: fewer than min_cell, withheld")
    suppressed: bool = Field(description="true when the count is withheld (fewer than min_cell)")


class OverviewOut(BaseModel):
    published_at: datetime | None = Field(description="when the counts were published; null: never")
    counted_until: datetime | None = Field(
        description="only incidents verified by this moment are counted (publication delay)"
    )
    min_cell: int | None = Field(description="smaller counts are withheld")
    total: int | None = Field(
        description="incidents counted: the sum of the published country counts"
    )
    by_country: list[CountOut]
    by_attack_type: list[CountOut]
    by_year: list[CountOut] = Field(description='chronological; code "unknown": not recorded')
    by_sector: list[CountOut]
    by_gender: list[CountOut] = Field(description="the victims' gender identities")


def _rows(counts) -> list[CountOut]:  # type: ignore[no-untyped-def]
    return [
        CountOut(code=c.code, label=c.label, count=c.count, suppressed=c.count is None)
        for c in counts
    ]


@router.get("/overview", name="public.api_overview", response_model=OverviewOut)
def api_overview(session: DbSession) -> OverviewOut:
    """Verified incidents by country (ISO 3166-1 alpha-2), attack type, year, sector and the
    victims' gender identities, as published by the last daily batch: consented incidents
    only, after the publication delay, with every count below `min_cell` withheld and left
    out of the other numbers."""
    overview = public_overview(session, locale=current_locale.get(), country_label=country_name)
    return OverviewOut(
        published_at=overview.published_at,
        counted_until=overview.counted_until,
        min_cell=overview.min_cell,
        total=overview.total,
        by_country=_rows(overview.by_country),
        by_attack_type=_rows(overview.by_attack_type),
        by_year=_rows(overview.by_year),
        by_sector=_rows(overview.by_sector),
        by_gender=_rows(overview.by_gender),
    )
