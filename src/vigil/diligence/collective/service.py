"""Keeping the collective-action directory: initiatives with their scope, members and past
interventions. Writers (coordinators and analysts) record; only coordinators publish, since a
published initiative is shown outside the organisation (the market-entry report, which may be
handed to a company). Every change is audited with ids only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.access import Actor, Role, load_in_org
from vigil.companies.models import Company
from vigil.contacts.models import Contact
from vigil.contacts.rules import clean_email
from vigil.core.audit import record_event
from vigil.core.errors import Forbidden, Invalid
from vigil.core.i18n import N_
from vigil.diligence.collective.models import (
    Initiative,
    InitiativeCountry,
    InitiativeKind,
    InitiativeMember,
    InitiativeSector,
    Intervention,
)
from vigil.diligence.scope import clean_countries, clean_sectors, clean_url, covers

MAX_NAME = 300
MAX_TEXT = 10_000
NAME_ERROR = N_("Please give the initiative a name (at most 300 characters).")
KIND_ERROR = N_("Choose what kind of initiative it is.")
TEXT_ERROR = N_("Please keep the texts under 10,000 characters.")
ROLE_ERROR = N_("Please keep the member's role under 200 characters.")
ACTION_ERROR = N_(
    "An intervention needs a date (not in the future), a country, what was done and a source."
)


@dataclass(frozen=True)
class InitiativeInput:
    name: str = ""
    kind: str = InitiativeKind.multi_stakeholder
    convenor: str = ""
    description: str = ""
    website: str = ""
    email: str = ""
    contact_id: int | None = None
    countries: str = ""
    sectors: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class InterventionInput:
    occurred_on: date | None = None
    country: str = ""
    action: str = ""
    outcome: str = ""
    source_url: str = ""


def _line(value: str, limit: int, error: str, *, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if (required and not text) or len(text) > limit:
        raise Invalid(error)
    return text


def _text(value: str, *, required: bool = False, error: str = TEXT_ERROR) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if (required and not text) or len(text) > MAX_TEXT:
        raise Invalid(error)
    return text


def _audit(session: Session, row: Initiative, action: str, actor_id: int | None, **detail) -> None:
    record_event(
        session,
        action=f"initiative.{action}",
        organisation_id=row.organisation_id,
        actor_user_id=actor_id,
        object_type="initiative",
        object_id=row.id,
        detail=detail or None,
    )


def get_initiative(session: Session, *, org_id: int, initiative_id: int) -> Initiative:
    return load_in_org(
        session, Initiative, initiative_id, org_id=org_id, missing="No such initiative."
    )


def list_initiatives(session: Session, *, org_id: int) -> list[Initiative]:
    query = select(Initiative).where(Initiative.organisation_id == org_id)
    return list(session.scalars(query.order_by(Initiative.name, Initiative.id)))


def scope_of(session: Session, initiative_id: int) -> tuple[list[str], list[str]]:
    """(countries, sectors) of one initiative, sorted; empty lists mean "every"."""
    countries = session.scalars(
        select(InitiativeCountry.country)
        .where(InitiativeCountry.initiative_id == initiative_id)
        .order_by(InitiativeCountry.country)
    )
    sectors = session.scalars(
        select(InitiativeSector.sector)
        .where(InitiativeSector.initiative_id == initiative_id)
        .order_by(InitiativeSector.sector)
    )
    return list(countries), list(sectors)


def _apply(session: Session, row: Initiative, data: InitiativeInput) -> None:
    """Check everything before changing anything, so a refused form changes nothing."""
    name = _line(data.name, MAX_NAME, NAME_ERROR, required=True)
    if data.kind not in InitiativeKind.__members__:
        raise Invalid(KIND_ERROR)
    convenor = _line(data.convenor, MAX_NAME, NAME_ERROR)
    description = _text(data.description)
    website = clean_url(data.website)
    email = clean_email(data.email or "") or ""
    if data.contact_id is not None:
        org_id = row.organisation_id
        load_in_org(session, Contact, data.contact_id, org_id=org_id, missing="No such contact.")
    countries = clean_countries(data.countries)
    sectors = clean_sectors(session, data.sectors)
    row.name, row.kind, row.convenor, row.description = name, data.kind, convenor, description
    row.website, row.email, row.contact_id = website, email, data.contact_id
    if row.id is None:
        session.add(row)
        session.flush()
    session.execute(delete(InitiativeCountry).where(InitiativeCountry.initiative_id == row.id))
    session.execute(delete(InitiativeSector).where(InitiativeSector.initiative_id == row.id))
    session.add_all(InitiativeCountry(initiative_id=row.id, country=c) for c in countries)
    session.add_all(InitiativeSector(initiative_id=row.id, sector=s) for s in sectors)
    session.flush()


def create_initiative(
    session: Session, *, org_id: int, data: InitiativeInput, actor_user_id: int | None
) -> Initiative:
    row = Initiative(organisation_id=org_id, created_by=actor_user_id)
    _apply(session, row, data)
    _audit(session, row, "created", actor_user_id)
    return row


def update_initiative(
    session: Session,
    *,
    org_id: int,
    initiative_id: int,
    data: InitiativeInput,
    actor_user_id: int | None,
) -> Initiative:
    row = get_initiative(session, org_id=org_id, initiative_id=initiative_id)
    _apply(session, row, data)
    _audit(session, row, "updated", actor_user_id)
    return row


def set_initiative_published(
    session: Session, *, actor: Actor, initiative_id: int, published: bool
) -> Initiative:
    """Publishing speaks for the organisation outside it: coordinators only."""
    if actor.role != Role.coordinator:
        raise Forbidden(N_("Only coordinators can publish or withdraw."))
    row = get_initiative(session, org_id=actor.org_id, initiative_id=initiative_id)
    row.published = published
    session.flush()
    _audit(session, row, "published" if published else "unpublished", actor.user_id)
    return row


def members(session: Session, *, initiative_id: int) -> list[tuple[InitiativeMember, Company]]:
    query = (
        select(InitiativeMember, Company)
        .join(Company, Company.id == InitiativeMember.company_id)
        .where(InitiativeMember.initiative_id == initiative_id)
        .order_by(Company.name, InitiativeMember.id)
    )
    return [(m, c) for m, c in session.execute(query).all()]


def add_member(
    session: Session,
    *,
    org_id: int,
    initiative_id: int,
    company_id: int,
    role: str = "",
    since: date | None = None,
    actor_user_id: int | None,
) -> InitiativeMember:
    """Add a registry company (or change its role and date when it is already a member)."""
    row = get_initiative(session, org_id=org_id, initiative_id=initiative_id)
    company = session.get(Company, company_id)
    if company is None:
        raise Invalid(N_("Choose a company of the registry."))
    role = _line(role, 200, ROLE_ERROR)
    member = session.scalar(
        select(InitiativeMember).where(
            InitiativeMember.initiative_id == row.id, InitiativeMember.company_id == company.id
        )
    )
    if member is None:
        member = InitiativeMember(initiative_id=row.id, company_id=company.id)
        session.add(member)
    member.role, member.since = role, since
    session.flush()
    _audit(session, row, "member_added", actor_user_id, company=company.id)
    return member


def remove_member(
    session: Session, *, org_id: int, initiative_id: int, member_id: int, actor_user_id: int | None
) -> None:
    row = get_initiative(session, org_id=org_id, initiative_id=initiative_id)
    member = session.get(InitiativeMember, member_id)
    if member is None or member.initiative_id != row.id:
        raise Invalid(N_("No such member."))
    session.delete(member)
    session.flush()
    _audit(session, row, "member_removed", actor_user_id, company=member.company_id)


def interventions(session: Session, *, initiative_id: int) -> list[Intervention]:
    query = select(Intervention).where(Intervention.initiative_id == initiative_id)
    return list(session.scalars(query.order_by(Intervention.occurred_on.desc(), Intervention.id)))


def add_intervention(
    session: Session,
    *,
    org_id: int,
    initiative_id: int,
    data: InterventionInput,
    actor_user_id: int | None,
    today: date,
) -> Intervention:
    row = get_initiative(session, org_id=org_id, initiative_id=initiative_id)
    if data.occurred_on is None or data.occurred_on > today:
        raise Invalid(ACTION_ERROR)
    countries = clean_countries(data.country)
    if len(countries) != 1:
        raise Invalid(ACTION_ERROR)
    intervention = Intervention(
        initiative_id=row.id,
        occurred_on=data.occurred_on,
        country=countries[0],
        action=_text(data.action, required=True, error=ACTION_ERROR),
        outcome=_text(data.outcome),
        source_url=clean_url(data.source_url, required=True),
    )
    session.add(intervention)
    session.flush()
    _audit(session, row, "intervention_added", actor_user_id, intervention=intervention.id)
    return intervention


def covering(country: str, sector: str | None):  # type: ignore[no-untyped-def]
    """The query of initiatives whose scope covers ``country`` and ``sector`` (see
    ``diligence.scope``: an empty list covers everything; no sector rules nothing out)."""
    return select(Initiative).where(
        covers(Initiative.id, InitiativeCountry.initiative_id, InitiativeCountry.country, country),
        covers(Initiative.id, InitiativeSector.initiative_id, InitiativeSector.sector, sector),
    )


def initiatives_for(
    session: Session, *, org_id: int, country: str, sector: str | None
) -> list[Initiative]:
    """The organisation's own initiatives covering a case's country and sector, published or
    not (the staff pages and alerts use these)."""
    query = covering(country.upper(), sector).where(Initiative.organisation_id == org_id)
    return list(session.scalars(query.order_by(Initiative.name, Initiative.id)))
