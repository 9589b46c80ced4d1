"""The staff front door and the on-duty switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.accounts.service import set_on_duty
from vigil.surfaces.gate import CurrentStaff
from vigil.web.deps import DbSession, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/staff", name="accounts.staff_home")
def staff_home() -> Response:
    """The staff surface's front door: "Needs me now" (which asks to sign in if needed)."""
    return RedirectResponse("/staff/now", status_code=303)


@router.post("/staff/duty", name="accounts.duty")
def toggle_duty(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    on_duty: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/staff/reports",
) -> Response:
    """Analysts and coordinators say when they are on duty for urgent reports."""
    set_on_duty(
        session,
        user_id=staff.user_id,
        organisation_id=staff.organisation_id,
        on_duty=on_duty == "yes",
    )
    return RedirectResponse(safe_next(next, "/staff/reports"), status_code=303)
