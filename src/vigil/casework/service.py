"""Casework rules: from report to incident, risk assessments, status moves, closure with a
second review for high-risk cases, reopening, assignment and notes.

Every function checks tenancy (another organisation's case is "not found"), only adds and
flushes, and leaves an audit entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.accounts.service import get_membership
from vigil.casework.handover import Handover, check_handover, record_handover
from vigil.casework.lifecycle import REOPENABLE, allowed_moves, needs_second_review
from vigil.casework.models import (
    RISK_FACTORS,
    CaseNote,
    ClosureReason,
    InclusionCheck,
    RiskAssessment,
    RiskLevel,
)
from vigil.casework.person_levels import person_bounds
from vigil.casework.risk import ORDER
from vigil.companies.models import Company
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.inbox.models import InboxKind
from vigil.inbox.service import raise_item
from vigil.incidents.models import Act, Incident, IncidentStatus, Involvement
from vigil.vocabularies.service import get_term

FACTOR_VALUES = ("low", "medium", "high")


def load_case(session: Session, *, org_id: int, incident_id: int) -> Incident:
    """The case, for changing it (each change is audited by :func:`touch_case`); a page that
    only shows a case uses ``incidents.service.case_for_reading``, which audits the read."""
    return load_in_org(session, Incident, incident_id, org_id=org_id, missing="No such incident.")


#: Actions on a case that are bookkeeping, not help given: they never count as its first action.
NOT_FIRST_ACTIONS = frozenset(
    {
        "incident.company_linked",
        "incident.project_linked",
        "incident.merged_from",
        "incident.reopened",  # done by the system when a new threat is recorded elsewhere
        "incident.edited",
    }
)


def touch_case(
    session: Session, incident: Incident, action: str, actor: int | None, **detail: object
) -> None:
    """Every action on a case: note the time (stale cases, time to first action) and audit.

    The case's *first action* (``Incident.first_action_at``, the dashboard's "time to first
    action") is the first thing a staff member did for the defender after the case was
    opened: assigning it, assessing the risk, a note, a status move (launching an alert moves
    the case to active), a support measure, a referral, a check-in schedule, a person at risk.
    What the system does alone (no ``actor``) and bookkeeping (``NOT_FIRST_ACTIONS``) do not
    count."""
    incident.last_action_at = utcnow()
    if action not in NOT_FIRST_ACTIONS:
        note_first_action(incident, actor=actor, at=incident.last_action_at)
    session.flush()
    record_event(
        session,
        action=action,
        organisation_id=incident.organisation_id,
        actor_user_id=actor,
        object_type="incident",
        object_id=incident.id,
        detail=detail or None,
    )


def note_first_action(incident: Incident, *, actor: int | None, at: datetime) -> None:
    """Record ``at`` as the case's first action if it has none and a staff member acted
    (see :func:`touch_case`; launching an alert on a case already active counts too)."""
    if actor is not None and incident.first_action_at is None:
        incident.first_action_at = at


def latest_assessment(session: Session, *, incident_id: int) -> RiskAssessment | None:
    return session.scalar(
        select(RiskAssessment)
        .where(RiskAssessment.incident_id == incident_id)
        .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
        .limit(1)
    )


def assess_risk(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    level: str,
    factors: dict[str, str],
    reasons: str,
    review_on: date,
    actor_user_id: int | None,
) -> RiskAssessment:
    """A new assessment; earlier ones stay as history. The review date must be ahead."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if level not in RiskLevel.__members__:
        raise Invalid(f"Unknown risk level {level!r}.")
    unknown = set(factors) - set(RISK_FACTORS)
    bad_values = {k: v for k, v in factors.items() if v not in FACTOR_VALUES}
    if unknown or bad_values:
        raise Invalid("Rate each risk factor low, medium or high.")
    if review_on <= utcnow().date():
        raise Invalid("The review date must be in the future.")
    floor, earliest = person_bounds(session, incident_id=incident.id)
    if floor is not None and ORDER.index(RiskLevel(level)) < ORDER.index(RiskLevel(floor)):
        raise Conflict("A person at risk in this case is assessed higher: re-assess them first.")
    if earliest is not None and review_on > earliest:
        raise Conflict("A person at risk in this case is due for review sooner.")
    assessment = RiskAssessment(
        incident_id=incident.id,
        level=level,
        factors=json.dumps(factors, sort_keys=True),
        reasons_sealed=vault.seal(incident.data_key_id, reasons.strip() or None),
        assessed_by_id=actor_user_id,
        review_on=review_on,
    )
    session.add(assessment)
    touch_case(
        session,
        incident,
        "incident.risk_assessed",
        actor_user_id,
        level=level,
        review_on=review_on.isoformat(),
    )
    return assessment


def change_status(
    session: Session, *, org_id: int, incident_id: int, status: str, actor_user_id: int | None
) -> Incident:
    """Move along the lifecycle; closing goes through :func:`request_closure` instead."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if status == IncidentStatus.closed:
        raise Conflict("Closing needs a reason: use the closure form.")
    if status == IncidentStatus.duplicate:
        raise Conflict("Say which case this duplicates: use the merge form.")
    if status not in allowed_moves(incident.status):
        raise Conflict(f"A case cannot move from {incident.status} to {status}.")
    previous, incident.status = incident.status, status
    if status == IncidentStatus.verified and incident.verified_at is None:
        incident.verified_at = utcnow()
    if status == IncidentStatus.active:
        incident.closure_requested_by_id = None
    touch_case(
        session, incident, "incident.status_changed", actor_user_id, to=status, **{"from": previous}
    )
    return incident


@dataclass(frozen=True)
class ClosureOutcome:
    incident: Incident
    closed: bool  # False: waiting for a second analyst's review


def request_closure(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    reason: str,
    note: str,
    actor_user_id: int,
    handover: Handover | None = None,
    vault: Vault | None = None,
) -> ClosureOutcome:
    """Close with a reason (a second analyst reviews a high-risk case). "Handed to another
    organisation" needs the ``handover`` (and a ``vault`` to seal it), recorded with the
    request: the handover happened whether or not the closure is approved."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if IncidentStatus.closed not in allowed_moves(incident.status):
        raise Conflict("Only a resolved case can be closed.")
    if reason not in ClosureReason.__members__:
        raise Invalid("Choose a reason for closing the case.")
    if reason == ClosureReason.defender_unreachable:
        # A warning sign, never a closure: vigil.casework.contact_lost opens a verification task.
        raise Conflict("A defender who cannot be reached is a reason to verify, not to close.")
    if reason == ClosureReason.other and not note.strip():
        raise Invalid("Explain the reason for closing the case.")
    if reason == ClosureReason.handed_over:
        if handover is None or vault is None:
            raise Invalid("Record the handover: to whom, when and what was handed over.")
        checked = check_handover(handover, today=utcnow().date())
        record_handover(
            session, vault=vault, incident=incident, handover=checked, actor_user_id=actor_user_id
        )
    incident.closure_reason, incident.closure_note = reason, note.strip() or None
    latest = latest_assessment(session, incident_id=incident.id)
    if needs_second_review(latest.level if latest else None):
        incident.closure_requested_by_id = actor_user_id
        touch_case(session, incident, "incident.closure_requested", actor_user_id, reason=reason)
        raise_item(
            session,
            org_id=org_id,
            kind=InboxKind.closure_review,
            object_type="incident",
            object_id=incident.id,
            path=f"/staff/incidents/{incident.id}/case#closure-review",
            source_key=f"closure-review:{incident.id}:{utcnow():%Y%m%dT%H%M%S%f}",
            once_while_open=True,
        )
        return ClosureOutcome(incident, closed=False)
    incident.status = IncidentStatus.closed
    touch_case(session, incident, "incident.closed", actor_user_id, reason=reason)
    return ClosureOutcome(incident, closed=True)


def review_closure(
    session: Session, *, org_id: int, incident_id: int, approve: bool, actor_user_id: int
) -> Incident:
    """A second analyst approves or refuses a pending closure of a high-risk case."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if incident.closure_requested_by_id is None:
        raise Conflict("No closure is waiting for review.")
    if incident.closure_requested_by_id == actor_user_id:
        raise Forbidden("A second analyst must review this closure.")
    if approve:
        incident.status = IncidentStatus.closed
        incident.closure_reviewed_by_id = actor_user_id
    else:
        incident.closure_reason = incident.closure_note = None
    incident.closure_requested_by_id = None
    touch_case(session, incident, "incident.closure_reviewed", actor_user_id, approved=approve)
    return incident


def reopen_for_new_threat(
    session: Session,
    *,
    org_id: int,
    defender_id: int,
    new_incident_id: int,
    actor_user_id: int | None,
) -> list[Incident]:
    """A new threat against a defender reopens their resolved, monitored or closed cases."""
    cases = session.scalars(
        select(Incident)
        .join(Act, Act.incident_id == Incident.id)
        .where(
            Incident.organisation_id == org_id,
            Act.victim_id == defender_id,
            Incident.id != new_incident_id,
            Incident.status.in_([str(s) for s in REOPENABLE]),
        )
        .distinct()
    ).all()
    for case in cases:
        previous, case.status = case.status, IncidentStatus.active
        case.closure_requested_by_id = None
        touch_case(
            session,
            case,
            "incident.reopened",
            actor_user_id,
            **{"from": previous},
            new_incident=new_incident_id,
        )
    return list(cases)


def assign_case(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    assignee_id: int | None,
    actor_user_id: int,
) -> Incident:
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if assignee_id is not None:
        get_membership(session, user_id=assignee_id, organisation_id=org_id)
    incident.assignee_id = assignee_id
    touch_case(session, incident, "incident.assigned", actor_user_id, assignee=assignee_id)
    return incident


def add_note(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    body: str,
    actor_user_id: int,
) -> CaseNote:
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if not body.strip():
        raise Invalid("The note is empty.")
    note = CaseNote(
        incident_id=incident.id,
        author_id=actor_user_id,
        body_sealed=vault.seal(incident.data_key_id, body.strip()),
    )
    session.add(note)
    touch_case(session, incident, "incident.note_added", actor_user_id)
    return note


def record_inclusion(
    session: Session,
    *,
    org_id: int,
    report_id: int | None,
    incident_id: int | None,
    is_defender: bool,
    business_link: bool,
    has_source: bool,
    reasons: str,
    actor_user_id: int,
) -> InclusionCheck:
    check = InclusionCheck(
        organisation_id=org_id,
        report_id=report_id,
        incident_id=incident_id,
        is_defender=is_defender,
        business_link=business_link,
        has_source=has_source,
        reasons=reasons.strip(),
        included=is_defender and business_link and has_source,
        decided_by_id=actor_user_id,
    )
    session.add(check)
    session.flush()
    return check


def mark_duplicate(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    duplicate_of_id: int,
    actor_user_id: int,
) -> Incident:
    """Merge a case into another: the duplicate keeps its whole history (notes, assessments,
    audit) and points at the surviving case, which lists it."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    survivor = load_case(session, org_id=org_id, incident_id=duplicate_of_id)
    if survivor.id == incident.id or survivor.duplicate_of_id is not None:
        raise Invalid("Choose another case that is not itself a duplicate.")
    if IncidentStatus.duplicate not in allowed_moves(incident.status):
        raise Conflict("Only a case not yet under way can be marked as a duplicate.")
    previous = incident.status
    incident.status, incident.duplicate_of_id = IncidentStatus.duplicate, survivor.id
    touch_case(
        session, incident, "incident.merged", actor_user_id, into=survivor.id, **{"from": previous}
    )
    touch_case(session, survivor, "incident.merged_from", actor_user_id, duplicate=incident.id)
    return incident


def duplicates_of(session: Session, *, incident_id: int) -> list[Incident]:
    return list(
        session.scalars(
            select(Incident).where(Incident.duplicate_of_id == incident_id).order_by(Incident.id)
        )
    )


def link_company(
    session: Session, *, org_id: int, incident_id: int, company_id: int, actor_user_id: int
) -> Incident:
    """Name the company involved in a case (e.g. after matching what the reporter wrote):
    it fills the acts' involvements that name no company yet, or adds an alleged one."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if session.get(Company, company_id) is None:
        raise NotFound("No such company.")
    if not incident.acts:
        raise Conflict("Record what happened (an act) before naming a company.")
    for act in incident.acts:
        if any(inv.company_id == company_id for inv in act.involvements):
            continue
        open_slot = next((inv for inv in act.involvements if inv.company_id is None), None)
        if open_slot is not None:
            open_slot.company_id = company_id
        else:
            template = act.involvements[0] if act.involvements else None
            perpetrator = (
                template.perpetrator_type_id
                if template
                else get_term(session, vocabulary="perpetrator_type", code="unknown").id
            )
            act.involvements.append(
                Involvement(
                    perpetrator_type_id=perpetrator, company_id=company_id, certainty="alleged"
                )
            )
    touch_case(session, incident, "incident.company_linked", actor_user_id, company=company_id)
    return incident
