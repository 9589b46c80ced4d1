"""Daily rules that keep cases from falling through the cracks (run by the worker):

- a risk assessment whose review date has come raises a task "review the risk";
- an active or monitored case without any action for ``stale_case_days`` raises a task for
  its assignee and e-mails them; after twice as long, its organisation's coordinators are
  e-mailed too; and this repeats every ``stale_case_days`` for as long as nothing is done, so
  a case keeps reminding people until someone acts or records a resolution.

Each rule keys its task by the thing that triggered it, so running daily raises it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.accounts.models import Membership, Role, User
from vigil.casework.models import CaseTask, RiskAssessment
from vigil.casework.tasks import add_task
from vigil.incidents.models import Incident, IncidentStatus
from vigil.outbox.staff_email import queue_email

WATCHED = (IncidentStatus.active, IncidentStatus.monitoring, IncidentStatus.verified)


@dataclass(frozen=True)
class MonitoringResult:
    review_tasks: int
    stale_tasks: int
    coordinator_alerts: int


def latest_assessments():  # type: ignore[no-untyped-def]
    """Subquery: the id of the newest assessment of each incident."""
    return (
        select(RiskAssessment.incident_id, func.max(RiskAssessment.id).label("latest_id"))
        .group_by(RiskAssessment.incident_id)
        .subquery()
    )


def _new_task(session: Session, incident: Incident, **fields) -> bool:  # type: ignore[no-untyped-def]
    key = fields["source_key"]
    if session.scalar(select(CaseTask.id).where(CaseTask.source_key == key)) is not None:
        return False
    add_task(session, org_id=incident.organisation_id, incident_id=incident.id, **fields)
    return True


def _email(
    session: Session, addresses: list[str], incident: Incident, subject: str, base_url: str
) -> None:
    for address in addresses:
        queue_email(
            session,
            to_address=address,
            subject=f"[Vigil] {subject}",
            body=f"{subject}\n{base_url.rstrip('/')}/staff/incidents/{incident.id}/case\n",
            organisation_id=incident.organisation_id,
        )


def _coordinators(session: Session, org_id: int) -> list[str]:
    return list(
        session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == org_id,
                Membership.role == Role.coordinator,
                User.is_active.is_(True),
            )
        )
    )


def run_case_monitoring(
    session: Session, *, now: datetime, stale_after: timedelta, base_url: str
) -> MonitoringResult:
    today = now.date()
    latest = latest_assessments()
    due_reviews = session.execute(
        select(Incident, RiskAssessment)
        .join(latest, latest.c.incident_id == Incident.id)
        .join(RiskAssessment, RiskAssessment.id == latest.c.latest_id)
        .where(Incident.status.in_([str(s) for s in WATCHED]), RiskAssessment.review_on <= today)
    ).all()
    reviews = sum(
        _new_task(
            session,
            incident,
            title="Review the risk assessment (review date reached)",
            due_on=today,
            origin="risk_review",
            source_key=f"risk_review:{assessment.id}",
        )
        for incident, assessment in due_reviews
    )
    stale, escalated = 0, 0
    stale_cases = session.scalars(
        select(Incident).where(
            Incident.status.in_([IncidentStatus.active, IncidentStatus.monitoring]),
            Incident.last_action_at < now - stale_after,
        )
    ).all()
    for incident in stale_cases:
        # One reminder per stale period since the last action: 1, 2, 3 … periods.
        periods = int((now - incident.last_action_at) / stale_after)
        stamp = f"{incident.last_action_at.date().isoformat()}:{periods}"
        if _new_task(
            session,
            incident,
            title="Stale case: no action recorded recently",
            due_on=today,
            origin="stale_case",
            source_key=f"stale:{incident.id}:{stamp}",
        ):
            stale += 1
            assignee = session.get(User, incident.assignee_id) if incident.assignee_id else None
            targets = (
                [assignee.email] if assignee else _coordinators(session, incident.organisation_id)
            )
            _email(session, targets, incident, f"Case {incident.id} has had no action", base_url)
        if incident.last_action_at < now - 2 * stale_after and _new_task(
            session,
            incident,
            title="Stale case escalated to the coordinators",
            due_on=today,
            origin="stale_case",
            source_key=f"stale-escalated:{incident.id}:{stamp}",
        ):
            escalated += 1
            _email(
                session,
                _coordinators(session, incident.organisation_id),
                incident,
                f"Case {incident.id} is still without action",
                base_url,
            )
    return MonitoringResult(review_tasks=reviews, stale_tasks=stale, coordinator_alerts=escalated)
