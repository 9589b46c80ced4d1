"""Staff pages for casework: the decision on a report, and the case page of an incident
(risk assessments, assignment, notes, tasks, merging; status and closure are in
``case_closing``). Plain forms that work
without JavaScript; every POST redirects back (post/redirect/get)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.access import CaseView
from vigil.casework.conversion import InclusionAnswers, convert_report
from vigil.casework.projects import link_project, projects_of
from vigil.casework.service import (
    add_note,
    assess_risk,
    assign_case,
    link_company,
    mark_duplicate,
)
from vigil.casework.tasks import add_task, complete_task
from vigil.companies.models import Company
from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import gettext
from vigil.incidents.service import case_for_reading
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.surfaces.staff import case_page as page
from vigil.surfaces.staff.reports import render_report
from vigil.web.deps import DbSession, ObjectId, RequestVault
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


def _back(incident_id: int, done: str) -> Response:
    return RedirectResponse(f"/staff/incidents/{incident_id}/case?done={done}", status_code=303)


#: The inclusion check's criteria, as the decision form names them.
CRITERIA = ("is_defender", "business_link", "has_source")


def _decision_problems(form: dict[str, str], decision: str) -> dict[str, str]:
    """What keeps the decision from being recorded, by field. "include" with a criterion
    unticked is refused (the analyst may have missed a box), never turned into a rejection;
    without an explicit decision (older forms) an unticked criterion means rejecting."""
    missing = [name for name in CRITERIA if form.get(name) != "yes"]
    rejecting = decision == "reject" or (bool(missing) and decision != "include")
    errors: dict[str, str] = {}
    if decision == "include" and missing:
        errors["criteria"] = gettext(
            "Not every criterion is ticked: tick those that are met, or choose not to include "
            "the report and say why."
        )
    elif rejecting and not missing:
        errors["criteria"] = gettext(
            "Every criterion is ticked: untick the one that is not met, or include the report."
        )
    elif rejecting and not form.get("reasons", "").strip():
        errors["reasons"] = gettext("Say why the report does not meet the criteria.")
    if not rejecting and not form.get("title", "").strip():
        errors["title"] = gettext("Give the incident a title.")
    return errors


@router.post("/staff/reports/{report_id}/convert", name="casework.convert")
def convert(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    report_id: ObjectId,
    title: Annotated[str, Form(max_length=300)] = "",
    reasons: Annotated[str, Form(max_length=5000)] = "",
    is_defender: Annotated[str, Form(max_length=3)] = "",
    business_link: Annotated[str, Form(max_length=3)] = "",
    has_source: Annotated[str, Form(max_length=3)] = "",
    role: Annotated[str, Form(max_length=20)] = "unspecified",
    certainty: Annotated[str, Form(max_length=20)] = "alleged",
    reliability: Annotated[str, Form(max_length=10)] = "medium",
    region: Annotated[str, Form(max_length=10)] = "",
    decision: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Record the decision on a report. Anything missing returns the form as typed with the
    missing items marked (422); nothing is recorded until the whole decision is."""
    form = {
        "title": title,
        "reasons": reasons,
        "is_defender": is_defender,
        "business_link": business_link,
        "has_source": has_source,
        "role": role,
        "certainty": certainty,
        "reliability": reliability,
        "region": region,
    }
    errors = _decision_problems(form, decision)
    incident = None
    if not errors:
        try:
            with session.begin_nested():  # a refusal leaves no half-recorded decision behind
                incident = convert_report(
                    session,
                    vault=vault,
                    org_id=staff.organisation_id,
                    report_id=report_id,
                    inclusion=InclusionAnswers(
                        is_defender=is_defender == "yes",
                        business_link=business_link == "yes",
                        has_source=has_source == "yes",
                        reasons=reasons,
                    ),
                    title=title,
                    actor_user_id=staff.user_id,
                    role=role,
                    certainty=certainty,
                    source_reliability=reliability,
                    region=region.strip() or None,
                )
        except Invalid as invalid:
            errors["form"] = gettext(str(invalid))
    if errors:
        return render_report(
            request,
            session,
            vault,
            staff,
            report_id,
            convert=form,
            convert_errors=errors,
            status_code=422,
        )
    if incident is None:
        return RedirectResponse(f"/staff/reports/{report_id}?done=moved", status_code=303)
    return _back(incident.id, "converted")


@router.get("/staff/incidents/{incident_id}/case", name="casework.case")
def case_page(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    incident_id: ObjectId,
    done: str | None = None,
) -> Response:
    return page.render_case(
        request, session, vault=vault, staff=staff, incident_id=incident_id, done=done
    )


FactorField = Annotated[str, Form(max_length=10)]


@router.post("/staff/incidents/{incident_id}/risk", name="casework.risk")
def risk(
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    level: Annotated[str, Form(max_length=20)],
    review_on: Annotated[date, Form()],
    reasons: Annotated[str, Form(max_length=5000)] = "",
    threat_source: FactorField = "",
    prior_attacks: FactorField = "",
    visibility: FactorField = "",
    vulnerability: FactorField = "",
    protection_available: FactorField = "",
) -> Response:
    factors = {
        "threat_source": threat_source,
        "prior_attacks": prior_attacks,
        "visibility": visibility,
        "vulnerability": vulnerability,
        "protection_available": protection_available,
    }
    assess_risk(
        session,
        vault=vault,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        level=level,
        factors={k: v for k, v in factors.items() if v},
        reasons=reasons,
        review_on=review_on,
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "assessed")


@router.post("/staff/incidents/{incident_id}/assign", name="casework.assign")
def assign(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    assignee: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    assignee_id = int(assignee) if assignee.isdigit() else None
    assign_case(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        assignee_id=assignee_id,
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "assigned")


@router.post("/staff/incidents/{incident_id}/notes", name="casework.note")
def note(
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    body: Annotated[str, Form(max_length=20_000)],
) -> Response:
    add_note(
        session,
        vault=vault,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        body=body,
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "noted")


@router.post("/staff/incidents/{incident_id}/tasks", name="casework.task_add")
def task_add(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    title: Annotated[str, Form(max_length=300)],
    due_on: Annotated[date, Form()],
) -> Response:
    add_task(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        title=title,
        due_on=due_on,
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "task_added")


@router.post("/staff/incidents/{incident_id}/tasks/{task_id}/done", name="casework.task_done")
def task_done(
    session: DbSession, staff: Writer, incident_id: ObjectId, task_id: ObjectId
) -> Response:
    task = complete_task(
        session, org_id=staff.organisation_id, task_id=task_id, actor_user_id=staff.user_id
    )
    if task.incident_id != incident_id:
        raise NotFound("No such task.")
    return _back(incident_id, "task_done")


@router.post("/staff/incidents/{incident_id}/duplicate", name="casework.duplicate")
def duplicate(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    duplicate_of: Annotated[str, Form(max_length=12)],
) -> Response:
    if not duplicate_of.isdigit():
        raise Invalid("Give the number of the case this one duplicates.")
    mark_duplicate(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        duplicate_of_id=int(duplicate_of),
        actor_user_id=staff.user_id,
    )
    return _back(int(duplicate_of), "merged")


@router.get("/staff/incidents/{incident_id}/link-company", name="casework.link_company_form")
def link_company_form(
    request: Request,
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    company_id: Annotated[int, Query(ge=1, le=2_147_483_647)],
) -> Response:
    """Where the company search sends its choice: confirm before anything changes (the page
    names the case, so it is an audited read of it)."""
    incident = case_for_reading(
        session, actor=staff.actor, incident_id=incident_id, view=CaseView.link_company
    )
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound("No such company.")
    return render(
        request,
        "staff/casework/link_company.html",
        {
            "staff": staff,
            "incident": incident,
            "company": company,
            "projects": projects_of(session, {company.id}),
        },
    )


@router.post("/staff/incidents/{incident_id}/link-company", name="casework.link_company")
def link_company_submit(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    company_id: Annotated[str, Form(max_length=12)],
    project_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Name the company and, if one was picked, the project of that company (an empty
    ``project_id`` leaves the case's project as it is)."""
    if not company_id.isdigit():
        raise Invalid("Choose a company.")
    if project_id and not project_id.isdigit():
        raise Invalid(gettext("Choose a project or site from the list."))
    link_company(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        company_id=int(company_id),
        actor_user_id=staff.user_id,
    )
    if project_id:
        link_project(
            session,
            org_id=staff.organisation_id,
            incident_id=incident_id,
            project_id=int(project_id),
            company_id=int(company_id),
            actor_user_id=staff.user_id,
        )
    return _back(incident_id, "company_linked")


@router.post("/staff/incidents/{incident_id}/project", name="casework.project")
def project_submit(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    project_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Link the case to a project of a company involved in it, change it, or (empty) unlink."""
    if project_id and not project_id.isdigit():
        raise Invalid(gettext("Choose a project or site from the list."))
    link_project(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        project_id=int(project_id) if project_id else None,
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "project_linked")
