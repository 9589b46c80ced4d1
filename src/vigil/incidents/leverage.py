"""The leverage map of an incident: its starting points come from the case (the companies
named in its involvements, the operators of its project and of projects named in
involvements), the walk over the registry is :mod:`vigil.companies.leverage`'s.

This lives with the incidents because it reads cases (tenancy-checked); the registry below
never reads incidents, it only walks from the company roots it is given.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.companies.leverage import SqlGraph, check_limits, project_roots
from vigil.companies.leverage_graph import traverse
from vigil.companies.leverage_types import LeverageMap, Role, Root, Subject
from vigil.core.db import utcnow
from vigil.incidents.models import Act, Incident, Involvement

__all__ = ["LeverageMap", "incident_roots", "leverage_for_incident"]


def incident_roots(session: Session, *, incident: Incident, today: date) -> list[Root]:
    """Operators of the incident's project (and of projects named in its involvements), then
    the companies named in its involvements, in the order of its acts."""
    involved = session.execute(
        select(Involvement.company_id, Involvement.project_id)
        .join(Act, Act.id == Involvement.act_id)
        .where(Act.incident_id == incident.id)
        .order_by(Act.id)
    ).all()
    named = [incident.project_id, *(row.project_id for row in involved)]
    roots = project_roots(session, {pid for pid in named if pid is not None}, today)
    roots += [Root(row.company_id, Role.involved) for row in involved if row.company_id]
    return roots


def leverage_for_incident(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    max_depth: int = 4,
    min_percentage: float = 0.0,
    today: date | None = None,
) -> LeverageMap:
    """The leverage map of one incident of ``org_id`` (another organisation's: NotFound).
    A page that shows it is a read of the case: it goes through
    ``incidents.service.case_for_reading`` first, which audits it.

    Starts from :func:`incident_roots`; the host state is the incident's country.
    """
    check_limits(max_depth, min_percentage)
    today = today or utcnow().date()
    incident = load_in_org(
        session, Incident, incident_id, org_id=org_id, missing="No such incident."
    )
    roots = incident_roots(session, incident=incident, today=today)
    return traverse(
        SqlGraph(session),
        roots,
        host_country=incident.country,
        today=today,
        max_depth=max_depth,
        min_percentage=min_percentage,
        subject=Subject("incident", incident.id, incident.title),
    )
