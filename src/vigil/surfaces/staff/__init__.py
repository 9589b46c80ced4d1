"""The staff surface: every page an analyst, coordinator or auditor works from.

One router group behind one gate: a signed-in session (password and TOTP) in an organisation.
The gate is a router dependency, so a new page is gated without opting in; only the pages that
sign someone in (:data:`OPEN`) are outside it. Roles beyond "signed in" (writer, coordinator)
are decided per page by :mod:`vigil.access`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from vigil.surfaces.gate import current_staff
from vigil.surfaces.staff import (
    alerts,
    audit,
    case_closing,
    case_collective,
    case_consent,
    case_conversation,
    case_defenders,
    case_responses,
    case_risk,
    case_support,
    cases,
    checkins,
    companies,
    company_dedupe,
    company_match,
    company_page,
    contact_groups,
    contact_import,
    contacts,
    dashboard,
    deliveries,
    dialogues,
    grievance_mechanisms,
    home,
    import_upload,
    imports,
    incidents,
    initiatives,
    lawsuit_screening,
    lawsuits,
    leverage,
    links,
    now,
    organisation_settings,
    paging_settings,
    playbooks,
    policy_assessments,
    projects,
    public_summary,
    reports,
    signin,
    source_links,
    statements,
    urgent_actions,
)

#: Routes of this surface reachable without a session: signing in, enrolling, signing out.
OPEN = frozenset({"/login", "/login/code", "/logout", "/enrol/{token}"})

#: Order matters where paths overlap: ``/staff/companies/match`` is not a company id.
GATED_MODULES = (
    home,
    now,
    dashboard,
    reports,
    incidents,
    source_links,
    public_summary,
    company_match,
    company_dedupe,
    companies,
    projects,
    company_page,
    policy_assessments,
    leverage,
    cases,
    case_closing,
    case_collective,
    case_risk,
    case_support,
    case_consent,
    case_defenders,
    case_conversation,
    case_responses,
    alerts,
    links,
    checkins,
    contact_import,  # before contacts: "import" is not a contact id
    contacts,
    contact_groups,
    deliveries,
    statements,
    dialogues,
    initiatives,
    grievance_mechanisms,
    lawsuits,
    lawsuit_screening,
    playbooks,
    import_upload,  # before imports: "upload" is not a run id
    imports,
    paging_settings,
    organisation_settings,
    audit,
    urgent_actions,
)


def build_router() -> APIRouter:
    group = APIRouter()
    group.include_router(signin.router)
    # The inbox badge counts lazily, once per page that shows the navigation (now.py).
    gated = APIRouter(dependencies=[Depends(current_staff), Depends(now.inbox_badge)])
    for module in GATED_MODULES:
        gated.include_router(module.router)
    group.include_router(gated)
    return group
