"""What the public list of SLAPP cases reads, and what the market-entry report asks for.

Only lawsuits a coordinator published, and of them only public fields: the claimant as the
court record names it, court, country and region, the months of filing and decision, the
claim, the outcome, the defendants' *public descriptions* and the analysts' judgements per
indicator (never their reasons, which may discuss the defenders). No defender id, alias or
name is read here: this module imports neither ``defenders`` nor ``incidents``, and the
import contracts hold that."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.companies.models import company_sectors
from vigil.diligence.slapp.models import (
    IndicatorJudgement,
    Lawsuit,
    LawsuitCompany,
    LawsuitDefendant,
)
from vigil.diligence.slapp.vocabulary import ART_4_3, Judgement
from vigil.vocabularies.models import VocabularyTerm


@dataclass(frozen=True)
class PublicLawsuit:
    id: int
    claimant: str
    defendants: list[str]
    court: str
    country: str
    region: str | None
    claim_type: str
    claim_amount: Decimal | None
    currency: str | None
    #: First day of the month: the public list says the month only.
    filed_month: date | None
    decided_month: date | None
    outcome: str
    #: Current judgement per Art 4(3) indicator code ("a".."d"), only those judged.
    judgements: dict[str, str]
    judged_at: datetime | None
    published_at: datetime | None

    @property
    def met(self) -> int:
        return sum(1 for j in self.judgements.values() if j == Judgement.met)


def _month(value: date | None) -> date | None:
    return value.replace(day=1) if value else None


def _judgements(session: Session, lawsuit_id: int) -> tuple[dict[str, str], datetime | None]:
    query = (
        select(IndicatorJudgement)
        .where(
            IndicatorJudgement.lawsuit_id == lawsuit_id,
            IndicatorJudgement.indicator.in_([i.value for i in ART_4_3]),
        )
        .order_by(IndicatorJudgement.judged_at.desc(), IndicatorJudgement.id.desc())
    )
    current: dict[str, IndicatorJudgement] = {}
    for entry in session.scalars(query):
        current.setdefault(entry.indicator, entry)
    latest = max((j.judged_at for j in current.values()), default=None)
    return {code: j.judgement for code, j in sorted(current.items())}, latest


def _public(session: Session, row: Lawsuit) -> PublicLawsuit:
    descriptions = session.scalars(
        select(LawsuitDefendant.public_description)
        .where(LawsuitDefendant.lawsuit_id == row.id)
        .order_by(LawsuitDefendant.id)
    )
    judgements, judged_at = _judgements(session, row.id)
    return PublicLawsuit(
        id=row.id,
        claimant=row.claimant_name,
        defendants=list(descriptions),
        court=row.court,
        country=row.country,
        region=row.region,
        claim_type=row.claim_type,
        claim_amount=row.claim_amount,
        currency=row.currency,
        filed_month=_month(row.filed_on),
        decided_month=_month(row.decided_on),
        outcome=row.outcome,
        judgements=judgements,
        judged_at=judged_at,
        published_at=row.published_at,
    )


def published_lawsuits(session: Session, *, country: str | None = None) -> list[PublicLawsuit]:
    query = select(Lawsuit).where(Lawsuit.published.is_(True))
    if country:
        query = query.where(Lawsuit.country == country.upper())
    order = (Lawsuit.filed_on.desc(), Lawsuit.id.desc())
    return [_public(session, row) for row in session.scalars(query.order_by(*order))]


def _in_sector(sector: str):  # type: ignore[no-untyped-def]
    """Lawsuits whose claimant, claimant group or a linked company is in the sector (a code
    of the ``sector`` vocabulary)."""
    companies = (
        select(company_sectors.c.company_id)
        .join(VocabularyTerm, VocabularyTerm.id == company_sectors.c.term_id)
        .where(VocabularyTerm.vocabulary == "sector", VocabularyTerm.code == sector)
    )
    linked = select(LawsuitCompany.lawsuit_id).where(LawsuitCompany.company_id.in_(companies))
    return or_(
        Lawsuit.claimant_company_id.in_(companies),
        Lawsuit.claimant_group_id.in_(companies),
        Lawsuit.id.in_(linked),
    )


def slapp_cases_for(
    session: Session, *, country: str, sector: str | None = None
) -> list[PublicLawsuit]:
    """Published SLAPP cases heard in ``country`` (ISO 3166-1 alpha-2), optionally only those
    touching companies of ``sector``; newest filing first. For the market-entry report: the
    same de-identified facts as the public list, nothing more."""
    query = select(Lawsuit).where(Lawsuit.published.is_(True), Lawsuit.country == country.upper())
    if sector:
        query = query.where(_in_sector(sector))
    order = (Lawsuit.filed_on.desc(), Lawsuit.id.desc())
    return [_public(session, row) for row in session.scalars(query.order_by(*order))]
