"""API shapes for incidents (kept apart from the ORM models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict

from vigil.incidents.models import Incident


@dataclass(frozen=True)
class RevealedIncident:
    """The sealed fields of one incident, opened for a staff reader."""

    summary: str
    place: str | None
    withheld: bool = False


class IncidentSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    status: str
    country: str
    region: str | None
    occurred_on: date | None
    date_precision: str
    attack_types: list[str]

    @classmethod
    def of(cls, incident: Incident) -> IncidentSummary:
        return cls(
            id=incident.id,
            title=incident.title,
            status=incident.status,
            country=incident.country,
            region=incident.region,
            occurred_on=incident.occurred_on,
            date_precision=incident.date_precision,
            attack_types=sorted({act.attack_type.code for act in incident.acts}),
        )


class IncidentList(BaseModel):
    items: list[IncidentSummary]
    total: int
    page: int
    per_page: int


class SourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    reliability: str
    url: str | None
    description: str


class IncidentRead(IncidentSummary):
    summary: str
    sources: list[SourceRead]
    companies: list[str]

    @classmethod
    def of(cls, incident: Incident, revealed: RevealedIncident) -> IncidentRead:  # type: ignore[override]
        base = IncidentSummary.of(incident).model_dump()
        companies = sorted(
            {
                involvement.company.name
                for act in incident.acts
                for involvement in act.involvements
                if involvement.company is not None
            }
        )
        return cls(
            **base,
            summary=revealed.summary,
            sources=[SourceRead.model_validate(source) for source in incident.sources],
            companies=companies,
        )


class InvolvementCreate(BaseModel):
    perpetrator_type: str
    #: What the perpetrator did (``incidents.models.Role``) and how well it is known
    #: (``Certainty``): two questions, answered apart.
    role: str = "unspecified"
    certainty: str = "alleged"
    #: The single "degree" of earlier clients: "alleged" is a certainty, the others are roles.
    degree: str | None = None
    company_id: int | None = None
    project_id: int | None = None


class ActCreate(BaseModel):
    attack_type: str
    victim_id: int | None = None
    occurred_on: date | None = None
    involvements: list[InvolvementCreate] = []


class SourceCreate(BaseModel):
    kind: str
    reliability: str = "medium"
    url: str | None = None
    description: str = ""
    received_on: date | None = None


class IncidentCreate(BaseModel):
    title: str
    summary: str = ""
    occurred_on: date | None = None
    date_precision: str = "day"
    country: str
    #: ISO 3166-2 subdivision code of ``country`` (e.g. CO-CAU); free text is refused.
    region: str | None = None
    place: str | None = None
    status: str = "received"
    sector: str | None = None
    project_id: int | None = None
    external_ref: str | None = None
    acts: list[ActCreate] = []
    sources: list[SourceCreate] = []
