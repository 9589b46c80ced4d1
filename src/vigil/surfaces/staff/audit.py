"""Staff page for the audit log: coordinators and auditors browse their organisation's entries
(HTMX-filterable, plain links without JS). Analysts get a 404, like any page they may not see,
so the page does not advertise itself to roles that have no business there."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.responses import Response

from vigil.access import may_read_audit
from vigil.audit.service import list_events
from vigil.core.errors import Invalid
from vigil.core.i18n import gettext
from vigil.surfaces.gate import CurrentStaff, Staff
from vigil.web.deps import DbSession
from vigil.web.templating import is_htmx, render

router = APIRouter(prefix="/staff/audit", include_in_schema=False)

#: Offered as suggestions in the action filter (any action or family can be typed).
COMMON_ACTIONS = (
    "audit.viewed",
    "incident.recorded",
    "incident.viewed",
    "signin",
    "signin.code_failed",
    "signin.failed",
    "signin.succeeded",
    "signout",
    "user.created",
    "user.enrolled",
)


def audit_reader(staff: CurrentStaff) -> Staff:
    if not may_read_audit(staff.actor):
        raise HTTPException(status_code=404)  # the same answer as a page that does not exist
    return staff


AuditReader = Annotated[Staff, Depends(audit_reader)]


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(gettext("Enter dates as year-month-day, e.g. 2026-03-14.")) from None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@router.get("", name="audit.list")
def audit_page(
    request: Request,
    session: DbSession,
    staff: AuditReader,
    action: Annotated[str | None, Query(max_length=60)] = None,
    actor: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    action = (action or "").strip() or None
    first_day, last_day = _day(since), _day(until)
    result = list_events(
        session,
        org_id=staff.organisation_id,
        action=action,
        actor_user_id=actor,
        since=_midnight(first_day) if first_day else None,
        until=_midnight(last_day + timedelta(days=1)) if last_day else None,  # whole last day
        page=page,
        viewer_user_id=staff.user_id,
    )
    filters = {"action": action, "actor": actor, "since": first_day, "until": last_day}
    query = urlencode({key: value for key, value in filters.items() if value})
    template = "staff/audit/_table.html" if is_htmx(request) else "staff/audit/list.html"
    return render(
        request,
        template,
        {
            "staff": staff,
            "result": result,
            "action": action,
            "actor": actor,
            "since": first_day,
            "until": last_day,
            "query": query,
            "common_actions": COMMON_ACTIONS,
        },
    )
