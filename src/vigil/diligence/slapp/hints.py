"""Data-driven hints on the screening indicators: what Vigil's own records suggest, with the
evidence, for the analyst to weigh. A hint never records a judgement: ``screening`` stores
only what an analyst chose, and nothing here writes.

Each hint fires at a documented edge (tests hold each edge and the value just below it):
(a) claim amount ≥ the currency's threshold for the defendants' kind (``thresholds``);
(b) ≥ 2 proceedings by the claimant or its group (this one included): same claimant company
    or group in the registry (``group``), or the same claimant name when no company is linked;
    this organisation's lawsuits and other organisations' published ones;
(c) ≥ 1 incident linked to the lawsuit, or involving a company of the claimant's group, with
    a threat or harassment among its acts;
(d) this and its related proceedings in ≥ 2 countries, or ≥ 2 postponements recorded, or a
    related proceeding withdrawn by the claimant;
nexus: a claim type aimed at speech (defamation, injunction, privacy) or a linked incident;
imbalance: the claimant is a registry company and a defendant is a person, group or
community."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.core.i18n import N_, current_locale, gettext
from vigil.defenders.models import Defender, DefenderKind
from vigil.diligence.slapp.group import company_group
from vigil.diligence.slapp.models import Lawsuit, LawsuitDefendant, LawsuitIncident
from vigil.diligence.slapp.service import related_ids
from vigil.diligence.slapp.thresholds import threshold_for
from vigil.diligence.slapp.vocabulary import ClaimType, Indicator, Outcome, outcome_label
from vigil.incidents.models import Act, Incident, IncidentStatus, Involvement
from vigil.vocabularies.models import VocabularyTerm

#: Attack types that are threats or harassment (the ``attack_type`` vocabulary's codes).
THREAT_CODES = (
    "death_threat",
    "threat_intimidation",
    "threat_family",
    "online_harassment",
    "gender_based_harassment",
    "smear_campaign",
)
SPEECH_CLAIMS = (
    ClaimType.defamation,
    ClaimType.criminal_defamation,
    ClaimType.injunction,
    ClaimType.privacy,
)
PERSON_KINDS = (DefenderKind.person, DefenderKind.group, DefenderKind.community)
MIN_PROCEEDINGS = 2
MIN_COUNTRIES = 2
MIN_POSTPONEMENTS = 2
NOT_COUNTED = (IncidentStatus.rejected, IncidentStatus.duplicate)


@dataclass(frozen=True)
class Evidence:
    text: str
    #: A staff page to open, when the evidence is this organisation's own record.
    href: str | None = None


@dataclass(frozen=True)
class Hint:
    indicator: Indicator
    suggested: bool
    explanation: str
    evidence: list[Evidence] = field(default_factory=list)


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _defender_kinds(session: Session, lawsuit: Lawsuit) -> list[str]:
    query = (
        select(Defender.kind)
        .join(LawsuitDefendant, LawsuitDefendant.defender_id == Defender.id)
        .where(LawsuitDefendant.lawsuit_id == lawsuit.id)
    )
    return list(session.scalars(query))


def hint_disproportionate(session: Session, lawsuit: Lawsuit) -> Hint:
    kinds = _defender_kinds(session, lawsuit)
    against_person = not kinds or any(k in PERSON_KINDS for k in kinds)
    limit = threshold_for(lawsuit.currency, against_person=against_person)
    values = {"amount": f"{lawsuit.claim_amount or 0:,.2f}", "currency": lawsuit.currency or ""}
    if lawsuit.claim_amount is None:
        text = gettext(N_("No claim amount is recorded."))
        return Hint(Indicator.disproportionate, False, text)
    if limit is None:
        text = gettext(N_("Vigil has no screening threshold for %(currency)s: judge by hand."))
        return Hint(Indicator.disproportionate, False, text % values)
    values["limit"] = f"{limit:,.2f}"
    values["whom"] = gettext(
        N_("a person, group or community") if against_person else N_("organisations only")
    )
    if lawsuit.claim_amount >= limit:
        text = N_(
            "%(amount)s %(currency)s claimed from %(whom)s reaches Vigil's screening threshold "
            "of %(limit)s %(currency)s."
        )
        return Hint(Indicator.disproportionate, True, gettext(text) % values)
    text = N_(
        "%(amount)s %(currency)s claimed from %(whom)s is under Vigil's screening threshold "
        "of %(limit)s %(currency)s."
    )
    return Hint(Indicator.disproportionate, False, gettext(text) % values)


def claimant_group(session: Session, lawsuit: Lawsuit, today: date) -> set[int]:
    seeds = [c for c in (lawsuit.claimant_company_id, lawsuit.claimant_group_id) if c]
    return company_group(session, company_ids=seeds, today=today) if seeds else set()


def _same_claimant(session: Session, lawsuit: Lawsuit, group: set[int]) -> list[Lawsuit]:
    """Other lawsuits by the claimant or its group that this organisation may see: its own,
    and other organisations' published ones (a public fact once published)."""
    visible = or_(Lawsuit.organisation_id == lawsuit.organisation_id, Lawsuit.published)
    query = select(Lawsuit).where(Lawsuit.id != lawsuit.id, visible)
    if group:
        query = query.where(
            or_(Lawsuit.claimant_company_id.in_(group), Lawsuit.claimant_group_id.in_(group))
        )
    rows = session.scalars(query.order_by(Lawsuit.filed_on, Lawsuit.id))
    if group:
        return list(rows)
    name = _folded(lawsuit.claimant_name)
    return [r for r in rows if _folded(r.claimant_name) == name]


def hint_multiple(session: Session, lawsuit: Lawsuit, today: date) -> Hint:
    group = claimant_group(session, lawsuit, today)
    others = _same_claimant(session, lawsuit, group)
    evidence = []
    for other in others:
        own = other.organisation_id == lawsuit.organisation_id
        text = f"{other.claimant_name} · {other.country} · {other.filed_on or ''}".rstrip(" ·")
        if not own:
            text += " · " + gettext(N_("published by another organisation"))
        evidence.append(Evidence(text, f"/staff/lawsuits/{other.id}" if own else None))
    total = len(others) + 1
    suggested = total >= MIN_PROCEEDINGS
    text = (
        N_("%(total)d proceedings against defenders by the claimant or its group are recorded.")
        if suggested
        else N_("No other proceeding by the claimant or its group is recorded.")
    )
    return Hint(
        Indicator.multiple_proceedings, suggested, gettext(text) % {"total": total}, evidence
    )


def _threat_incidents(session: Session, lawsuit: Lawsuit, group: set[int]) -> list[tuple]:  # type: ignore[type-arg]
    linked = select(LawsuitIncident.incident_id).where(LawsuitIncident.lawsuit_id == lawsuit.id)
    reached = Incident.id.in_(linked)
    if group:
        by_group = (
            select(Act.incident_id).join(Involvement).where(Involvement.company_id.in_(group))
        )
        reached = or_(reached, Incident.id.in_(by_group))
    query = (
        select(Incident.id, Incident.title, VocabularyTerm)
        .join(Act, Act.incident_id == Incident.id)
        .join(VocabularyTerm, VocabularyTerm.id == Act.attack_type_id)
        .where(
            Incident.organisation_id == lawsuit.organisation_id,
            Incident.status.not_in([s.value for s in NOT_COUNTED]),
            VocabularyTerm.code.in_(THREAT_CODES),
            reached,
        )
        .order_by(Incident.id)
    )
    return list(session.execute(query))


def hint_intimidation(session: Session, lawsuit: Lawsuit, today: date) -> Hint:
    rows = _threat_incidents(session, lawsuit, claimant_group(session, lawsuit, today))
    seen: dict[int, Evidence] = {}
    for incident_id, title, term in rows:
        if incident_id not in seen:
            text = f"#{incident_id} {title} ({term.label(current_locale.get())})"
            seen[incident_id] = Evidence(text, f"/staff/incidents/{incident_id}")
    if seen:
        text = N_(
            "%(count)d incident(s) linked to this lawsuit or to the claimant's group record "
            "threats or harassment."
        )
        return Hint(
            Indicator.intimidation, True, gettext(text) % {"count": len(seen)}, list(seen.values())
        )
    text = N_(
        "No incident linked to this lawsuit or to the claimant's group records threats or "
        "harassment."
    )
    return Hint(Indicator.intimidation, False, gettext(text))


def hint_bad_faith(session: Session, lawsuit: Lawsuit) -> Hint:
    ids = related_ids(session, lawsuit_id=lawsuit.id)
    related = list(session.scalars(select(Lawsuit).where(Lawsuit.id.in_(ids)))) if ids else []
    countries = sorted({lawsuit.country, *(r.country for r in related)})
    evidence = []
    if len(countries) >= MIN_COUNTRIES:
        text = gettext(N_("Related proceedings in %(count)d countries: %(countries)s."))
        evidence.append(
            Evidence(text % {"count": len(countries), "countries": ", ".join(countries)})
        )
    if lawsuit.postponements >= MIN_POSTPONEMENTS:
        text = gettext(N_("%(count)d postponements at the claimant's request are recorded."))
        evidence.append(Evidence(text % {"count": lawsuit.postponements}))
    for other in related:
        if other.outcome == Outcome.withdrawn_by_claimant:
            text = f"{other.claimant_name} · {other.country} · {outcome_label(other.outcome)}"
            evidence.append(Evidence(text, f"/staff/lawsuits/{other.id}"))
    if evidence:
        text = N_("Signs of forum shopping, delay or abusive discontinuation are recorded.")
        return Hint(Indicator.bad_faith_tactics, True, gettext(text), evidence)
    text = N_(
        "No related proceeding in another country, no repeated postponement and no "
        "withdrawn related proceeding are recorded."
    )
    return Hint(Indicator.bad_faith_tactics, False, gettext(text))


def hint_nexus(session: Session, lawsuit: Lawsuit) -> Hint:
    linked = session.scalar(
        select(LawsuitIncident.incident_id).where(LawsuitIncident.lawsuit_id == lawsuit.id).limit(1)
    )
    speech = lawsuit.claim_type in SPEECH_CLAIMS
    if speech or linked is not None:
        text = N_(
            "The claim type is often aimed at speech, or the lawsuit is linked to an incident "
            "against defenders: check that it concerns public participation."
        )
        return Hint(Indicator.public_participation, True, gettext(text))
    text = N_("Neither the claim type nor a linked incident points to public participation.")
    return Hint(Indicator.public_participation, False, gettext(text))


def hint_imbalance(session: Session, lawsuit: Lawsuit, today: date) -> Hint:
    group = claimant_group(session, lawsuit, today)
    kinds = _defender_kinds(session, lawsuit)
    if group and any(k in PERSON_KINDS for k in kinds):
        text = N_(
            "A company of the registry (a group of %(count)d companies) sues a person, group "
            "or community."
        )
        return Hint(Indicator.power_imbalance, True, gettext(text) % {"count": len(group)})
    text = N_(
        "The claimant is not linked to a registry company, or no defendant is a person, "
        "group or community."
    )
    return Hint(Indicator.power_imbalance, False, gettext(text))


def screening_hints(session: Session, *, lawsuit: Lawsuit, today: date) -> list[Hint]:
    """All six hints, in the order the screening page shows them."""
    return [
        hint_disproportionate(session, lawsuit),
        hint_multiple(session, lawsuit, today),
        hint_intimidation(session, lawsuit, today),
        hint_bad_faith(session, lawsuit),
        hint_nexus(session, lawsuit),
        hint_imbalance(session, lawsuit, today),
    ]
