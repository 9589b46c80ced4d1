"""Staff review queue of likely duplicate companies: list, merge, "not the same", unmerge.

Every signed-in staff member can read the queue (the registry is shared by all organisations);
only writers (coordinators, analysts) decide, with POST forms carrying the CSRF token. Each
decision is audited under the decider's organisation by the service functions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from vigil.companies.dedupe import (
    explain_json,
    list_proposals,
    merge_proposal,
    reject_proposal,
    unmerge_proposal,
)
from vigil.companies.resolution_models import DuplicateProposal, ProposalStatus
from vigil.core.i18n import N_, gettext
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import is_htmx, render

router = APIRouter(prefix="/staff/companies/duplicates", include_in_schema=False)

Writer = Annotated[Staff, Depends(require_writer)]

STATUS_LABELS = {
    ProposalStatus.pending: N_("To review"),
    ProposalStatus.merged: N_("Merged"),
    ProposalStatus.rejected: N_("Not the same"),
    ProposalStatus.superseded: N_("Replaced by a later proposal"),
}
NOTICES = {
    "merged": N_("The records were merged. Unmerge restores them."),
    "rejected": N_("Noted: these records will not be proposed again."),
    "unmerged": N_("The records were unmerged; the proposal is back in the queue."),
}


def status_label(status: str) -> str:
    message = STATUS_LABELS.get(status)  # type: ignore[call-overload]
    return gettext(message) if message else status


def suggested_survivor(proposal: DuplicateProposal) -> int:
    """The member with most identifiers and names, then the oldest record."""
    member = min(
        proposal.members,
        key=lambda m: (-len(m.company.identifiers) - len(m.company.names), m.company_id),
    )
    return member.company_id


@router.get("", name="companies.duplicates")
def duplicates_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    status: Annotated[str, Query(max_length=20)] = ProposalStatus.pending,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    result = list_proposals(session, status=status or ProposalStatus.pending, page=page)
    notice = NOTICES.get(done)
    context = {
        "staff": staff,
        "result": result,
        "status": status,
        "statuses": [(s.value, status_label(s)) for s in ProposalStatus],
        "status_label": status_label,
        "explain": explain_json,
        "suggested_survivor": suggested_survivor,
        "notice": gettext(notice) if notice else None,
    }
    template = (
        "staff/companies/dedupe_list.html"
        if is_htmx(request)
        else "staff/companies/dedupe_page.html"
    )
    return render(request, template, context)


def _back(done: str) -> Response:
    return RedirectResponse(f"/staff/companies/duplicates?done={done}", status_code=303)


@router.post("/{proposal_id}/merge", name="companies.duplicates_merge")
def merge(
    session: DbSession,
    staff: Writer,
    proposal_id: ObjectId,
    survivor_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
) -> Response:
    merge_proposal(
        session,
        proposal_id=proposal_id,
        survivor_id=survivor_id,
        actor_user_id=staff.user_id,
        organisation_id=staff.organisation_id,
    )
    return _back("merged")


@router.post("/{proposal_id}/reject", name="companies.duplicates_reject")
def reject(session: DbSession, staff: Writer, proposal_id: ObjectId) -> Response:
    reject_proposal(
        session,
        proposal_id=proposal_id,
        actor_user_id=staff.user_id,
        organisation_id=staff.organisation_id,
    )
    return _back("rejected")


@router.post("/{proposal_id}/unmerge", name="companies.duplicates_unmerge")
def unmerge(session: DbSession, staff: Writer, proposal_id: ObjectId) -> Response:
    unmerge_proposal(
        session,
        proposal_id=proposal_id,
        actor_user_id=staff.user_id,
        organisation_id=staff.organisation_id,
    )
    return _back("unmerged")
