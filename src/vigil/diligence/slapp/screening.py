"""The analyst's screening: a judgement (met, not met, unclear) per indicator, with reasons,
who and when; and the explainable summary built from those judgements only.

Why nothing here reads the hints: the Directive leaves the assessment to people, and a
screening that quietly turned suggestions into findings would be an automatic verdict under
another name. A judgement exists only because an analyst posted it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import Actor
from vigil.core.errors import Invalid
from vigil.core.i18n import N_
from vigil.diligence.slapp.models import IndicatorJudgement, Lawsuit
from vigil.diligence.slapp.service import audit, get_lawsuit, require_writer
from vigil.diligence.slapp.vocabulary import ART_4_3, Indicator, Judgement

MAX_REASONING = 5_000


@dataclass(frozen=True)
class Assessment:
    """What the analysts concluded on the four Art 4(3) indicators."""

    met: int
    judged: int
    #: When the latest of the current judgements was given (None when none is).
    last_judged_at: datetime | None
    #: Current judgement per indicator code (all six), absent when never judged.
    current: dict[str, IndicatorJudgement]

    @property
    def total(self) -> int:
        return len(ART_4_3)


def record_judgement(
    session: Session,
    *,
    actor: Actor,
    lawsuit_id: int,
    indicator: str,
    judgement: str,
    reasoning: str,
    now: datetime,
) -> IndicatorJudgement:
    require_writer(actor)
    row = get_lawsuit(session, org_id=actor.org_id, lawsuit_id=lawsuit_id)
    if indicator not in set(Indicator):
        raise Invalid(N_("Choose an indicator from the list."))
    if judgement not in set(Judgement):
        raise Invalid(N_("Choose met, not met or unclear."))
    text = (reasoning or "").replace("\r\n", "\n").strip()
    if not text or len(text) > MAX_REASONING:
        raise Invalid(N_("Give your reasons (at most 5,000 characters)."))
    entry = IndicatorJudgement(
        lawsuit_id=row.id,
        indicator=indicator,
        judgement=judgement,
        reasoning=text,
        judged_by=actor.user_id,
        judged_at=now,
    )
    session.add(entry)
    session.flush()
    audit(session, row, "judged", actor.user_id, indicator=indicator, judgement=judgement)
    return entry


def judgement_history(session: Session, *, lawsuit: Lawsuit) -> list[IndicatorJudgement]:
    """Every judgement of the lawsuit, newest first."""
    query = select(IndicatorJudgement).where(IndicatorJudgement.lawsuit_id == lawsuit.id)
    order = (IndicatorJudgement.judged_at.desc(), IndicatorJudgement.id.desc())
    return list(session.scalars(query.order_by(*order)))


def current_judgements(
    history: list[IndicatorJudgement],
) -> dict[str, IndicatorJudgement]:
    current: dict[str, IndicatorJudgement] = {}
    for entry in history:  # newest first: the first seen per indicator is the current one
        current.setdefault(entry.indicator, entry)
    return current


def assess(session: Session, *, lawsuit: Lawsuit) -> Assessment:
    current = current_judgements(judgement_history(session, lawsuit=lawsuit))
    lettered = [current[i] for i in ART_4_3 if i in current]
    return Assessment(
        met=sum(1 for j in lettered if j.judgement == Judgement.met),
        judged=len(lettered),
        last_judged_at=max((j.judged_at for j in lettered), default=None),
        current=current,
    )
