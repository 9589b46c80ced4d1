"""The suitability guide: before a case is taken to a collective-action initiative, the
analyst weighs, for each initiative covering the case's country and sector, five factors —
the convenor's legitimacy, the ability and power of its members, what it has done before,
the context, and the risk that going to it brings reprisals on the defender.

Why a guide and not a score: whether an initiative will help depends on things no table
holds (who trusts its convenor, whether a member's security contractor is the perpetrator).
Vigil proposes hints from its own data; the analyst records a judgement per factor with the
reason for it. A rating other than "unknown" without a reason is refused: the next person on
the case must be able to see why. Reasons are sealed with the incident's key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.access import Actor, load_in_org, may_write
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.i18n import N_, current_locale, gettext, ngettext
from vigil.core.places import country_name
from vigil.diligence.collective.models import Initiative, Intervention, SuitabilityRating
from vigil.diligence.collective.service import initiatives_for, members
from vigil.incidents.leverage import leverage_for_incident
from vigil.incidents.models import Act, Incident, IncidentStatus, Involvement

FACTORS: dict[str, str] = {
    "legitimacy": N_("Legitimacy of the convenor"),
    "ability": N_("Ability and power of the actors"),
    "interventions": N_("Previous interventions"),
    "context": N_("Context"),
    "reprisal": N_("Risk of reprisal"),
}
RATINGS: dict[str, str] = {
    "favourable": N_("favourable"),
    "mixed": N_("mixed"),
    "unfavourable": N_("unfavourable"),
    "unknown": N_("unknown"),
}
MAX_REASON = 2000
REASON_ERROR = N_(
    "Give a reason for every factor you rate (at most 2,000 characters); only “unknown” needs none."
)


@dataclass(frozen=True)
class FactorInput:
    rating: str = ""
    reason: str = ""


@dataclass
class Judgement:
    rating: str
    reason: str
    rated_by: int | None
    rated_at: datetime


@dataclass
class InitiativeGuide:
    initiative: Initiative
    hints: dict[str, list[str]] = field(default_factory=dict)
    latest: dict[str, Judgement] = field(default_factory=dict)
    history: list[tuple[str, Judgement]] = field(default_factory=list)


def case_sector(incident: Incident) -> str | None:
    return incident.sector.code if incident.sector is not None else None


def covering_case(session: Session, *, org_id: int, incident: Incident) -> list[Initiative]:
    """The organisation's initiatives covering the case's country and sector."""
    return initiatives_for(
        session, org_id=org_id, country=incident.country, sector=case_sector(incident)
    )


def case_companies(session: Session, incident: Incident) -> set[int]:
    """Registry companies named in the case's own involvements (not its leverage map)."""
    query = (
        select(Involvement.company_id)
        .join(Act, Act.id == Involvement.act_id)
        .where(Act.incident_id == incident.id, Involvement.company_id.is_not(None))
    )
    return {c for c in session.scalars(query) if c is not None}


def _names(found: list[str]) -> str:
    return ", ".join(found)


def _hints_for(
    session: Session,
    initiative: Initiative,
    incident: Incident,
    named: set[int],
    mapped: set[int],
    recent_cases: int,
) -> dict[str, list[str]]:
    """What Vigil's own records say on each factor (in the reader's language)."""
    place = country_name(incident.country, current_locale.get())
    listed = members(session, initiative_id=initiative.id)
    in_case = [c.name for _m, c in listed if c.id in named or c.id in mapped]
    accused = [c.name for _m, c in listed if c.id in named]
    dates = session.execute(
        select(func.count(), func.min(Intervention.occurred_on)).where(
            Intervention.initiative_id == initiative.id, Intervention.country == incident.country
        )
    ).one()
    legitimacy = (
        gettext("Convened by %(convenor)s.") % {"convenor": initiative.convenor}
        if initiative.convenor
        else gettext("No convenor is recorded.")
    )
    ability = ngettext(
        "%(num)d member is a company in this case or its leverage map: %(names)s.",
        "%(num)d members are companies in this case or its leverage map: %(names)s.",
        len(in_case),
    ) % {"num": len(in_case), "names": _names(in_case)}
    if not in_case:
        ability = gettext("No member is a company in this case or its leverage map.")
    interventions = gettext("No intervention in %(country)s is recorded.") % {"country": place}
    if dates[0]:
        interventions = ngettext(
            "%(num)d previous intervention in %(country)s since %(year)d.",
            "%(num)d previous interventions in %(country)s since %(year)d.",
            dates[0],
        ) % {"num": dates[0], "country": place, "year": dates[1].year}
    context = ngettext(
        "%(num)d case recorded in %(country)s in the past 12 months.",
        "%(num)d cases recorded in %(country)s in the past 12 months.",
        recent_cases,
    ) % {"num": recent_cases, "country": place}
    reprisal = gettext("No member is named in this case itself.")
    if accused:
        reprisal = gettext(
            "Named in this case and a member: %(names)s. Raising the case there tells them."
        ) % {"names": _names(accused)}
    return {
        "legitimacy": [legitimacy],
        "ability": [
            ability,
            ngettext("%(num)d member.", "%(num)d members.", len(listed)) % {"num": len(listed)},
        ],
        "interventions": [interventions],
        "context": [context],
        "reprisal": [reprisal],
    }


def _recent_cases(session: Session, incident: Incident, now: datetime) -> int:
    return (
        session.scalar(
            select(func.count(Incident.id)).where(
                Incident.organisation_id == incident.organisation_id,
                Incident.country == incident.country,
                Incident.status.not_in((IncidentStatus.duplicate, IncidentStatus.rejected)),
                Incident.created_at >= now - timedelta(days=365),
            )
        )
        or 0
    )


def _judgements(
    session: Session, vault: Vault, incident: Incident, initiative_id: int
) -> list[tuple[str, Judgement]]:
    rows = session.scalars(
        select(SuitabilityRating)
        .where(
            SuitabilityRating.incident_id == incident.id,
            SuitabilityRating.initiative_id == initiative_id,
        )
        .order_by(SuitabilityRating.rated_at.desc(), SuitabilityRating.id.desc())
    )
    return [
        (
            r.factor,
            Judgement(
                r.rating,
                vault.reveal(incident.data_key_id, r.reason_sealed) or "",
                r.rated_by,
                r.rated_at,
            ),
        )
        for r in rows
    ]


def case_guide(
    session: Session, *, vault: Vault, incident: Incident, now: datetime
) -> list[InitiativeGuide]:
    """The guide for one case (already loaded for reading by the caller, which checked the
    tenancy and audited the read): every covering initiative with hints and judgements."""
    org_id = incident.organisation_id
    named = case_companies(session, incident)
    leverage = leverage_for_incident(session, org_id=org_id, incident_id=incident.id)
    mapped = {e.actor.id for e in leverage.entries if e.actor.id is not None}
    recent = _recent_cases(session, incident, now)
    guides = []
    for initiative in covering_case(session, org_id=org_id, incident=incident):
        history = _judgements(session, vault, incident, initiative.id)
        latest: dict[str, Judgement] = {}
        for factor, judgement in history:
            latest.setdefault(factor, judgement)
        hints = _hints_for(session, initiative, incident, named, mapped, recent)
        guides.append(InitiativeGuide(initiative, hints, latest, history))
    return guides


def record_suitability(
    session: Session,
    *,
    vault: Vault,
    actor: Actor,
    incident_id: int,
    initiative_id: int,
    factors: Mapping[str, FactorInput],
    now: datetime,
) -> int:
    """Record the analyst's judgement on the factors given (an empty rating is skipped; one
    the same as the latest is not recorded again). Returns how many were recorded."""
    if not may_write(actor):
        raise Forbidden(N_("Your role is read-only."))
    incident = load_in_org(
        session, Incident, incident_id, org_id=actor.org_id, missing="No such incident."
    )
    initiative = load_in_org(
        session, Initiative, initiative_id, org_id=actor.org_id, missing="No such initiative."
    )
    if initiative.id not in {
        i.id for i in covering_case(session, org_id=actor.org_id, incident=incident)
    }:
        raise NotFound("This initiative does not cover the case's country and sector.")
    clean: dict[str, tuple[str, str]] = {}
    for factor, given in factors.items():
        if factor not in FACTORS or (given.rating and given.rating not in RATINGS):
            raise Invalid(REASON_ERROR)
        reason = (given.reason or "").replace("\r\n", "\n").strip()
        if not given.rating:
            continue
        if len(reason) > MAX_REASON or (given.rating != "unknown" and not reason):
            raise Invalid(REASON_ERROR)
        clean[factor] = (given.rating, reason)
    latest: dict[str, Judgement] = {}
    for factor, judgement in _judgements(session, vault, incident, initiative.id):
        latest.setdefault(factor, judgement)
    recorded = 0
    for factor, (rating, reason) in clean.items():
        before = latest.get(factor)
        if before is not None and (before.rating, before.reason) == (rating, reason):
            continue
        session.add(
            SuitabilityRating(
                organisation_id=actor.org_id,
                incident_id=incident.id,
                initiative_id=initiative.id,
                factor=factor,
                rating=rating,
                reason_sealed=vault.seal(incident.data_key_id, reason) if reason else None,
                rated_by=actor.user_id,
                rated_at=now,
            )
        )
        recorded += 1
    session.flush()
    record_event(
        session,
        action="incident.suitability_rated",
        organisation_id=actor.org_id,
        actor_user_id=actor.user_id,
        object_type="incident",
        object_id=incident.id,
        detail={"initiative": initiative.id, "factors": recorded},
    )
    return recorded


def rated_counts(session: Session, *, incident_id: int) -> dict[int, int]:
    """How many factors have a judgement, per initiative, for the case page's summary."""
    query = (
        select(SuitabilityRating.initiative_id, func.count(func.distinct(SuitabilityRating.factor)))
        .where(SuitabilityRating.incident_id == incident_id)
        .group_by(SuitabilityRating.initiative_id)
    )
    return {row[0]: row[1] for row in session.execute(query).all()}


def factor_label(code: str) -> str:
    return gettext(FACTORS[code]) if code in FACTORS else code


def rating_label(code: str) -> str:
    return gettext(RATINGS[code]) if code in RATINGS else code
