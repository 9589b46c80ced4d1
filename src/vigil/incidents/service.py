"""Incident rules. Every query is scoped to the caller's organisation: an incident of another
organisation is reported as missing, never as forbidden (no existence oracle)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from vigil.access import Actor, CaseView, load_in_org, record_case_read
from vigil.core.audit import record_event
from vigil.core.crypto import Vault, Withheld
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.core.places import check_region
from vigil.defenders.models import Defender
from vigil.incidents.models import (
    PUBLIC_STATUSES,
    Act,
    Certainty,
    DatePrecision,
    Incident,
    IncidentStatus,
    Involvement,
    Reliability,
    Role,
    Source,
)
from vigil.incidents.schemas import IncidentCreate, InvolvementCreate, RevealedIncident
from vigil.vocabularies.service import get_term

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class IncidentPage:
    items: list[Incident]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_incidents(
    session: Session,
    *,
    org_id: int,
    status: str | None = None,
    attack_type: str | None = None,
    page: int = 1,
    per_page: int = 25,
) -> IncidentPage:
    """One page of the organisation's incidents, newest first. ``attack_type`` keeps those
    with at least one act of that type (an incident with several types matches each); a code
    that is not a term matches nothing, like any filter value no incident has."""
    if status is not None and status not in IncidentStatus.__members__:
        raise Invalid(f"Unknown status {status!r}.")
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PAGE_SIZE)
    conditions = [Incident.organisation_id == org_id]
    if status:
        conditions.append(Incident.status == status)
    if attack_type:
        try:
            term_id = get_term(session, vocabulary="attack_type", code=attack_type).id
        except Invalid:
            term_id = None
        conditions.append(
            Incident.id.in_(select(Act.incident_id).where(Act.attack_type_id == term_id))
        )
    total = session.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0
    items = session.scalars(
        select(Incident)
        .where(*conditions)
        .options(selectinload(Incident.acts).selectinload(Act.attack_type))
        .order_by(Incident.occurred_on.desc().nulls_last(), Incident.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return IncidentPage(items=list(items), total=total, page=page, per_page=per_page)


def case_for_reading(
    session: Session, *, actor: Actor, incident_id: int, view: CaseView
) -> Incident:
    """Load one incident of the actor's organisation with everything a case view shows, and
    audit the read (once per request). Every page and API that shows a case goes through
    here, so no view can forget the tenancy check or the audit entry."""
    incident = load_in_org(
        session,
        Incident,
        incident_id,
        org_id=actor.org_id,
        missing="No such incident.",
        options=(
            selectinload(Incident.acts).selectinload(Act.attack_type),
            selectinload(Incident.acts).selectinload(Act.victim),
            selectinload(Incident.acts)
            .selectinload(Act.involvements)
            .selectinload(Involvement.company),
            selectinload(Incident.sources),
        ),
    )
    record_case_read(session, actor=actor, incident_id=incident.id, view=view)
    return incident


def _check_choice(value: str, allowed: type, what: str) -> str:
    if value not in allowed.__members__:  # type: ignore[attr-defined]
        raise Invalid(f"Unknown {what} {value!r}.")
    return value


def _role_and_certainty(inv: InvolvementCreate) -> dict[str, str]:
    """The involvement's role and certainty, checked; a legacy ``degree`` fills the one it
    names ("alleged" the certainty, any other the role) unless given explicitly."""
    role, certainty = inv.role, inv.certainty
    if inv.degree:
        if inv.degree in Certainty.__members__:
            certainty = inv.degree if certainty == Certainty.alleged else certainty
        elif role == Role.unspecified:
            role = inv.degree
    return {
        "role": _check_choice(role, Role, "role of the perpetrator"),
        "certainty": _check_choice(certainty, Certainty, "certainty of involvement"),
    }


def record_incident(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    data: IncidentCreate,
    actor_user_id: int | None = None,
) -> Incident:
    """Store a structured incident with its acts and sources for one organisation.

    Victims must be defenders of the same organisation (tenancy holds inside a case too)."""
    if len(data.country) != 2 or not data.country.isalpha():
        raise Invalid("Country must be an ISO 3166-1 alpha-2 code, e.g. CO.")
    key = vault.new_key()
    incident = Incident(
        organisation_id=org_id,
        data_key_id=key.id,
        external_ref=data.external_ref,
        title=data.title.strip(),
        summary_sealed=vault.seal(key.id, data.summary),
        occurred_on=data.occurred_on,
        date_precision=_check_choice(data.date_precision, DatePrecision, "date precision"),
        country=data.country.upper(),
        region=check_region(data.country, data.region),  # a code, never free text
        place_sealed=vault.seal(key.id, data.place),
        status=_check_choice(data.status, IncidentStatus, "status"),
        project_id=data.project_id,
        sector=get_term(session, vocabulary="sector", code=data.sector) if data.sector else None,
    )
    if incident.status in PUBLIC_STATUSES:  # created already verified (or later)
        incident.verified_at = utcnow()
    if not incident.title:
        raise Invalid("An incident needs a title.")
    for act_in in data.acts:
        if act_in.victim_id is not None:
            load_in_org(
                session, Defender, act_in.victim_id, org_id=org_id, missing="No such defender."
            )
        act = Act(
            attack_type=get_term(session, vocabulary="attack_type", code=act_in.attack_type),
            victim_id=act_in.victim_id,
            occurred_on=act_in.occurred_on or data.occurred_on,
        )
        for inv in act_in.involvements:
            act.involvements.append(
                Involvement(
                    perpetrator_type=get_term(
                        session, vocabulary="perpetrator_type", code=inv.perpetrator_type
                    ),
                    **_role_and_certainty(inv),
                    company_id=inv.company_id,
                    project_id=inv.project_id,
                )
            )
        incident.acts.append(act)
    for source_in in data.sources:
        incident.sources.append(
            Source(
                kind=source_in.kind,
                reliability=_check_choice(source_in.reliability, Reliability, "reliability"),
                url=source_in.url,
                description=source_in.description,
                received_on=source_in.received_on,
            )
        )
    session.add(incident)
    session.flush()
    record_event(
        session,
        action="incident.recorded",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="incident",
        object_id=incident.id,
    )
    return incident


def find_incident_by_ref(session: Session, *, org_id: int, external_ref: str) -> Incident | None:
    return session.scalar(
        select(Incident).where(
            Incident.organisation_id == org_id, Incident.external_ref == external_ref
        )
    )


def reveal_incident(vault: Vault, incident: Incident) -> RevealedIncident:
    try:
        return RevealedIncident(
            summary=vault.open(incident.data_key_id, incident.summary_sealed) or "",
            place=vault.open(incident.data_key_id, incident.place_sealed),
        )
    except Withheld:
        return RevealedIncident(summary="withheld", place=None, withheld=True)


def list_incidents_for_company(
    session: Session, *, org_id: int, company_id: int, limit: int = 100
) -> list[Incident]:
    """The organisation's incidents in which the company is involved (through an act's
    involvement), newest first. Other organisations' incidents never appear: the registry is
    shared, cases are not."""
    linked = (
        select(Act.incident_id)
        .join(Involvement, Involvement.act_id == Act.id)
        .where(Involvement.company_id == company_id)
    )
    return list(
        session.scalars(
            select(Incident)
            .where(Incident.organisation_id == org_id, Incident.id.in_(linked))
            .order_by(Incident.occurred_on.desc().nulls_last(), Incident.id.desc())
            .limit(limit)
        ).all()
    )
