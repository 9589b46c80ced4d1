"""Lawsuits against defenders: record, change, publish and link them.

Rules:
- A lawsuit belongs to one organisation; another organisation's lawsuit is "not found".
- Writers (coordinators, analysts) record and change lawsuits; only coordinators publish or
  take them off the public list, because publishing names the claimant in the
  organisation's name.
- Defendants are defenders of the same organisation, stored by link with a public
  description; related proceedings are lawsuits of the same organisation; incidents too.
- Every change is audited with ids and codes only (never a name or a text)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from vigil.access import Actor, Role, load_in_org, may_write
from vigil.companies.models import Company
from vigil.core.audit import record_event
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.core.i18n import N_
from vigil.defenders.models import Defender
from vigil.diligence.slapp.lawsuit_input import LawsuitInput, clean_description, clean_input
from vigil.diligence.slapp.models import (
    Lawsuit,
    LawsuitCompany,
    LawsuitDefendant,
    LawsuitIncident,
    RelatedProceeding,
)
from vigil.incidents.models import Incident

PUBLISHER_ROLES = (Role.coordinator,)
MISSING = N_("No such lawsuit.")


def may_publish(actor: Actor) -> bool:
    return actor.role in PUBLISHER_ROLES


def require_writer(actor: Actor) -> None:
    if not may_write(actor):
        raise Forbidden(N_("Your role is read-only."))


def audit(session: Session, row: Lawsuit, action: str, actor_id: int | None, **detail) -> None:
    record_event(
        session,
        action=f"slapp.{action}",
        organisation_id=row.organisation_id,
        actor_user_id=actor_id,
        object_type="lawsuit",
        object_id=row.id,
        detail=detail or None,
    )


def get_lawsuit(session: Session, *, org_id: int, lawsuit_id: int) -> Lawsuit:
    return load_in_org(session, Lawsuit, lawsuit_id, org_id=org_id, missing=MISSING)


def list_lawsuits(session: Session, *, org_id: int) -> list[Lawsuit]:
    query = select(Lawsuit).where(Lawsuit.organisation_id == org_id)
    order = (Lawsuit.filed_on.desc(), Lawsuit.id.desc())
    return list(session.scalars(query.order_by(*order)))


def create_lawsuit(session: Session, *, actor: Actor, data: LawsuitInput) -> Lawsuit:
    require_writer(actor)
    row = Lawsuit(organisation_id=actor.org_id, created_by=actor.user_id)
    for name, value in clean_input(session, data).items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    audit(session, row, "created", actor.user_id, claim_type=row.claim_type)
    return row


def update_lawsuit(
    session: Session, *, actor: Actor, lawsuit_id: int, data: LawsuitInput
) -> Lawsuit:
    require_writer(actor)
    row = get_lawsuit(session, org_id=actor.org_id, lawsuit_id=lawsuit_id)
    changed = []
    for name, value in clean_input(session, data).items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    session.flush()
    if changed:
        audit(session, row, "updated", actor.user_id, fields=sorted(changed))
    return row


def set_published(
    session: Session, *, actor: Actor, lawsuit_id: int, published: bool, now: datetime
) -> Lawsuit:
    """Put a lawsuit on the public list or take it off. A lawsuit without a defendant has
    nothing to say publicly, so it cannot be published."""
    if not may_publish(actor):
        raise Forbidden(N_("Only coordinators can publish or withdraw."))
    row = get_lawsuit(session, org_id=actor.org_id, lawsuit_id=lawsuit_id)
    if published and not defendants(session, lawsuit=row):
        raise Conflict(N_("Add at least one defendant before publishing."))
    if row.published == published:
        return row
    row.published = published
    row.published_at = now if published else None
    session.flush()
    audit(session, row, "published" if published else "withdrawn", actor.user_id)
    return row


def defendants(session: Session, *, lawsuit: Lawsuit) -> list[LawsuitDefendant]:
    query = select(LawsuitDefendant).where(LawsuitDefendant.lawsuit_id == lawsuit.id)
    return list(session.scalars(query.order_by(LawsuitDefendant.id)))


def add_defendant(
    session: Session, *, actor: Actor, lawsuit_id: int, defender_id: int, description: str
) -> LawsuitDefendant:
    require_writer(actor)
    row = get_lawsuit(session, org_id=actor.org_id, lawsuit_id=lawsuit_id)
    clean = clean_description(description)
    defender = session.get(Defender, defender_id)
    if defender is None or defender.organisation_id != actor.org_id:
        raise Invalid(N_("Choose a defender of your organisation."))
    if any(d.defender_id == defender_id for d in defendants(session, lawsuit=row)):
        raise Conflict(N_("That defender is already a defendant."))
    link = LawsuitDefendant(lawsuit_id=row.id, defender_id=defender_id, public_description=clean)
    session.add(link)
    session.flush()
    audit(session, row, "defendant_added", actor.user_id, defender=defender_id)
    return link


def remove_defendant(session: Session, *, actor: Actor, lawsuit_id: int, link_id: int) -> None:
    require_writer(actor)
    row = get_lawsuit(session, org_id=actor.org_id, lawsuit_id=lawsuit_id)
    link = session.get(LawsuitDefendant, link_id)
    if link is None or link.lawsuit_id != row.id:
        raise NotFound(N_("No such defendant."))
    session.delete(link)
    session.flush()
    audit(session, row, "defendant_removed", actor.user_id, defender=link.defender_id)


def related_ids(session: Session, *, lawsuit_id: int) -> set[int]:
    query = select(RelatedProceeding).where(
        or_(RelatedProceeding.lawsuit_id == lawsuit_id, RelatedProceeding.related_id == lawsuit_id)
    )
    return {
        r.related_id if r.lawsuit_id == lawsuit_id else r.lawsuit_id for r in session.scalars(query)
    }


def link_related(
    session: Session, *, actor: Actor, lawsuit_id: int, other_id: int, linked: bool = True
) -> None:
    """Link (or unlink) two proceedings of the organisation, in either direction."""
    require_writer(actor)
    row = get_lawsuit(session, org_id=actor.org_id, lawsuit_id=lawsuit_id)
    other = get_lawsuit(session, org_id=actor.org_id, lawsuit_id=other_id)
    if other.id == row.id:
        raise Invalid(N_("A lawsuit cannot be related to itself."))
    low, high = sorted((row.id, other.id))
    present = other.id in related_ids(session, lawsuit_id=row.id)
    if linked and not present:
        session.add(RelatedProceeding(lawsuit_id=low, related_id=high))
    elif not linked and present:
        session.execute(
            delete(RelatedProceeding).where(
                or_(
                    (RelatedProceeding.lawsuit_id == low) & (RelatedProceeding.related_id == high),
                    (RelatedProceeding.lawsuit_id == high) & (RelatedProceeding.related_id == low),
                )
            )
        )
    session.flush()
    audit(session, row, "related" if linked else "unrelated", actor.user_id, other=other.id)


def incident_ids(session: Session, *, lawsuit_id: int) -> list[int]:
    query = select(LawsuitIncident.incident_id).where(LawsuitIncident.lawsuit_id == lawsuit_id)
    return sorted(session.scalars(query))


def link_incident(
    session: Session, *, actor: Actor, lawsuit_id: int, incident_id: int, linked: bool = True
) -> None:
    require_writer(actor)
    row = get_lawsuit(session, org_id=actor.org_id, lawsuit_id=lawsuit_id)
    incident = session.get(Incident, incident_id)
    if incident is None or incident.organisation_id != actor.org_id:
        raise Invalid(N_("No incident of your organisation has that number."))
    key = {"lawsuit_id": row.id, "incident_id": incident_id}
    present = session.get(LawsuitIncident, key)
    if linked and present is None:
        session.add(LawsuitIncident(**key))
    elif not linked and present is not None:
        session.delete(present)
    session.flush()
    action = "incident_linked" if linked else "incident_unlinked"
    audit(session, row, action, actor.user_id, incident=incident_id)


def company_ids(session: Session, *, lawsuit_id: int) -> list[int]:
    query = select(LawsuitCompany.company_id).where(LawsuitCompany.lawsuit_id == lawsuit_id)
    return sorted(session.scalars(query))


def link_company(
    session: Session, *, actor: Actor, lawsuit_id: int, company_id: int, linked: bool = True
) -> None:
    require_writer(actor)
    row = get_lawsuit(session, org_id=actor.org_id, lawsuit_id=lawsuit_id)
    if session.get(Company, company_id) is None:
        raise Invalid(N_("No company of the registry has that number."))
    key = {"lawsuit_id": row.id, "company_id": company_id}
    present = session.get(LawsuitCompany, key)
    if linked and present is None:
        session.add(LawsuitCompany(**key))
    elif not linked and present is not None:
        session.delete(present)
    session.flush()
    action = "company_linked" if linked else "company_unlinked"
    audit(session, row, action, actor.user_id, company=company_id)
