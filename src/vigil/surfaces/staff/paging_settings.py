"""A staff member's own paging channels: a phone number for SMS and voice calls, a Signal
number, and which of them page them besides e-mail (which always does). Help calls, urgent
reports and unacknowledged inbox items reach people through these choices
(``outbox/staff_paging.py``). The same page keeps the time zone this person reads times in
(none: the organisation's)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.accounts.models import User
from vigil.accounts.service import set_user_time_zone
from vigil.core.errors import Invalid
from vigil.core.i18n import gettext
from vigil.core.time_zones import zone_names
from vigil.organisations.models import Organisation
from vigil.outbox.paging_choices import (
    NUMBER_MAX_CHARS,
    PagingForm,
    PagingInvalid,
    paging_choices,
    set_paging_choices,
)
from vigil.surfaces.gate import CurrentStaff, Staff
from vigil.web.deps import AppSettings, DbSession, RequestVault
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = "/staff/account/paging"
ZONE_PAGE = "/staff/account/time-zone"
Number = Annotated[str, Form(max_length=NUMBER_MAX_CHARS * 2)]
Ticked = Annotated[str, Form(max_length=3)]


def _zones(session: DbSession, staff: Staff) -> dict[str, Any]:
    user = session.get(User, staff.user_id)
    org = session.get(Organisation, staff.organisation_id)
    return {
        "own_zone": user.time_zone if user else None,
        "organisation_zone": org.time_zone if org else "UTC",
        "zone_names": zone_names(),
    }


def _context(staff: Staff, settings: AppSettings, form: PagingForm, **extra: Any) -> dict[str, Any]:
    return {
        "staff": staff,
        "form": form,
        "errors": {},
        "saved": False,
        "sms_ready": settings.sms_configured,
        "signal_ready": settings.signal_configured,
        **extra,
    }


@router.get(PAGE, name="accounts.paging")
def paging_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    settings: AppSettings,
    vault: RequestVault,
    saved: str = "",
    zone_saved: str = "",
) -> Response:
    """The form, filled with the stored choice (numbers opened for their owner only)."""
    form = paging_choices(session, vault, user_id=staff.user_id)
    context = _context(
        staff, settings, form, saved=saved == "1", zone_saved=zone_saved == "1"
    ) | _zones(session, staff)
    return render(request, "staff/accounts/paging.html", context)


@router.post(PAGE, name="accounts.paging_save")
def save_paging(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    settings: AppSettings,
    vault: RequestVault,
    phone: Number = "",
    signal_number: Number = "",
    sms: Ticked = "",
    voice: Ticked = "",
    signal: Ticked = "",
) -> Response:
    """Save, or show the form again as typed with what is wrong beside each field."""
    form = PagingForm(
        phone=phone.strip(),
        signal_number=signal_number.strip(),
        sms=sms == "yes",
        voice=voice == "yes",
        signal=signal == "yes",
    )
    try:
        set_paging_choices(
            session, vault, org_id=staff.organisation_id, user_id=staff.user_id, form=form
        )
    except PagingInvalid as problem:
        context = _context(staff, settings, form, errors=problem.errors) | _zones(session, staff)
        return render(request, "staff/accounts/paging.html", context, 422)
    return RedirectResponse(f"{PAGE}?saved=1", status_code=303)


@router.post(ZONE_PAGE, name="accounts.time_zone_save")
def save_time_zone(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    settings: AppSettings,
    vault: RequestVault,
    time_zone: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Save this person's zone ("" for the organisation's), or say the name is unknown."""
    try:
        set_user_time_zone(
            session, org_id=staff.organisation_id, user_id=staff.user_id, name=time_zone
        )
    except Invalid:
        form = paging_choices(session, vault, user_id=staff.user_id)
        context = _context(staff, settings, form) | _zones(session, staff)
        context["zone_error"] = gettext("Choose a time zone from the list.")
        return render(request, "staff/accounts/paging.html", context, 422)
    return RedirectResponse(f"{PAGE}?zone_saved=1#time-zone", status_code=303)
