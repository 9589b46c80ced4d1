"""``/api/v1/companies/{id}/leverage``: the ranked, explained leverage map as JSON (staff
only), and the response models an incident's map (``/api/v1/incidents/{id}/leverage``, served
by ``vigil.surfaces.api.incident_leverage`` since it reads the case) shares."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from vigil.companies.leverage import leverage_for_company
from vigil.companies.leverage_graph import Actor, Entry, Exclusion, LeverageMap, Step
from vigil.companies.leverage_text import role_label
from vigil.surfaces.gate import CurrentStaff
from vigil.surfaces.leverage_query import Depth, Threshold
from vigil.web.deps import DbSession, ObjectId


class LeverageProblem(BaseModel):
    detail: str


class ActorOut(BaseModel):
    id: int | None  # null for embassies and the host state (not registry records)
    name: str
    kind: str
    country: str | None


class StepOut(BaseModel):
    relationship_id: int
    kind: str
    from_actor: ActorOut
    to_actor: ActorOut | None
    to_country: str | None
    percentage: float | None
    tier: int | None
    source: str
    start_date: date | None
    end_date: date | None


class EntryOut(BaseModel):
    rank: int
    actor: ActorOut
    role: str
    role_label: str
    layer: int
    depth: int
    tier: int | None
    percentage: float | None
    direct_percentage: float | None
    via: ActorOut | None
    path: list[StepOut]
    explanation: str
    sources: list[str]
    also: list[str]


class ExclusionOut(BaseModel):
    relationship_id: int
    kind: str
    from_name: str
    to_name: str
    reason: str


class SubjectOut(BaseModel):
    kind: str
    id: int
    name: str


class LeverageOut(BaseModel):
    subject: SubjectOut | None
    host_country: str | None
    max_depth: int
    min_percentage: float
    entries: list[EntryOut]
    excluded: list[ExclusionOut]


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(Decimal("0.0001")))


def _actor(actor: Actor) -> ActorOut:
    return ActorOut(id=actor.id, name=actor.name, kind=actor.kind, country=actor.country)


def _step(step: Step) -> StepOut:
    edge = step.edge
    return StepOut(
        relationship_id=edge.id,
        kind=edge.kind,
        from_actor=_actor(step.from_actor),
        to_actor=_actor(step.to_actor) if step.to_actor else None,
        to_country=edge.to_country,
        percentage=_number(edge.percentage),
        tier=edge.tier,
        source=edge.source,
        start_date=edge.start_date,
        end_date=edge.end_date,
    )


def _entry(entry: Entry) -> EntryOut:
    return EntryOut(
        rank=entry.rank,
        actor=_actor(entry.actor),
        role=entry.role,
        role_label=role_label(entry.role),
        layer=entry.layer,
        depth=entry.depth,
        tier=entry.tier,
        percentage=_number(entry.percentage),
        direct_percentage=_number(entry.direct_percentage),
        via=_actor(entry.via) if entry.via else None,
        path=[_step(s) for s in entry.path],
        explanation=entry.explanation,
        sources=list(entry.sources),
        also=list(entry.also),
    )


def _exclusion(item: Exclusion) -> ExclusionOut:
    return ExclusionOut(
        relationship_id=item.edge.id,
        kind=item.edge.kind,
        from_name=item.from_name,
        to_name=item.to_name,
        reason=item.reason,
    )


def leverage_out(lmap: LeverageMap) -> LeverageOut:
    subject = lmap.subject
    return LeverageOut(
        subject=SubjectOut(kind=subject.kind, id=subject.id, name=subject.name)
        if subject
        else None,
        host_country=lmap.host_country,
        max_depth=lmap.max_depth,
        min_percentage=float(lmap.min_percentage),
        entries=[_entry(e) for e in lmap.entries],
        excluded=[_exclusion(x) for x in lmap.excluded],
    )


router = APIRouter(
    prefix="/api/v1",
    tags=["leverage"],
    responses={401: {"model": LeverageProblem, "description": "Sign in required."}},
)


@router.get(
    "/companies/{company_id}/leverage",
    name="leverage.api_company",
    response_model=LeverageOut,
    responses={404: {"model": LeverageProblem, "description": "No such company."}},
)
def api_company_leverage(
    company_id: ObjectId,
    session: DbSession,
    staff: CurrentStaff,
    max_depth: Depth = 4,
    min_percentage: Threshold = 0.0,
    host_country: Annotated[
        str | None,
        Query(
            pattern="^[A-Za-z]{2}$",
            description="Country of the embassies and protection entry (default: jurisdiction).",
        ),
    ] = None,
) -> LeverageOut:
    """Everyone with leverage over one registry company, ranked and explained."""
    lmap = leverage_for_company(
        session,
        company_id=company_id,
        max_depth=max_depth,
        min_percentage=min_percentage,
        host_country=host_country.upper() if host_country else None,
    )
    return leverage_out(lmap)
