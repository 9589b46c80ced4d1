"""Staff pages for import runs: the organisation's runs, one run with its problems by line,
and rolling a run back (coordinators only: a rollback deletes records for everyone).

The corporate registry's runs belong to no organisation and are administered from the
command line (``vigil import runs``); they never appear here. The upload page of the
incident importer extends this module.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.access.roles import Role
from vigil.core.errors import Conflict, Forbidden
from vigil.core.i18n import N_, gettext
from vigil.imports.models import RunKind, RunState
from vigil.imports.rollback import rollback_run
from vigil.imports.runs import count_problems, get_run, list_runs, run_problems
from vigil.imports.uploads.service import upload_for_run
from vigil.surfaces.gate import CurrentStaff, Staff
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(prefix="/staff/imports", include_in_schema=False)

KIND_LABELS = {
    RunKind.incidents: N_("Incidents"),
    RunKind.companies: N_("Companies (CSV)"),
    RunKind.ftm: N_("Companies (FollowTheMoney)"),
    RunKind.contacts: N_("Contacts"),
    RunKind.playbooks: N_("Playbook"),
}
STATE_LABELS = {
    RunState.running: N_("Running"),
    RunState.finished: N_("Finished"),
    RunState.failed: N_("Failed"),
    RunState.rolled_back: N_("Rolled back"),
}


def require_coordinator(staff: CurrentStaff) -> Staff:
    if staff.role != Role.coordinator:
        raise Forbidden(gettext("Only coordinators can see and roll back import runs."))
    return staff


Coordinator = Annotated[Staff, Depends(require_coordinator)]


def _labels() -> dict[str, Any]:
    return {
        "kind_label": lambda kind: gettext(KIND_LABELS[kind]) if kind in KIND_LABELS else kind,
        "state_label": lambda s: gettext(STATE_LABELS[s]) if s in STATE_LABELS else s,
    }


@router.get("", name="imports.list")
def runs_page(request: Request, session: DbSession, staff: Coordinator) -> Response:
    runs = list_runs(session, organisation_id=staff.organisation_id)
    return render(request, "staff/imports/list.html", {"staff": staff, "runs": runs, **_labels()})


def _run_page(
    request: Request,
    session: DbSession,
    staff: Staff,
    run_id: int,
    *,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    run = get_run(session, run_id=run_id, organisation_id=staff.organisation_id)
    context = {
        "staff": staff,
        "run": run,
        "problems": run_problems(session, run=run),
        "problem_count": count_problems(session, run=run),
        "error": error,
        "rolled_back": done == "rolled_back",
        "upload": upload_for_run(session, org_id=staff.organisation_id, run_id=run.id),
        **_labels(),
    }
    return render(request, "staff/imports/read.html", context, status)


@router.get("/{run_id}", name="imports.read")
def run_page(
    request: Request,
    session: DbSession,
    staff: Coordinator,
    run_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _run_page(request, session, staff, run_id, done=done)


@router.post("/{run_id}/rollback", name="imports.rollback")
def rollback(
    request: Request, session: DbSession, staff: Coordinator, run_id: ObjectId
) -> Response:
    try:
        with session.begin_nested():
            rollback_run(
                session,
                run_id=run_id,
                organisation_id=staff.organisation_id,
                by_user_id=staff.user_id,
            )
    except Conflict as refused:
        return _run_page(request, session, staff, run_id, error=str(refused), status=409)
    return RedirectResponse(f"/staff/imports/{run_id}?done=rolled_back", status_code=303)
