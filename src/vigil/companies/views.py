"""Staff pages of the corporate registry: search (HTMX-filterable, a plain form without JS),
one company with its names, identifiers, projects, relationships, linked incidents and
history, and the edit form for writers.

The incidents shown on a company page are the reader's organisation's only. The incidents
domain sits above the registry (import-linter layers), so ``app.py`` hands this page the
incidents' own query as :class:`IncidentLinks` rather than the registry reading cases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.accounts.deps import CurrentStaff, Staff, require_writer
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
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import is_htmx, render

router = APIRouter(prefix="/staff/companies", include_in_schema=False)

Writer = Annotated[Staff, Depends(require_writer)]


@dataclass(frozen=True)
class IncidentLinks:
    """``find(session, org_id=…, company_id=…)`` → the organisation's incidents involving the
    company (objects with id, title, status, country, occurred_on, date_precision);
    ``status_label(code)`` → the status in the reader's language."""

    find: Callable[..., Sequence[Any]]
    status_label: Callable[[str], str]


def incident_links(request: Request) -> IncidentLinks:
    return request.app.state.incident_links


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
}
NOTICES = {"edited": N_("The company was changed."), "unchanged": N_("Nothing was changed.")}


def label(code: str) -> str:
    message = LABELS.get(code)
    return gettext(message) if message else code


@router.get("", name="companies.list")
def companies_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    q: Annotated[str, Query(max_length=300)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    result = search_companies(session, query=q, page=page)
    template = "companies/_table.html" if is_htmx(request) else "companies/list.html"
    return render(request, template, {"staff": staff, "result": result, "q": q, "label": label})


@router.get("/{company_id}", name="companies.read")
def company_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    links: Annotated[IncidentLinks, Depends(incident_links)],
    company_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    company = get_company(session, company_id=company_id)
    message = NOTICES.get(done or "")
    context = {
        "staff": staff,
        "company": company,
        "graph": company_graph(session, company_id=company_id),
        "incidents": links.find(session, org_id=staff.organisation_id, company_id=company_id),
        "status_label": links.status_label,
        "extra": extra_properties(company),
        "author": lambda revision: revision_author(revision, org_id=staff.organisation_id),
        "label": label,
        "notice": gettext(message) if message else None,
    }
    return render(request, "companies/read.html", context)


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
    return render(request, "companies/edit.html", context, status_code)


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
