"""Forms of the case page for support measures, the provider directory and referrals.
Plain POSTs by writers only, each redirecting back to the case page (post/redirect/get)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.casework.grants import decide_grant, disburse_grant, report_grant
from vigil.casework.referrals import add_referral, record_answer
from vigil.casework.service import load_case
from vigil.casework.support import add_measure, add_provider, change_measure_status
from vigil.core.errors import Invalid
from vigil.surfaces.gate import Staff, require_writer
from vigil.web.deps import DbSession, ObjectId, RequestVault

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]
DateField = Annotated[str, Form(max_length=10)]


def _back(incident_id: int, done: str, anchor: str) -> Response:
    return RedirectResponse(
        f"/staff/incidents/{incident_id}/case?done={done}#{anchor}", status_code=303
    )


def _date(text: str) -> date | None:
    return _required_date(text) if text.strip() else None


def _required_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise Invalid("Give the date as YYYY-MM-DD.") from exc


def _sent_at(sent_on: date, text: str) -> datetime | None:
    """The date sent with the time of the form's time field (UTC), if one was given."""
    if not text.strip():
        return None
    try:
        return datetime.combine(sent_on, time.fromisoformat(text.strip()), UTC)
    except ValueError as exc:
        raise Invalid("Give the time as HH:MM.") from exc


def _id(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 10 else None


@router.post("/staff/incidents/{incident_id}/measures", name="casework.measure_add")
def measure_add(
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    kind: Annotated[str, Form(max_length=30)],
    provider: Annotated[str, Form(max_length=12)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    currency: Annotated[str, Form(max_length=3)] = "",
    requested_on: DateField = "",
    notes: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    add_measure(
        session,
        vault=vault,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        kind=kind,
        provider_id=_id(provider),
        amount=amount,
        currency=currency,
        requested_on=_date(requested_on),
        notes=notes,
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "measure_added", "support-h")


@router.post(
    "/staff/incidents/{incident_id}/measures/{measure_id}/status", name="casework.measure_status"
)
def measure_status(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    measure_id: ObjectId,
    status: Annotated[str, Form(max_length=20)],
    on: DateField = "",
) -> Response:
    change_measure_status(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        measure_id=measure_id,
        status=status,
        on=_date(on),
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "measure_moved", "support-h")


@router.post(
    "/staff/incidents/{incident_id}/grants/{measure_id}/decision", name="casework.grant_decide"
)
def grant_decide(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    measure_id: ObjectId,
    decision: Annotated[str, Form(max_length=10)],
    on: DateField = "",
) -> Response:
    """Approve or refuse an emergency grant (coordinators; four eyes above the threshold)."""
    if decision not in ("approve", "refuse"):
        raise Invalid("Choose to approve or refuse the grant.")
    decide_grant(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        measure_id=measure_id,
        approve=decision == "approve",
        actor=staff.actor,
        on=_date(on),
    )
    done = "grant_approved" if decision == "approve" else "grant_refused"
    return _back(incident_id, done, f"measure-{measure_id}")


@router.post(
    "/staff/incidents/{incident_id}/grants/{measure_id}/disbursement",
    name="casework.grant_disburse",
)
def grant_disburse(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    measure_id: ObjectId,
    method: Annotated[str, Form(max_length=30)],
    on: DateField = "",
) -> Response:
    disburse_grant(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        measure_id=measure_id,
        method=method,
        on=_date(on),
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "grant_disbursed", f"measure-{measure_id}")


@router.post(
    "/staff/incidents/{incident_id}/grants/{measure_id}/report", name="casework.grant_report"
)
def grant_report(
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    measure_id: ObjectId,
    report: Annotated[str, Form(max_length=20_000)],
) -> Response:
    report_grant(
        session,
        vault=vault,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        measure_id=measure_id,
        report=report,
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "grant_reported", f"measure-{measure_id}")


@router.post("/staff/incidents/{incident_id}/providers", name="casework.provider_add")
def provider_add(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    name: Annotated[str, Form(max_length=200)],
    kind: Annotated[str, Form(max_length=30)],
    country: Annotated[str, Form(max_length=2)] = "",
    contact: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    load_case(session, org_id=staff.organisation_id, incident_id=incident_id)
    add_provider(
        session,
        org_id=staff.organisation_id,
        name=name,
        kind=kind,
        country=country,
        contact=contact,
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "provider_added", "support-h")


@router.post("/staff/incidents/{incident_id}/referrals", name="casework.referral_add")
def referral_add(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    body_name: Annotated[str, Form(max_length=200)],
    body_kind: Annotated[str, Form(max_length=40)],
    sent_on: DateField,
    deadline_on: DateField = "",
    business_days: Annotated[str, Form(max_length=3)] = "",
    deadline_hours: Annotated[str, Form(max_length=3)] = "",
    sent_time: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    days, hours = business_days.strip(), deadline_hours.strip()
    if days and not days.isdigit():
        raise Invalid("The deadline in business days must be a number.")
    if hours and not hours.isdigit():
        raise Invalid("The deadline in hours must be a number.")
    sent = _required_date(sent_on)
    add_referral(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        body_name=body_name,
        body_kind=body_kind,
        sent_on=sent,
        sent_at=_sent_at(sent, sent_time),
        deadline_on=_date(deadline_on),
        business_days=int(days) if days else None,
        deadline_hours=int(hours) if hours else None,
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "referral_sent", "referrals-h")


@router.post(
    "/staff/incidents/{incident_id}/referrals/{referral_id}/answer",
    name="casework.referral_answer",
)
def referral_answer(
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    referral_id: ObjectId,
    answer: Annotated[str, Form(max_length=20_000)],
    received_on: DateField,
) -> Response:
    record_answer(
        session,
        vault=vault,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        referral_id=referral_id,
        answer=answer,
        received_on=_required_date(received_on),
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "referral_answered", "referrals-h")
