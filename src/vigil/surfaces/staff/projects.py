"""Staff pages of projects and sites: one project with its public documents, the forms to add
a project under its operator, edit it, hand it to another operator (through the company
search, as for cases) and link or unlink documents. Plain forms that work without JavaScript;
every successful POST redirects (post/redirect/get), a refused one shows the form again with
what was typed and the reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.companies.models import Company, DocumentKind, FpicStatus
from vigil.companies.projects import (
    DocumentForm,
    ProjectEdit,
    add_document,
    change_operator,
    create_project,
    edit_project,
    get_project,
    remove_document,
)
from vigil.companies.registry import get_company
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.i18n import N_, gettext
from vigil.surfaces.gate import CurrentStaff, Staff
from vigil.surfaces.staff.companies import Writer, label
from vigil.surfaces.staff.company_match import country_options
from vigil.vocabularies.service import list_terms
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(prefix="/staff", include_in_schema=False)

NOTICES = {
    "created": N_("The project was added."),
    "edited": N_("The project was changed."),
    "unchanged": N_("Nothing was changed."),
    "operator": N_("The operator was changed."),
    "document_added": N_("The document was linked."),
    "document_removed": N_("The document was unlinked."),
}

Text = Annotated[str, Form(max_length=1000)]


def _back(project_id: int, done: str) -> Response:
    return RedirectResponse(f"/staff/projects/{project_id}?done={done}", status_code=303)


def _project_page(
    request: Request,
    session: Session,
    staff: Staff,
    project_id: int,
    *,
    form: DocumentForm | None = None,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "staff": staff,
        "project": get_project(session, project_id=project_id),
        "form": form or DocumentForm(),
        "error": error,
        "notice": notice,
        "kinds": [(k.value, label(k)) for k in DocumentKind],
        "label": label,
        "today": utcnow().date(),
    }
    return render(request, "staff/companies/project.html", context, status_code)


@router.get("/projects/{project_id}", name="projects.read")
def project_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    project_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    message = NOTICES.get(done or "")
    notice = gettext(message) if message else None
    return _project_page(request, session, staff, project_id, notice=notice)


def _form_page(
    request: Request,
    session: Session,
    staff: Staff,
    *,
    operator: Company,
    form: ProjectEdit,
    action: str,
    project_id: int | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "staff": staff,
        "operator": operator,
        "project_id": project_id,
        "form": form,
        "action": action,
        "error": error,
        "countries": country_options(),
        "sectors": list_terms(session, vocabulary="sector"),
        "fpic": [(s.value, label(s)) for s in FpicStatus],
    }
    return render(request, "staff/companies/project_form.html", context, status_code)


def _project_form(
    name: str,
    kind: str,
    country: str,
    region: str,
    land_tenure: str,
    fpic_status: str,
    sector: str,
) -> ProjectEdit:
    return ProjectEdit(
        name=name,
        kind=kind,
        country=country,
        region=region,
        land_tenure=land_tenure,
        fpic_status=fpic_status,
        sector=sector,
    )


@router.get("/companies/{company_id}/projects/new", name="projects.new")
def new_project_form(
    request: Request, session: DbSession, staff: Writer, company_id: ObjectId
) -> Response:
    operator = get_company(session, company_id=company_id)
    form = ProjectEdit(name="", kind="", country=operator.jurisdiction or "")
    action = f"/staff/companies/{company_id}/projects"
    return _form_page(request, session, staff, operator=operator, form=form, action=action)


@router.post("/companies/{company_id}/projects", name="projects.create")
def create(
    request: Request,
    session: DbSession,
    staff: Writer,
    company_id: ObjectId,
    name: Text = "",
    kind: Text = "",
    country: Annotated[str, Form(max_length=100)] = "",
    region: Text = "",
    land_tenure: Annotated[str, Form(max_length=10_000)] = "",
    fpic_status: Annotated[str, Form(max_length=20)] = FpicStatus.unknown,
    sector: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    form = _project_form(name, kind, country, region, land_tenure, fpic_status, sector)
    try:
        with session.begin_nested():
            project = create_project(
                session,
                operator_id=company_id,
                data=form,
                org_id=staff.organisation_id,
                actor_user_id=staff.user_id,
            )
    except (Invalid, Conflict) as problem:
        session.expire_all()
        return _form_page(
            request,
            session,
            staff,
            operator=get_company(session, company_id=company_id),
            form=form,
            action=f"/staff/companies/{company_id}/projects",
            error=str(problem),
            status_code=422,
        )
    return _back(project.id, "created")


def _edit_form_page(
    request: Request,
    session: Session,
    staff: Staff,
    project_id: int,
    *,
    form: ProjectEdit | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    project = get_project(session, project_id=project_id)
    if project.operator is None:
        raise Conflict(
            gettext("Name the project's operator first: its changes are kept in their history.")
        )
    form = form or ProjectEdit(
        name=project.name,
        kind=project.kind,
        country=project.country,
        region=project.region or "",
        land_tenure=project.land_tenure or "",
        fpic_status=project.fpic_status,
        sector=project.sector.code if project.sector else "",
    )
    return _form_page(
        request,
        session,
        staff,
        operator=project.operator,
        form=form,
        action=f"/staff/projects/{project_id}/edit",
        project_id=project_id,
        error=error,
        status_code=status_code,
    )


@router.get("/projects/{project_id}/edit", name="projects.edit_form")
def edit_form(
    request: Request, session: DbSession, staff: Writer, project_id: ObjectId
) -> Response:
    return _edit_form_page(request, session, staff, project_id)


@router.post("/projects/{project_id}/edit", name="projects.edit")
def edit(
    request: Request,
    session: DbSession,
    staff: Writer,
    project_id: ObjectId,
    name: Text = "",
    kind: Text = "",
    country: Annotated[str, Form(max_length=100)] = "",
    region: Text = "",
    land_tenure: Annotated[str, Form(max_length=10_000)] = "",
    fpic_status: Annotated[str, Form(max_length=20)] = "",
    sector: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    form = _project_form(name, kind, country, region, land_tenure, fpic_status, sector)
    try:
        with session.begin_nested():
            revisions = edit_project(
                session,
                project_id=project_id,
                data=form,
                org_id=staff.organisation_id,
                actor_user_id=staff.user_id,
            )
    except Invalid as problem:
        session.expire_all()
        return _edit_form_page(
            request, session, staff, project_id, form=form, error=str(problem), status_code=422
        )
    return _back(project_id, "edited" if revisions else "unchanged")


@router.get("/projects/{project_id}/operator", name="projects.operator_form")
def operator_form(
    request: Request,
    session: DbSession,
    staff: Writer,
    project_id: ObjectId,
    company_id: Annotated[int, Query(ge=1, le=2_147_483_647)],
) -> Response:
    """Where the company search sends its choice: confirm before anything changes."""
    project = get_project(session, project_id=project_id)
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(gettext("No such company."))
    context = {"staff": staff, "project": project, "company": company}
    return render(request, "staff/companies/project_operator.html", context)


@router.post("/projects/{project_id}/operator", name="projects.operator")
def operator(
    session: DbSession,
    staff: Writer,
    project_id: ObjectId,
    company_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    if not company_id.isdigit():
        raise Invalid(gettext("Choose a company."))
    changed = change_operator(
        session,
        project_id=project_id,
        operator_id=int(company_id),
        org_id=staff.organisation_id,
        actor_user_id=staff.user_id,
    )
    return _back(project_id, "operator" if changed else "unchanged")


@router.post("/projects/{project_id}/documents", name="projects.document_add")
def document_add(
    request: Request,
    session: DbSession,
    staff: Writer,
    project_id: ObjectId,
    kind: Annotated[str, Form(max_length=30)] = "",
    title: Text = "",
    url: Annotated[str, Form(max_length=2000)] = "",
    published_on: Annotated[str, Form(max_length=30)] = "",
    language: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    form = DocumentForm(
        kind=kind, title=title, url=url, published_on=published_on, language=language
    )
    try:
        with session.begin_nested():
            add_document(
                session,
                project_id=project_id,
                form=form,
                org_id=staff.organisation_id,
                actor_user_id=staff.user_id,
                today=utcnow().date(),
            )
    except (Invalid, Conflict) as problem:
        session.expire_all()
        return _project_page(
            request, session, staff, project_id, form=form, error=str(problem), status_code=422
        )
    return _back(project_id, "document_added")


@router.post(
    "/projects/{project_id}/documents/{document_id}/remove", name="projects.document_remove"
)
def document_remove(
    session: DbSession, staff: Writer, project_id: ObjectId, document_id: ObjectId
) -> Response:
    remove_document(
        session,
        project_id=project_id,
        document_id=document_id,
        org_id=staff.organisation_id,
        actor_user_id=staff.user_id,
    )
    return _back(project_id, "document_removed")
