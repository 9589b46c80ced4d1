"""The check-in link ``/l/{token}`` (dispatched here by ``surfaces.link.pages``): two buttons,
"I am safe" and "I need help now". No account, no script, nothing on the page names anyone or
the organisation."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from vigil.checkins.models import CheckInSchedule
from vigil.checkins.service import (
    parse_answer,
    record_check_in,
)
from vigil.core.config import Settings
from vigil.core.i18n import gettext as _
from vigil.incidents.models import Incident
from vigil.links.models import SignedLink
from vigil.links.service import record_use
from vigil.organisations.emergency import emergency_numbers_for
from vigil.organisations.service import time_zone_of
from vigil.web.templating import render, show_times_in


def link_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    context = {"action_path": request.url.path, "error": error}
    return render(request, "link/checkin.html", context, status)


def link_answer(
    request: Request,
    session: Session,
    settings: Settings,
    link: SignedLink,
    answer: str,
    now: datetime,
) -> Response:
    safe = parse_answer(answer)
    if safe is None:
        return link_page(request, _("Choose one of the two answers."), 422)
    schedule = session.get(CheckInSchedule, link.check_in_schedule_id)
    if schedule is None or not schedule.active:
        return render(request, "link/invalid.html", {}, 404)
    record_check_in(session, settings, schedule=schedule, method="link", safe=safe, now=now)
    record_use(session, link, now=now, action="safe" if safe else "help")
    incident = session.get(Incident, schedule.incident_id)
    show_times_in(request, time_zone_of(session, org_id=schedule.organisation_id))
    context = {
        "safe": safe,
        "next_due": schedule.next_due_at,
        "emergency_numbers": emergency_numbers_for(
            session, org_id=schedule.organisation_id, country=incident.country if incident else None
        ),
    }
    return render(request, "checkin_done.html", context)
