"""Staff pages of the corporate registry: search (HTMX-filterable, a plain form without JS)
and the edit form for writers; :func:`company_context` gathers what one company's page shows
(names, identifiers, projects, relationships, history).

The company page itself is served by ``vigil.surfaces.staff.company_page``: it also lists the
reader's organisation's incidents involving the company, and the incidents domain sits above
the registry (import-linter layers), so the registry never reads cases.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.companies.models import DocumentKind, FpicStatus, IdentifierScheme, RelationshipKind
from vigil.companies.registry import (
    CompanyEdit,
    company_graph,
    edit_company,
    extra_properties,
    get_company,
    revision_author,
    search_companies,
)
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import N_, gettext
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import is_htmx, render

router = APIRouter(prefix="/staff/companies", include_in_schema=False)

Writer = Annotated[Staff, Depends(require_writer)]


LABELS: dict[str, str] = {
    RelationshipKind.ownership: N_("Owns"),
    RelationshipKind.parent_subsidiary: N_("Parent of"),
    RelationshipKind.joint_venture: N_("Joint venture with"),
    RelationshipKind.supplier_buyer: N_("Supplies"),
    RelationshipKind.investor: N_("Invests in"),
    RelationshipKind.lender: N_("Lends to"),
    RelationshipKind.security_provider: N_("Provides security to"),
    RelationshipKind.msi_member: N_("Member of"),
    RelationshipKind.headquartered_in: N_("Headquartered in"),
    RelationshipKind.operator: N_("Operates"),
    RelationshipKind.director: N_("Director of"),
    RelationshipKind.payment: N_("Paid"),
    RelationshipKind.linked: N_("Linked to"),
    FpicStatus.obtained: N_("FPIC obtained"),
    FpicStatus.contested: N_("FPIC contested"),
    FpicStatus.not_sought: N_("FPIC not sought"),
    FpicStatus.unknown: N_("FPIC unknown"),
    DocumentKind.contract: N_("Contract"),
    DocumentKind.impact_assessment: N_("Environmental and social impact assessment"),
    DocumentKind.social_audit: N_("Social-audit report"),
    DocumentKind.other: N_("Document"),
    IdentifierScheme.lei: N_("LEI"),
    IdentifierScheme.registration: N_("Registration number"),
    IdentifierScheme.isin: N_("ISIN"),
    IdentifierScheme.ticker: N_("Ticker"),
    IdentifierScheme.tax: N_("Tax number"),
    IdentifierScheme.other: N_("Other identifier"),
    "primary": N_("Name"),
    "alias": N_("Alias"),
    "former": N_("Former name"),
    "brand": N_("Brand"),
    "name": N_("Name"),
    "legal_form": N_("Legal form"),
    "jurisdiction": N_("Jurisdiction"),
    "website": N_("Website"),
    "identifier": N_("Identifier"),
    "project": N_("Project operated"),
    "project_name": N_("Project name"),
    "project_kind": N_("Project kind"),
    "project_country": N_("Project country"),
    "project_region": N_("Project region"),
    "project_land_tenure": N_("Project land tenure"),
    "project_fpic_status": N_("Project FPIC status"),
    "project_sector": N_("Project sector"),
    "project_document": N_("Project document"),
}
NOTICES = {"edited": N_("The company was changed."), "unchanged": N_("Nothing was changed.")}


def label(code: str) -> str:
    message = LABELS.get(code)
    return gettext(message) if message else code


def shown(field: str, value: str | None) -> str:
    """A history value as the reader should see it: a project's FPIC status is kept as
    "<project>: <code>" and shown in the reader's language."""
    if not value:
        return "—"
    if field == "project_fpic_status" and ": " in value:
        project, code = value.rsplit(": ", 1)
        return f"{project}: {label(code)}"
    return value


@router.get("", name="companies.list")
def companies_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    q: Annotated[str, Query(max_length=300)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    result = search_companies(session, query=q, page=page)
    template = "staff/companies/_table.html" if is_htmx(request) else "staff/companies/list.html"
    return render(request, template, {"staff": staff, "result": result, "q": q, "label": label})


def company_context(
    session: Session, *, staff: Staff, company_id: int, done: str | None
) -> dict[str, Any]:
    """Everything ``companies/read.html`` shows except the reader's incidents (``incidents``,
    ``status_label``), which the serving route adds."""
    company = get_company(session, company_id=company_id)
    message = NOTICES.get(done or "")
    return {
        "staff": staff,
        "company": company,
        "graph": company_graph(session, company_id=company_id),
        "extra": extra_properties(company),
        "author": lambda revision: revision_author(revision, org_id=staff.organisation_id),
        "label": label,
        "shown": shown,
        "notice": gettext(message) if message else None,
    }


def _edit_page(
    request: Request,
    session: Session,
    staff: Staff,
    company_id: int,
    *,
    form: CompanyEdit | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    company = get_company(session, company_id=company_id)
    form = form or CompanyEdit(
        name=company.name,
        legal_form=company.legal_form or "",
        jurisdiction=company.jurisdiction or "",
        website=company.website or "",
    )
    context = {
        "staff": staff,
        "company": company,
        "form": form,
        "error": error,
        "schemes": [(s.value, label(s)) for s in IdentifierScheme],
    }
    return render(request, "staff/companies/edit.html", context, status_code)


@router.get("/{company_id}/edit", name="companies.edit_form")
def edit_form(
    request: Request, session: DbSession, staff: Writer, company_id: ObjectId
) -> Response:
    return _edit_page(request, session, staff, company_id)


@router.post("/{company_id}/edit", name="companies.edit")
def edit(
    request: Request,
    session: DbSession,
    staff: Writer,
    company_id: ObjectId,
    name: Annotated[str, Form(max_length=1000)] = "",
    legal_form: Annotated[str, Form(max_length=1000)] = "",
    jurisdiction: Annotated[str, Form(max_length=100)] = "",
    website: Annotated[str, Form(max_length=2000)] = "",
    alias: Annotated[str, Form(max_length=1000)] = "",
    identifier_scheme: Annotated[str, Form(max_length=20)] = "",
    identifier_value: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    form = CompanyEdit(
        name=name,
        legal_form=legal_form,
        jurisdiction=jurisdiction,
        website=website,
        alias=alias,
        identifier_scheme=identifier_scheme,
        identifier_value=identifier_value,
    )
    try:
        with session.begin_nested():  # a refused edit leaves nothing half-applied
            revisions = edit_company(
                session,
                company_id=company_id,
                data=form,
                org_id=staff.organisation_id,
                actor_user_id=staff.user_id,
            )
    except (Invalid, Conflict) as problem:
        session.expire_all()
        return _edit_page(
            request, session, staff, company_id, form=form, error=str(problem), status_code=422
        )
    done = "edited" if revisions else "unchanged"
    return RedirectResponse(f"/staff/companies/{company_id}?done={done}", status_code=303)
