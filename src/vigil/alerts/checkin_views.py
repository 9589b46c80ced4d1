"""Safety check-in pages.

Defender side (no account, no script, nothing on the page names anyone or the organisation):
- the check-in link ``/l/{token}`` (dispatched here by ``link_views``): two buttons, "I am
  safe" and "I need help now";
- ``/check-in``: the same two answers with the 16-digit receipt of their report. A wrong
  receipt and a receipt without a schedule get the same answer, and wrong receipts count
  against the same per-prefix budget as the report-status page (``intake.receipt_guard``);
  a right receipt's "I need help now" is never refused.

Staff side (writers only, tenancy-checked): start a schedule (the check-in link is shown once,
right after), stop it, renew its link, record a check-in made by phone. The case's alerts
page (``/staff/incidents/{id}/alerts``) shows ``alerts/_checkins.html``; the forms return there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from vigil.accounts.deps import Staff, require_writer
from vigil.alerts.checkins import (
    check_in_with_receipt,
    load_schedule,
    new_check_in_link,
    record_check_in,
    start_schedule,
    stop_schedule,
)
from vigil.alerts.links import link_url, record_use
from vigil.alerts.models import CheckInSchedule, SignedLink
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.i18n import gettext as _
from vigil.intake.models import Report
from vigil.intake.receipt_guard import check_receipt
from vigil.web.deps import AppSettings, DbSession, ObjectId, RequestVault
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]
ANSWERS = {"safe": True, "help": False}


def _answer(text: str) -> bool | None:
    return ANSWERS.get(text.strip())


# --- Defender side ----------------------------------------------------------------------------


def link_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    context = {"action_path": request.url.path, "error": error}
    return render(request, "alerts/checkin_link.html", context, status)


def link_answer(
    request: Request,
    session: Session,
    settings: Settings,
    link: SignedLink,
    answer: str,
    now: datetime,
) -> Response:
    safe = _answer(answer)
    if safe is None:
        return link_page(request, _("Choose one of the two answers."), 422)
    schedule = session.get(CheckInSchedule, link.check_in_schedule_id)
    if schedule is None or not schedule.active:
        return render(request, "alerts/link_invalid.html", {}, 404)
    record_check_in(session, settings, schedule=schedule, method="link", safe=safe, now=now)
    record_use(session, link, now=now, action="safe" if safe else "help")
    return render(request, "alerts/checkin_done.html", {"safe": safe})


def _receipt_form(request: Request, error: str | None = None, status: int = 200) -> Response:
    return render(request, "alerts/checkin_form.html", {"error": error}, status)


@router.get("/check-in", name="checkins.receipt_form")
def receipt_form(request: Request) -> Response:
    return _receipt_form(request)


@router.post("/check-in", name="checkins.receipt")
def receipt_check_in(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    settings: AppSettings,
    receipt: Annotated[str, Form(max_length=64)] = "",
    answer: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Guarded like ``/report/status`` (``intake.receipt_guard``: same prefix budget), with
    one difference: "I need help now" with the right receipt is raised even when the prefix
    is over its limit; the page then answers the same, right receipt or not, so a guesser
    learns nothing from it. "I am safe" is refused there instead: a guessed "safe" would
    silence an overdue check-in."""
    now = utcnow()
    safe = _answer(answer)
    if safe is None:
        return _receipt_form(request, _("Choose one of the two answers."), 422)
    checked = check_receipt(
        session,
        vault=vault,
        secret=settings.secret,
        limit=settings.receipt_max_failures_per_prefix,
        typed=receipt,
        now=now,
    )
    if not checked.within_limit:
        if safe:
            return _receipt_form(
                request, _("Too many attempts. Please wait 15 minutes and try again."), 429
            )
        _raise_help_quietly(session, settings, report=checked.report, now=now)
        context = {"safe": False, "unconfirmed": True}
        return render(request, "alerts/checkin_done.html", context, 202)
    try:
        if checked.report is None:
            raise NotFound("No report matches this receipt.")
        _check_in(session, settings, report=checked.report, safe=safe, now=now)
    except NotFound:
        return _receipt_form(
            request, _("No check-in matches this receipt. Check the 16 digits."), 404
        )
    except Conflict:
        return _receipt_form(
            request, _("Please check in with your own check-in link, or call us."), 409
        )
    return render(request, "alerts/checkin_done.html", {"safe": safe})


def _check_in(
    session: Session, settings: Settings, *, report: Report, safe: bool, now: datetime
) -> None:
    check_in_with_receipt(
        session,
        settings,
        org_id=report.organisation_id,
        incident_id=report.incident_id,
        safe=safe,
        now=now,
    )


def _raise_help_quietly(
    session: Session, settings: Settings, *, report: Report | None, now: datetime
) -> None:
    """Over the prefix limit: a right receipt still raises the alarm, and nothing about the
    outcome reaches the page (no schedule, or several, looks like a wrong receipt)."""
    if report is None:
        return
    try:
        _check_in(session, settings, report=report, safe=False, now=now)
    except (NotFound, Conflict):
        return


# --- Staff side -------------------------------------------------------------------------------


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
    return render(request, "alerts/checkin_started.html", context, 201)


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
    safe = _answer(answer)
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
