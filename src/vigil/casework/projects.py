"""Linking a case to the project or site where it happened (a mine, a dam, a plantation).

The project is chosen among those operated by a company named in the case (or, right after
naming a company, among that company's), so a case is never tied to an unrelated site. The
incident's ``project_id`` holds the link; the leverage map then also starts from the project's
operators (``vigil.incidents.leverage``). Tenancy-checked and audited like every case action.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from vigil.casework.service import load_case, touch_case
from vigil.companies.models import Project
from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import gettext
from vigil.incidents.models import Incident


def involved_company_ids(incident: Incident) -> set[int]:
    return {
        involvement.company_id
        for act in incident.acts
        for involvement in act.involvements
        if involvement.company_id is not None
    }


def projects_of(session: Session, company_ids: set[int]) -> list[Project]:
    """Projects operated by these companies, by name."""
    if not company_ids:
        return []
    return list(
        session.scalars(
            select(Project)
            .where(Project.operator_id.in_(sorted(company_ids)))
            .options(selectinload(Project.operator))
            .order_by(Project.name, Project.id)
        )
    )


def link_project(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    project_id: int | None,
    actor_user_id: int,
    company_id: int | None = None,
) -> Incident:
    """Tie the case to a project (``None``: to none). The project must be operated by
    ``company_id`` when given (the company just named), otherwise by a company named in the
    case. Choosing the project already linked changes nothing and records nothing."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if project_id is None:
        if incident.project_id is not None:
            previous, incident.project_id = incident.project_id, None
            touch_case(
                session, incident, "incident.project_unlinked", actor_user_id, project=previous
            )
        return incident
    if incident.project_id == project_id:
        return incident
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(gettext("No such project."))
    operators = {company_id} if company_id is not None else involved_company_ids(incident)
    if project.operator_id is None or project.operator_id not in operators:
        raise Invalid(
            gettext("Choose a project or site operated by a company involved in the case.")
        )
    incident.project_id = project.id
    touch_case(session, incident, "incident.project_linked", actor_user_id, project=project.id)
    return incident


def project_context(session: Session, *, incident: Incident) -> dict[str, Any]:
    """What the case page shows of the project: the one linked and the ones to choose from."""
    choices = projects_of(session, involved_company_ids(incident))
    return {"project_choices": choices}
