"""``/check-in``: the two check-in answers with the 16-digit receipt of a report.

A wrong receipt and a receipt without a schedule get the same answer, and the receipt is
checked by the same function as on the report-status page (``intake.receipts.check_receipt``:
one per-prefix budget for both); a right receipt's "I need help now" is never refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from vigil.checkins.models import CheckInSchedule
from vigil.checkins.service import (
    check_in_with_receipt,
    parse_answer,
)
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, NotFound
from vigil.core.i18n import gettext as _
from vigil.incidents.models import Incident
from vigil.intake.models import Report
from vigil.intake.receipts import Answer, check_receipt
from vigil.organisations.emergency import emergency_numbers_for
from vigil.organisations.service import time_zone_of
from vigil.web.deps import AppSettings, DbSession, RequestVault
from vigil.web.templating import render, show_times_in

router = APIRouter(include_in_schema=False)


def _receipt_form(request: Request, error: str | None = None, status: int = 200) -> Response:
    return render(request, "intake/checkin_form.html", {"error": error}, status)


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
    """Checked like ``/report/status`` (``intake.receipts.check_receipt``, same prefix
    budget). "I need help now" is a help call: with the right receipt it is raised even when
    the prefix is over its limit, and the page then answers the same, right receipt or not,
    so a guesser learns nothing from it. "I am safe" is refused there instead: a guessed
    "safe" would silence an overdue check-in."""
    now = utcnow()
    safe = parse_answer(answer)
    if safe is None:
        return _receipt_form(request, _("Choose one of the two answers."), 422)
    checked = check_receipt(
        session, vault=vault, settings=settings, typed=receipt, now=now, help_call=not safe
    )
    if checked.answer is Answer.REFUSED:
        return _receipt_form(
            request, _("Too many attempts. Please wait 15 minutes and try again."), 429
        )
    if checked.answer is Answer.UNCONFIRMED:
        _raise_help_quietly(session, settings, report=checked.report, now=now)
        context = {"safe": False, "unconfirmed": True}
        return render(request, "checkin_done.html", context, 202)
    try:
        if checked.answer is not Answer.RIGHT or checked.report is None:
            raise NotFound("No report matches this receipt.")
        next_due = _check_in(session, settings, report=checked.report, safe=safe, now=now)
    except NotFound:
        return _receipt_form(
            request, _("No check-in matches this receipt. Check the 16 digits."), 404
        )
    except Conflict:
        return _receipt_form(
            request, _("Please check in with your own check-in link, or call us."), 409
        )
    incident = session.get(Incident, checked.report.incident_id or 0)
    numbers = emergency_numbers_for(
        session,
        org_id=checked.report.organisation_id,
        country=incident.country if incident else None,
    )
    show_times_in(request, time_zone_of(session, org_id=checked.report.organisation_id))
    context = {"safe": safe, "next_due": next_due, "emergency_numbers": numbers}
    return render(request, "checkin_done.html", context)


def _check_in(
    session: Session, settings: Settings, *, report: Report, safe: bool, now: datetime
) -> datetime | None:
    """Record the answer; the soonest next due time of the schedules it counted for (what
    the confirmation page tells the defender)."""
    check_ins = check_in_with_receipt(
        session,
        settings,
        org_id=report.organisation_id,
        incident_id=report.incident_id,
        safe=safe,
        now=now,
    )
    schedules = (session.get(CheckInSchedule, c.schedule_id) for c in check_ins)
    return min((s.next_due_at for s in schedules if s is not None), default=None)


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
