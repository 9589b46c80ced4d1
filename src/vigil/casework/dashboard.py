"""The coordinator's dashboard: open cases by risk and status, how fast reports are triaged
and cases acted upon (median and 90th percentile), and what is overdue."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from vigil.casework.models import CaseTask, RiskAssessment
from vigil.casework.monitoring import latest_assessments
from vigil.incidents.models import Incident, IncidentStatus
from vigil.intake.models import Report, ReportStatus

OPEN_CASE_STATUSES = (
    IncidentStatus.received,
    IncidentStatus.triage,
    IncidentStatus.verified,
    IncidentStatus.active,
    IncidentStatus.monitoring,
    IncidentStatus.resolved,
)
UNASSESSED = "unassessed"
LISTED = 20  # overdue reports listed by name on the dashboard (all are counted)


@dataclass(frozen=True)
class Durations:
    count: int
    median_hours: float | None
    p90_hours: float | None


def durations(values: list[timedelta]) -> Durations:
    hours = sorted(v.total_seconds() / 3600 for v in values)
    if not hours:
        return Durations(0, None, None)
    p90 = hours[0] if len(hours) == 1 else statistics.quantiles(hours, n=10, method="inclusive")[-1]
    return Durations(len(hours), round(statistics.median(hours), 1), round(p90, 1))


@dataclass
class Dashboard:
    by_risk: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    matrix: dict[tuple[str, str], int] = field(default_factory=dict)
    triage: Durations = Durations(0, None, None)
    first_action: Durations = Durations(0, None, None)
    overdue_reviews: list[tuple[Incident, date]] = field(default_factory=list)
    overdue_tasks: list[tuple[CaseTask, Incident]] = field(default_factory=list)
    overdue_triage: int = 0
    overdue_reports: list[Report] = field(default_factory=list)
    stale: list[Incident] = field(default_factory=list)


def build_dashboard(
    session: Session,
    *,
    org_id: int,
    since: datetime,
    until: datetime,
    now: datetime,
    triage_target: timedelta,
    imminent_target: timedelta,
    stale_after: timedelta,
) -> Dashboard:
    board = Dashboard()
    latest = latest_assessments()
    rows = session.execute(
        select(Incident.status, RiskAssessment.level, func.count())
        .outerjoin(latest, latest.c.incident_id == Incident.id)
        .outerjoin(RiskAssessment, RiskAssessment.id == latest.c.latest_id)
        .where(
            Incident.organisation_id == org_id,
            Incident.status.in_([str(s) for s in OPEN_CASE_STATUSES]),
        )
        .group_by(Incident.status, RiskAssessment.level)
    ).all()
    for status, level, count in rows:
        level = level or UNASSESSED
        board.matrix[(status, level)] = count
        board.by_risk[level] = board.by_risk.get(level, 0) + count
        board.by_status[status] = board.by_status.get(status, 0) + count
    handled = session.execute(
        select(Report.received_at, Report.first_handled_at).where(
            Report.organisation_id == org_id,
            Report.received_at >= since,
            Report.received_at < until,
            Report.first_handled_at.is_not(None),
        )
    ).all()
    board.triage = durations([done - received for received, done in handled])
    acted = session.execute(
        select(Incident.created_at, Incident.first_action_at).where(
            Incident.organisation_id == org_id,
            Incident.created_at >= since,
            Incident.created_at < until,
            Incident.first_action_at.is_not(None),
        )
    ).all()
    board.first_action = durations([done - created for created, done in acted])
    board.overdue_reviews = [
        (incident, review_on)
        for incident, review_on in session.execute(
            select(Incident, RiskAssessment.review_on)
            .join(latest, latest.c.incident_id == Incident.id)
            .join(RiskAssessment, RiskAssessment.id == latest.c.latest_id)
            .where(
                Incident.organisation_id == org_id,
                Incident.status.in_([str(s) for s in OPEN_CASE_STATUSES]),
                RiskAssessment.review_on < now.date(),
            )
            .order_by(RiskAssessment.review_on)
        ).all()
    ]
    board.overdue_tasks = [
        (task, incident)
        for task, incident in session.execute(
            select(CaseTask, Incident)
            .join(Incident, Incident.id == CaseTask.incident_id)
            .where(
                Incident.organisation_id == org_id,
                CaseTask.done_at.is_(None),
                CaseTask.due_on < now.date(),
            )
            .order_by(CaseTask.due_on)
        ).all()
    ]
    open_reports = (
        Report.organisation_id == org_id,
        Report.status.in_([ReportStatus.received, ReportStatus.triage]),
    )
    late = or_(
        and_(Report.imminent.is_(True), Report.received_at < now - imminent_target),
        and_(Report.imminent.is_(False), Report.received_at < now - triage_target),
    )
    board.overdue_triage = (
        session.scalar(select(func.count()).select_from(Report).where(*open_reports, late)) or 0
    )
    board.overdue_reports = list(
        session.scalars(
            select(Report)
            .where(*open_reports, late)
            .order_by(Report.imminent.desc(), Report.received_at)
            .limit(LISTED)
        )
    )
    board.stale = list(
        session.scalars(
            select(Incident)
            .where(
                Incident.organisation_id == org_id,
                Incident.status.in_([IncidentStatus.active, IncidentStatus.monitoring]),
                Incident.last_action_at < now - stale_after,
            )
            .order_by(Incident.last_action_at)
        )
    )
    return board


def bars(counts: dict[str, int], order: list[str]) -> list[tuple[str, int, float]]:
    """Rows for a horizontal bar chart: (code, count, width in percent of the largest)."""
    largest = max(counts.values(), default=0) or 1
    return [
        (code, counts.get(code, 0), round(100 * counts.get(code, 0) / largest, 1))
        for code in order
        if code in counts
    ]
