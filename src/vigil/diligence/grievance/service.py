"""Keeping grievance mechanisms: what they are and whose, where and how to use them, what
came of the complaints, and assessments against the eight UNGP 31 criteria.

Why an assessment must be complete: a mechanism rated on three criteria reads as if the other
five were fine. Each of the eight gets a rating, and every rating that states something
("met", "partly met", "not met") carries an excerpt and the address it was read at. Writers
record; only coordinators publish (a published mechanism has a public page)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import pycountry
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.access import Actor, Role, load_in_org
from vigil.companies.models import Company
from vigil.core.audit import record_event
from vigil.core.errors import Forbidden, Invalid
from vigil.core.i18n import N_
from vigil.diligence.collective.models import Initiative
from vigil.diligence.grievance.criteria import CHANNELS, CRITERIA, KINDS, NEEDS_EVIDENCE, RATINGS
from vigil.diligence.grievance.models import (
    CriterionRating,
    Mechanism,
    MechanismAssessment,
    MechanismCountry,
    MechanismSector,
    MechanismStatistic,
)
from vigil.diligence.scope import clean_countries, clean_sectors, clean_url

MAX_TEXT = 20_000
NAME_ERROR = N_("Please give the mechanism a name (at most 300 characters).")
KIND_ERROR = N_("Choose what kind of mechanism it is.")
OWNER_ERROR = N_("Say whose mechanism it is: a company, an initiative or an institution.")
LANGUAGE_ERROR = N_("Languages must be ISO 639 codes, e.g. es, en or quc.")
CHANNEL_ERROR = N_("Choose channels from the list.")
TEXT_ERROR = N_("Please keep the procedures under 20,000 characters.")
YEAR_ERROR = N_("Give a year between 1990 and this year, and a source.")
COUNT_ERROR = N_("Counts and days must be whole numbers, 0 or more, left empty if unknown.")
ORDER_ERROR = N_("Admissible, resolved and remedied complaints cannot outnumber those received.")
CRITERION_ERROR = N_(
    "Rate all eight criteria; every rating other than “no information” needs an excerpt and "
    "the address it comes from."
)


@dataclass(frozen=True)
class MechanismInput:
    name: str = ""
    kind: str = "company"
    owner_company_id: int | None = None
    owner_initiative_id: int | None = None
    owner_institution: str = ""
    procedures: str = ""
    languages: str = ""
    channels: tuple[str, ...] = field(default_factory=tuple)
    accepts_anonymous: bool | None = None
    website: str = ""
    countries: str = ""
    sectors: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class StatisticInput:
    year: int | None = None
    received: int | None = None
    admissible: int | None = None
    resolved: int | None = None
    remedy_provided: int | None = None
    median_days: int | None = None
    source_url: str = ""


@dataclass(frozen=True)
class CriterionInput:
    rating: str = ""
    excerpt: str = ""
    evidence_url: str = ""


def _audit(session: Session, row: Mechanism, action: str, actor_id: int | None, **detail) -> None:
    record_event(
        session,
        action=f"grievance_mechanism.{action}",
        organisation_id=row.organisation_id,
        actor_user_id=actor_id,
        object_type="grievance_mechanism",
        object_id=row.id,
        detail=detail or None,
    )


def clean_languages(value: str) -> list[str]:
    """ISO 639 codes (two letters, or three for languages without, e.g. K'iche' ``quc``),
    lower-case, each once."""
    codes = list(dict.fromkeys(value.replace(",", " ").lower().split()))
    for code in codes:
        found = (
            pycountry.languages.get(alpha_2=code)
            if len(code) == 2
            else pycountry.languages.get(alpha_3=code)
            if len(code) == 3
            else None
        )
        if found is None:
            raise Invalid(LANGUAGE_ERROR)
    return codes


def get_mechanism(session: Session, *, org_id: int, mechanism_id: int) -> Mechanism:
    return load_in_org(
        session, Mechanism, mechanism_id, org_id=org_id, missing="No such mechanism."
    )


def list_mechanisms(session: Session, *, org_id: int) -> list[Mechanism]:
    query = select(Mechanism).where(Mechanism.organisation_id == org_id)
    return list(session.scalars(query.order_by(Mechanism.name, Mechanism.id)))


def mechanism_scope(session: Session, mechanism_id: int) -> tuple[list[str], list[str]]:
    countries = session.scalars(
        select(MechanismCountry.country)
        .where(MechanismCountry.mechanism_id == mechanism_id)
        .order_by(MechanismCountry.country)
    )
    sectors = session.scalars(
        select(MechanismSector.sector)
        .where(MechanismSector.mechanism_id == mechanism_id)
        .order_by(MechanismSector.sector)
    )
    return list(countries), list(sectors)


def _owner(session: Session, org_id: int, data: MechanismInput) -> tuple[int | None, ...]:
    if data.owner_company_id is not None and session.get(Company, data.owner_company_id) is None:
        raise Invalid(OWNER_ERROR)
    if data.owner_initiative_id is not None:
        load_in_org(
            session,
            Initiative,
            data.owner_initiative_id,
            org_id=org_id,
            missing="No such initiative.",
        )
    return data.owner_company_id, data.owner_initiative_id


def _apply(session: Session, row: Mechanism, data: MechanismInput) -> None:
    """Check everything before changing anything, so a refused form changes nothing."""
    name = " ".join(data.name.split())
    if not name or len(name) > 300:
        raise Invalid(NAME_ERROR)
    if data.kind not in KINDS:
        raise Invalid(KIND_ERROR)
    company_id, initiative_id = _owner(session, row.organisation_id, data)
    institution = " ".join(data.owner_institution.split())
    if not (company_id or initiative_id or institution) or len(institution) > 300:
        raise Invalid(OWNER_ERROR)
    procedures = data.procedures.replace("\r\n", "\n").strip()
    if len(procedures) > MAX_TEXT:
        raise Invalid(TEXT_ERROR)
    languages = clean_languages(data.languages)
    if any(c not in CHANNELS for c in data.channels):
        raise Invalid(CHANNEL_ERROR)
    website = clean_url(data.website)
    countries = clean_countries(data.countries)
    sectors = clean_sectors(session, data.sectors)
    row.name, row.kind, row.procedures, row.website = name, data.kind, procedures, website
    row.owner_company_id, row.owner_initiative_id = company_id, initiative_id
    row.owner_institution = institution
    row.languages = " ".join(languages)
    row.channels = " ".join(c for c in CHANNELS if c in data.channels)
    row.accepts_anonymous = data.accepts_anonymous
    if row.id is None:
        session.add(row)
        session.flush()
    session.execute(delete(MechanismCountry).where(MechanismCountry.mechanism_id == row.id))
    session.execute(delete(MechanismSector).where(MechanismSector.mechanism_id == row.id))
    session.add_all(MechanismCountry(mechanism_id=row.id, country=c) for c in countries)
    session.add_all(MechanismSector(mechanism_id=row.id, sector=s) for s in sectors)
    session.flush()


def create_mechanism(
    session: Session, *, org_id: int, data: MechanismInput, actor_user_id: int | None
) -> Mechanism:
    row = Mechanism(organisation_id=org_id, created_by=actor_user_id)
    _apply(session, row, data)
    _audit(session, row, "created", actor_user_id)
    return row


def update_mechanism(
    session: Session,
    *,
    org_id: int,
    mechanism_id: int,
    data: MechanismInput,
    actor_user_id: int | None,
) -> Mechanism:
    row = get_mechanism(session, org_id=org_id, mechanism_id=mechanism_id)
    _apply(session, row, data)
    _audit(session, row, "updated", actor_user_id)
    return row


def set_mechanism_published(
    session: Session, *, actor: Actor, mechanism_id: int, published: bool
) -> Mechanism:
    """A published mechanism has a public page in the organisation's name: coordinators only."""
    if actor.role != Role.coordinator:
        raise Forbidden(N_("Only coordinators can publish or withdraw."))
    row = get_mechanism(session, org_id=actor.org_id, mechanism_id=mechanism_id)
    row.published = published
    session.flush()
    _audit(session, row, "published" if published else "unpublished", actor.user_id)
    return row


def statistics(session: Session, *, mechanism_id: int) -> list[MechanismStatistic]:
    query = select(MechanismStatistic).where(MechanismStatistic.mechanism_id == mechanism_id)
    return list(session.scalars(query.order_by(MechanismStatistic.year.desc())))


def _check_counts(data: StatisticInput, this_year: int) -> None:
    if data.year is None or not 1990 <= data.year <= this_year:
        raise Invalid(YEAR_ERROR)
    counts = (data.received, data.admissible, data.resolved, data.remedy_provided)
    if any(v is not None and v < 0 for v in (*counts, data.median_days)):
        raise Invalid(COUNT_ERROR)
    if data.received is not None and any(v is not None and v > data.received for v in counts[1:]):
        raise Invalid(ORDER_ERROR)


def record_statistic(
    session: Session,
    *,
    org_id: int,
    mechanism_id: int,
    data: StatisticInput,
    actor_user_id: int | None,
    this_year: int,
) -> MechanismStatistic:
    """One year's figures (recording a year again replaces it)."""
    row = get_mechanism(session, org_id=org_id, mechanism_id=mechanism_id)
    _check_counts(data, this_year)
    source = clean_url(data.source_url, required=True)
    stat = session.scalar(
        select(MechanismStatistic).where(
            MechanismStatistic.mechanism_id == row.id, MechanismStatistic.year == data.year
        )
    )
    if stat is None:
        stat = MechanismStatistic(mechanism_id=row.id, year=data.year)
        session.add(stat)
    stat.received, stat.admissible, stat.resolved = data.received, data.admissible, data.resolved
    stat.remedy_provided, stat.median_days = data.remedy_provided, data.median_days
    stat.source_url = source
    session.flush()
    _audit(session, row, "statistic_recorded", actor_user_id, year=data.year)
    return stat


def record_assessment(
    session: Session,
    *,
    org_id: int,
    mechanism_id: int,
    ratings: Mapping[str, CriterionInput],
    assessed_on: date,
    actor_user_id: int | None,
    assessor_name: str,
) -> MechanismAssessment:
    """Rate the mechanism on all eight UNGP 31 criteria at once (see the module docstring)."""
    row = get_mechanism(session, org_id=org_id, mechanism_id=mechanism_id)
    clean: dict[str, CriterionRating] = {}
    for criterion in CRITERIA:
        given = ratings.get(criterion) or CriterionInput()
        if given.rating not in RATINGS:
            raise Invalid(CRITERION_ERROR)
        excerpt = given.excerpt.replace("\r\n", "\n").strip()
        url = given.evidence_url.strip()
        if given.rating in NEEDS_EVIDENCE and not (excerpt and url):
            raise Invalid(CRITERION_ERROR)
        if len(excerpt) > 5000:
            raise Invalid(CRITERION_ERROR)
        clean[criterion] = CriterionRating(
            criterion=criterion, rating=given.rating, excerpt=excerpt, evidence_url=clean_url(url)
        )
    assessment = MechanismAssessment(
        mechanism_id=row.id,
        assessed_by=actor_user_id,
        assessor_name=assessor_name[:200],
        assessed_on=assessed_on,
    )
    session.add(assessment)
    session.flush()
    for rating in clean.values():
        rating.assessment_id = assessment.id
        session.add(rating)
    session.flush()
    _audit(session, row, "assessed", actor_user_id, assessment=assessment.id)
    return assessment


def assessments(
    session: Session, *, mechanism_id: int
) -> list[tuple[MechanismAssessment, dict[str, CriterionRating]]]:
    """Every assessment, newest first, each with its ratings by criterion."""
    rows = session.scalars(
        select(MechanismAssessment)
        .where(MechanismAssessment.mechanism_id == mechanism_id)
        .order_by(MechanismAssessment.assessed_on.desc(), MechanismAssessment.id.desc())
    ).all()
    ids = [a.id for a in rows]
    ratings: dict[int, dict[str, CriterionRating]] = {i: {} for i in ids}
    if ids:
        for rating in session.scalars(
            select(CriterionRating).where(CriterionRating.assessment_id.in_(ids))
        ):
            ratings[rating.assessment_id][rating.criterion] = rating
    return [(a, ratings[a.id]) for a in rows]
