"""From an anonymous report to an incident, after the inclusion check.

The check (a defender in peaceful activity, a link to business, a source) is recorded either
way; a report that fails it is rejected with its reason kept. A defender already known to
the organisation (same name, found through the blind index) is reused, so earlier threats
against them are linked and their closed cases reopen.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.casework.service import assign_case, record_inclusion, reopen_for_new_threat
from vigil.casework.tasks import add_task
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.core.places import match_region
from vigil.defenders.aliases import generate_alias
from vigil.defenders.consent import record_initial_consent_from_report
from vigil.defenders.models import Defender
from vigil.defenders.service import add_identities, find_defenders_by_name, record_defender
from vigil.incidents.models import Act, Incident, IncidentStatus
from vigil.incidents.schemas import ActCreate, IncidentCreate, InvolvementCreate, SourceCreate
from vigil.incidents.service import record_incident
from vigil.intake.models import Report, ReportStatus
from vigil.intake.schemas import split_multi
from vigil.intake.service import open_answers

CONVERTIBLE = (ReportStatus.received, ReportStatus.triage)


@dataclass(frozen=True)
class InclusionAnswers:
    is_defender: bool
    business_link: bool
    has_source: bool
    reasons: str


def _victim(session: Session, vault: Vault, report: Report, answers: dict[str, str]) -> Defender:
    """The defender the report is about: one already known by name, or a new record called
    by the name the reporter chose for them, else by a pseudonym in the reporter's language
    (never the report's number: ``defenders.aliases``). A chosen name that is the real name
    typed again is not used: the alias is what recipients of alerts may read."""
    name = answers.get("defender_name")
    chosen = answers.get("chosen_alias", "")
    if name and " ".join(chosen.split()).casefold() == " ".join(name.split()).casefold():
        chosen = ""
    if name:
        known = find_defenders_by_name(
            session, vault=vault, org_id=report.organisation_id, name=name
        )
        if known:
            add_identities(session, known[0], split_multi(answers.get("gender_identity")))
            return known[0]
    return record_defender(
        session,
        vault=vault,
        org_id=report.organisation_id,
        alias=chosen
        or generate_alias(session, org_id=report.organisation_id, language=report.locale),
        kind=report.target_kind or "person",
        name=name,
        contact=answers.get("defender_contact"),
        type_codes=[report.defender_type] if report.defender_type else [],
        identity_codes=split_multi(answers.get("gender_identity")),
    )


def convert_report(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    report_id: int,
    inclusion: InclusionAnswers,
    title: str,
    actor_user_id: int,
    role: str = "unspecified",
    certainty: str = "alleged",
    source_reliability: str = "medium",
    region: str | None = None,
) -> Incident | None:
    """Returns the new incident, or None when the report failed the inclusion check. An
    urgent report's case is assigned to the analyst who converted it.
    ``region`` is the analyst's choice of subdivision (checked against the report's country
    by ``record_incident``); without one, the reporter's answer is matched to one if it can be."""
    report = load_in_org(session, Report, report_id, org_id=org_id, missing="No such report.")
    if report.status not in CONVERTIBLE:
        raise Conflict("This report was already handled.")
    check = record_inclusion(
        session,
        org_id=org_id,
        report_id=report.id,
        incident_id=None,
        is_defender=inclusion.is_defender,
        business_link=inclusion.business_link,
        has_source=inclusion.has_source,
        reasons=inclusion.reasons,
        actor_user_id=actor_user_id,
    )
    report.status_changed_at = utcnow()
    report.first_handled_at = report.first_handled_at or report.status_changed_at
    if not check.included:
        if not inclusion.reasons.strip():
            raise Invalid("Say why the report does not meet the criteria.")
        report.status, report.rejection_reason = ReportStatus.rejected, inclusion.reasons.strip()
        record_event(
            session,
            action="report.rejected",
            organisation_id=org_id,
            actor_user_id=actor_user_id,
            object_type="report",
            object_id=report.id,
        )
        return None
    if not report.attack_types:
        raise Invalid("Choose the type of attack before accepting the report.")
    if not title.strip():
        raise Invalid("Give the incident a title.")
    answers = open_answers(vault, report)
    victim = _victim(session, vault, report, answers)
    summary = "\n\n".join(filter(None, [answers.get("narrative"), answers.get("earlier_threats")]))
    incident = record_incident(
        session,
        vault=vault,
        org_id=org_id,
        actor_user_id=actor_user_id,
        data=IncidentCreate(
            title=title,
            summary=summary,
            occurred_on=report.occurred_on,
            date_precision=report.date_precision or "day",
            country=report.country,
            region=region or match_region(report.country, answers.get("region")),
            place=answers.get("place"),
            status=IncidentStatus.verified,
            # One act per type of attack (HURIDOCS: an act is one violation of one victim).
            acts=[
                ActCreate(
                    attack_type=code,
                    victim_id=victim.id,
                    involvements=[
                        InvolvementCreate(
                            perpetrator_type=report.perpetrator_type or "unknown",
                            role=role,
                            certainty=certainty,
                        )
                    ],
                )
                for code in report.attack_types
            ],
            sources=[
                SourceCreate(
                    kind="direct_report",
                    reliability=source_reliability,
                    description=f"Anonymous report {report.id}",
                )
            ],
        ),
    )
    check.incident_id = incident.id
    report.status, report.incident_id = ReportStatus.accepted, incident.id
    session.flush()
    record_event(
        session,
        action="report.converted",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="report",
        object_id=report.id,
        detail={"incident": incident.id},
    )
    if report.imminent:  # someone owns an urgent case from its first minute: who opened it
        assign_case(
            session,
            org_id=org_id,
            incident_id=incident.id,
            assignee_id=actor_user_id,
            actor_user_id=actor_user_id,
        )
    record_initial_consent_from_report(
        session,
        defender_id=victim.id,
        org_id=org_id,
        wish=report.wish,
        report_id=report.id,
        actor_user_id=actor_user_id,
    )
    reopen_for_new_threat(
        session,
        org_id=org_id,
        defender_id=victim.id,
        new_incident_id=incident.id,
        actor_user_id=actor_user_id,
    )
    _prompt_reassessment(session, org_id=org_id, defender_id=victim.id, new_incident=incident)
    return incident


def _prompt_reassessment(
    session: Session, *, org_id: int, defender_id: int, new_incident: Incident
) -> None:
    """A new incident against the same defender is a reason to re-assess their other cases."""
    earlier = session.scalars(
        select(Incident)
        .join(Act, Act.incident_id == Incident.id)
        .where(
            Incident.organisation_id == org_id,
            Act.victim_id == defender_id,
            Incident.id != new_incident.id,
            Incident.status.notin_(
                [IncidentStatus.closed, IncidentStatus.rejected, IncidentStatus.duplicate]
            ),
        )
        .distinct()
    ).all()
    for case in earlier:
        add_task(
            session,
            org_id=org_id,
            incident_id=case.id,
            title=f"Re-assess the risk: new incident {new_incident.id} against this defender",
            due_on=utcnow().date(),
            origin="risk_review",
            source_key=f"new_incident:{case.id}:{new_incident.id}",
        )
