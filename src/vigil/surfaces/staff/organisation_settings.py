"""``/staff/organisation``: the organisation's settings a coordinator keeps: the emergency
numbers per country that the check-in confirmation shows (``organisations.emergency``) and
the time zone its staff and reporters see times in. Everyone signed in may read them; only
coordinators change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.access import Role
from vigil.casework.grants import parse_thresholds, set_grant_thresholds, thresholds_as_lines
from vigil.core.errors import Forbidden, Invalid
from vigil.core.i18n import gettext
from vigil.core.time_zones import zone_names
from vigil.organisations.emergency import (
    MAX_COUNTRIES,
    MAX_TEXT,
    EmergencyNumbersInvalid,
    as_lines,
    parse_emergency_numbers,
    set_emergency_numbers,
)
from vigil.organisations.models import Organisation
from vigil.organisations.service import set_time_zone
from vigil.surfaces.gate import CurrentStaff, Staff
from vigil.web.deps import DbSession
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = "/staff/organisation"
ZONE_PAGE = "/staff/organisation/time-zone"


def require_coordinator(staff: CurrentStaff) -> Staff:
    if staff.role != Role.coordinator:
        raise Forbidden(gettext("Only coordinators can change the organisation's settings."))
    return staff


Coordinator = Annotated[Staff, Depends(require_coordinator)]


def _problem(line: int, kind: str) -> str:
    messages = {
        "unknown_country": gettext(
            'Line %(line)s: start with a country code and a colon, e.g. "CO: 123".'
        ),
        "empty": gettext("Line %(line)s: no number after the country code."),
        "too_long": gettext("Line %(line)s: at most %(max)s characters per country."),
        "too_many": gettext("At most %(max)s countries."),
    }
    limit = MAX_COUNTRIES if kind == "too_many" else MAX_TEXT
    return messages[kind] % {"line": line, "max": limit}


def _page(
    request: Request, staff: Staff, org: Organisation, text: str, **extra: object
) -> Response:
    context = {
        "staff": staff,
        "organisation": org,
        "numbers_text": text,
        "thresholds_text": thresholds_as_lines(org.grant_thresholds),
        "may_edit": staff.role == Role.coordinator,
        "problems": [],
        "saved": False,
        "zone_names": zone_names(),
        "zone_error": None,
        **extra,
    }
    failed = ("problems", "zone_error", "grant_problem")
    status = 422 if any(extra.get(key) for key in failed) else 200
    return render(request, "staff/organisation/settings.html", context, status)


@router.get(PAGE, name="organisations.settings")
def settings_page(
    request: Request, session: DbSession, staff: CurrentStaff, saved: str = ""
) -> Response:
    org = session.get(Organisation, staff.organisation_id)
    assert org is not None  # the gate found the membership
    return _page(request, staff, org, as_lines(org.emergency_numbers), saved=saved == "1")


@router.post(PAGE, name="organisations.settings_save")
def save_settings(
    request: Request,
    session: DbSession,
    staff: Coordinator,
    emergency_numbers: Annotated[str, Form(max_length=MAX_COUNTRIES * (MAX_TEXT + 10))] = "",
) -> Response:
    """Save, or show the text again as typed with every line that could not be read."""
    org = session.get(Organisation, staff.organisation_id)
    assert org is not None
    try:
        numbers = parse_emergency_numbers(emergency_numbers)
    except EmergencyNumbersInvalid as invalid:
        problems = [_problem(line, kind) for line, kind in sorted(invalid.problems.items())]
        return _page(request, staff, org, emergency_numbers, problems=problems)
    set_emergency_numbers(session, org_id=org.id, numbers=numbers, actor_user_id=staff.user_id)
    return RedirectResponse(f"{PAGE}?saved=1", status_code=303)


@router.post(ZONE_PAGE, name="organisations.time_zone_save")
def save_time_zone(
    request: Request,
    session: DbSession,
    staff: Coordinator,
    time_zone: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Save the organisation's zone (audited), or say the name is unknown."""
    org = session.get(Organisation, staff.organisation_id)
    assert org is not None
    try:
        set_time_zone(session, org_id=org.id, name=time_zone, actor_user_id=staff.user_id)
    except Invalid:
        error = gettext("Choose a time zone from the list.")
        return _page(request, staff, org, as_lines(org.emergency_numbers), zone_error=error)
    return RedirectResponse(f"{PAGE}?saved=1#time-zone", status_code=303)


@router.post(f"{PAGE}/grants", name="organisations.grant_thresholds")
def save_grant_thresholds(
    request: Request,
    session: DbSession,
    staff: Coordinator,
    thresholds: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Up to which amount, per currency, a coordinator may approve an emergency grant they
    requested themselves (casework/grants.py); shown again as typed when a line is wrong."""
    org = session.get(Organisation, staff.organisation_id)
    assert org is not None
    try:
        parsed = parse_thresholds(thresholds)
    except Invalid as error:
        numbers = as_lines(org.emergency_numbers)
        return _page(
            request, staff, org, numbers, grant_problem=str(error), thresholds_text=thresholds
        )
    set_grant_thresholds(session, org_id=org.id, thresholds=parsed, actor_user_id=staff.user_id)
    return RedirectResponse(f"{PAGE}?saved=1#grants-h", status_code=303)
