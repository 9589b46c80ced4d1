"""Staff side of safety check-ins (writers only, tenancy-checked): start a schedule (the
check-in link is shown once, right after), stop it, renew its link, record a check-in made by
phone. The case's alerts page (``/staff/incidents/{id}/alerts``) shows
``staff/alerts/_checkins.html``; the forms return there.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.checkins.models import CheckInSchedule
from vigil.checkins.service import (
    load_schedule,
    new_check_in_link,
    parse_answer,
    record_check_in,
    start_schedule,
    stop_schedule,
)
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.links.service import link_url
from vigil.surfaces.gate import Staff, require_writer
from vigil.web.deps import AppSettings, DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


def _back(incident_id: int, done: str) -> Response:
    return RedirectResponse(
        f"/staff/incidents/{incident_id}/alerts?done={done}#check-ins", status_code=303
    )


def _hours(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError as exc:
        raise Invalid("Give the interval in hours.") from exc


def _whole(text: str, what: str) -> int:
    value = text.strip()
    if not value.isdigit() or len(value) > 9:
        raise Invalid(f"Give the {what} as a whole number.")
    return int(value)


def _link_shown_once(
    request: Request, staff: Staff, settings: Settings, schedule: CheckInSchedule, token: str
) -> Response:
    context = {
        "staff": staff,
        "schedule": schedule,
        "check_in_url": link_url(settings, token),
        "back": f"/staff/incidents/{schedule.incident_id}/alerts#check-ins",
    }
    return render(request, "staff/checkins/started.html", context, 201)


@router.post("/staff/incidents/{incident_id}/check-ins", name="checkins.start")
def start(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    staff: Writer,
    incident_id: ObjectId,
    every_hours: Annotated[str, Form(max_length=10)],
    grace_minutes: Annotated[str, Form(max_length=10)] = "60",
    defender: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    schedule, token = start_schedule(
        session,
        settings,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        defender_id=_whole(defender, "defender") if defender.strip() else None,
        every_hours=_hours(every_hours),
        grace_minutes=_whole(grace_minutes, "grace period"),
        actor_user_id=staff.user_id,
        now=utcnow(),
    )
    return _link_shown_once(request, staff, settings, schedule, token)


@router.post(
    "/staff/incidents/{incident_id}/check-ins/{schedule_id}/link", name="checkins.renew_link"
)
def renew_link(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    staff: Writer,
    incident_id: ObjectId,
    schedule_id: ObjectId,
) -> Response:
    token = new_check_in_link(
        session,
        settings,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        schedule_id=schedule_id,
        actor_user_id=staff.user_id,
        now=utcnow(),
    )
    schedule = load_schedule(
        session, org_id=staff.organisation_id, incident_id=incident_id, schedule_id=schedule_id
    )
    return _link_shown_once(request, staff, settings, schedule, token)


@router.post("/staff/incidents/{incident_id}/check-ins/{schedule_id}/stop", name="checkins.stop")
def stop(
    session: DbSession, staff: Writer, incident_id: ObjectId, schedule_id: ObjectId
) -> Response:
    stop_schedule(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        schedule_id=schedule_id,
        actor_user_id=staff.user_id,
        now=utcnow(),
    )
    return _back(incident_id, "checkin_stopped")


@router.post(
    "/staff/incidents/{incident_id}/check-ins/{schedule_id}/record", name="checkins.record"
)
def record(
    session: DbSession,
    settings: AppSettings,
    staff: Writer,
    incident_id: ObjectId,
    schedule_id: ObjectId,
    answer: Annotated[str, Form(max_length=10)],
) -> Response:
    """A check-in the defender made by phone (or in person), recorded by an analyst."""
    safe = parse_answer(answer)
    if safe is None:
        raise Invalid("Say whether the defender is safe or needs help.")
    schedule = load_schedule(
        session, org_id=staff.organisation_id, incident_id=incident_id, schedule_id=schedule_id
    )
    record_check_in(
        session,
        settings,
        schedule=schedule,
        method="analyst",
        safe=safe,
        now=utcnow(),
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "checkin_recorded")
