"""Casework records kept with an incident: the inclusion check that let it in, the history
of risk assessments, and analysts' notes. Free text is sealed with the incident's key."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class RiskLevel(StrEnum):
    """Levels used by national protection mechanisms (e.g. Colombia's UNP)."""

    ordinary = "ordinary"
    extraordinary = "extraordinary"
    extreme = "extreme"


#: Risk factors rated low / medium / high in every assessment.
RISK_FACTORS = (
    "threat_source",
    "prior_attacks",
    "visibility",
    "vulnerability",
    "protection_available",
)


class ClosureReason(StrEnum):
    risk_reduced = "risk_reduced"
    threat_stopped = "threat_stopped"
    released = "released"  # a detained defender is free
    charges_dropped = "charges_dropped"  # charges dropped, or acquitted
    state_protection = "state_protection"  # state protection measures are in place
    handed_over = "handed_over"  # to another organisation: needs a CaseHandover
    long_term_relocation = "long_term_relocation"
    defender_opted_out = "defender_opted_out"
    #: Offered where analysts look for it, never accepted: it opens a verification task.
    defender_unreachable = "defender_unreachable"
    other = "other"


class InclusionCheck(Base):
    """Why a report became an incident (or not): a defender in peaceful activity, a link to
    business, a source. BHRRC-style inclusion criteria, recorded with the case."""

    __tablename__ = "inclusion_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL"), index=True
    )
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    is_defender: Mapped[bool] = mapped_column(Boolean)
    business_link: Mapped[bool] = mapped_column(Boolean)
    has_source: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[str] = mapped_column(Text, default="")
    included: Mapped[bool] = mapped_column(Boolean)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskAssessment(Base):
    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(20))
    #: JSON object factor -> low/medium/high.
    factors: Mapped[str] = mapped_column(Text, default="{}")
    reasons_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_on: Mapped[date] = mapped_column(index=True)
    #: Set when this case-level row follows from a person's assessment (``risk_models``):
    #: the case takes the highest level and the earliest review among its persons at risk.
    person_assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("person_risk_assessments.id", ondelete="SET NULL")
    )


class CaseNote(Base):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseHandover(Base):
    """A case handed to another organisation (``casework.handover``): which one, when, what
    was handed over and who on the defender's side agreed. Handing over shares the case, so
    it is recorded only with that agreement; what was handed over and the agreeing
    relation are sealed with the incident's key ("her brother" can narrow down who she is)."""

    __tablename__ = "case_handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    receiving_organisation: Mapped[str] = mapped_column(String(200))
    handed_on: Mapped[date]
    items_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: ``ConsentGiver`` code of who agreed: the defender, a representative or the community.
    agreed_by: Mapped[str] = mapped_column(String(20))
    relation_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseTask(Base):
    """Something to do on a case by a date: set by an analyst, or raised by Vigil itself
    (a missed referral deadline, a risk review that is due, a stale case)."""

    __tablename__ = "case_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: Who raised it: "analyst", or the rule that did ("referral_deadline", "risk_review",
    #: "stale_case"); with ``source_key`` it keeps automatic tasks from being raised twice.
    origin: Mapped[str] = mapped_column(String(30), default="analyst")
    source_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]


# --- Support measures and referrals (issue 5) -------------------------------------------------


class MeasureKind(StrEnum):
    """Kinds of support, as protection desks budget and report them. Medical and
    psychosocial care are separate (different providers, different consent); the older
    combined code stays readable on measures recorded before the split but is not offered."""

    legal_aid = "legal_aid"
    medical = "medical"
    psychosocial = "psychosocial"
    protective_accompaniment = "protective_accompaniment"
    security_plan_training = "security_plan_training"
    security_equipment = "security_equipment"
    physical_security = "physical_security"
    digital_security = "digital_security"
    collective_protection = "collective_protection"
    trial_observation = "trial_observation"
    temporary_relocation = "temporary_relocation"
    international_relocation = "international_relocation"
    family_support = "family_support"
    emergency_grant = "emergency_grant"
    medical_psychosocial = "medical_psychosocial"  # retired: see RETIRED_MEASURE_KINDS


#: Kinds kept only so that earlier records still read: never offered for a new measure.
RETIRED_MEASURE_KINDS = frozenset({MeasureKind.medical_psychosocial})


class MeasureStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    delivered = "delivered"
    refused = "refused"
    #: An emergency grant's own last two steps (casework/grants.py).
    disbursed = "disbursed"
    reported = "reported"


class ServiceProvider(Base):
    """Who provides support (a lawyer, a clinic, a fund…), in an organisation's own directory.
    Not sealed: never write a safe house's address here."""

    __tablename__ = "service_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: A ``MeasureKind`` (what they mainly provide) or "other".
    kind: Mapped[str] = mapped_column(String(30))
    country: Mapped[str | None] = mapped_column(String(2))
    contact: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SupportMeasure(Base):
    """Support given to the defender of a case: requested → approved → delivered, or refused.
    An emergency grant goes requested → approved → disbursed → reported (casework/grants.py);
    its notes are its purpose, and who approved it is kept for the four-eyes rule."""

    __tablename__ = "support_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_providers.id", ondelete="SET NULL"), index=True
    )
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    #: ISO 4217 code, set whenever ``amount`` is.
    currency: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default=MeasureStatus.requested)
    requested_on: Mapped[date]
    decided_on: Mapped[date | None]
    delivered_on: Mapped[date | None]
    notes_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Emergency grants: who approved (``decided_on`` is when), how the money went out
    #: (``delivered_on`` is when), and the report of what it was used for (sealed).
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    disbursement_method: Mapped[str | None] = mapped_column(String(30))
    report_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    reported_on: Mapped[date | None]


class ReferralBodyKind(StrEnum):
    """Kinds of body a case can be referred to (what each is for: casework/referral_bodies.py)."""

    national_protection_mechanism = "national_protection_mechanism"
    prosecutor = "prosecutor"
    nhri = "nhri"
    un_special_procedure = "un_special_procedure"
    ohchr_office = "ohchr_office"
    iachr_precautionary = "iachr_precautionary"
    achpr_defenders_rapporteur = "achpr_defenders_rapporteur"
    oecd_ncp = "oecd_ncp"
    dfi_accountability = "dfi_accountability"
    icoca = "icoca"
    grievance_mechanism = "grievance_mechanism"
    emergency_fund = "emergency_fund"
    helpline = "helpline"
    other = "other"


class Referral(Base):
    """A case referred to a protection mechanism, an NHRI or a UN special procedure, with the
    body's legal deadline to respond and its answer (sealed with the incident's key)."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    body_name: Mapped[str] = mapped_column(String(200))
    body_kind: Mapped[str] = mapped_column(String(40))
    sent_on: Mapped[date]
    deadline_on: Mapped[date | None] = mapped_column(index=True)
    #: Emergency procedures count in hours: the time sent (UTC) and the deadline to the hour
    #: (``deadline_on`` is then its date). Both empty for a deadline in days.
    sent_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    answer_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    answered_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
