"""``/staff/deliveries``: what the worker has not delivered, so nobody has to read logs to find
out that an alert did not reach someone. Every staff member of the organisation can look
(auditors included); writers can send a failed delivery again. Message content is never
shown here: only who, how, when and why it failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session
from starlette.responses import Response

from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.labels import DELIVERY_STATES
from vigil.alerts.models import Alert
from vigil.contacts.models import Contact
from vigil.core.db import utcnow
from vigil.core.i18n import N_
from vigil.outbox.models import Delivery, DeliveryState
from vigil.outbox.service import retry_failed
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]
PAGE_SIZE = 100
#: Filter value → states shown ("" = everything that still needs attention).
FILTERS: dict[str, tuple[str, ...]] = {
    "": (DeliveryState.failed, DeliveryState.queued),
    "failed": (DeliveryState.failed,),
    "queued": (DeliveryState.queued,),
    "sent": (DeliveryState.sent,),
    "cancelled": (DeliveryState.cancelled,),
}
CHANNEL_LABELS = {"email": N_("E-mail"), "webhook": N_("Webhook")}


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    alert_id: int | None
    incident_id: int | None
    contact_name: str | None
    channel: str
    address: str
    purpose: str
    tier: int | None
    urgency: int
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    failed_at: datetime | None


def list_deliveries(
    session: Session,
    *,
    org_id: int,
    states: tuple[str, ...],
    page: int,
    alert_id: int | None = None,
) -> tuple[list[DeliveryRow], bool]:
    """One page of the organisation's deliveries in ``states``, most urgent and newest first
    (no content: it stays sealed)."""
    query = (
        select(
            Delivery.id,
            Delivery.alert_id,
            Alert.incident_id,
            Contact.name.label("contact_name"),
            Delivery.channel,
            Delivery.address,
            Delivery.purpose,
            Delivery.tier,
            Delivery.urgency,
            Delivery.state,
            Delivery.attempts,
            Delivery.next_attempt_at,
            Delivery.last_error,
            Delivery.created_at,
            Delivery.failed_at,
        )
        .outerjoin(Alert, Alert.id == Delivery.alert_id)
        .outerjoin(Contact, Contact.id == Delivery.contact_id)
        .where(Delivery.organisation_id == org_id, Delivery.state.in_(states))
        .where(Delivery.alert_id == alert_id if alert_id is not None else true())
        .order_by(Delivery.urgency, Delivery.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows = [DeliveryRow(**row) for row in session.execute(query).mappings()]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def state_counts(session: Session, *, org_id: int) -> dict[str, int]:
    return dict(
        session.execute(  # type: ignore[arg-type]
            select(Delivery.state, func.count())
            .where(Delivery.organisation_id == org_id)
            .group_by(Delivery.state)
        ).all()
    )


@router.get("/staff/deliveries", name="alerts.deliveries")
def deliveries_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    state: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: Annotated[str, Query(max_length=20)] = "",
    alert: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    if state not in FILTERS:
        state = ""
    rows, has_next = list_deliveries(
        session, org_id=staff.organisation_id, states=FILTERS[state], page=page, alert_id=alert
    )
    context = {
        "staff": staff,
        "rows": rows,
        "state": state,
        "alert": alert,
        "page": page,
        "has_next": has_next,
        "counts": state_counts(session, org_id=staff.organisation_id),
        "state_labels": DELIVERY_STATES,
        "channel_labels": CHANNEL_LABELS,
        "done": done == "retried",
        "now": utcnow(),
    }
    return render(request, "staff/outbox/deliveries.html", context)


@router.post("/staff/deliveries/{delivery_id}/retry", name="alerts.delivery_retry")
def delivery_retry(session: DbSession, staff: Writer, delivery_id: ObjectId) -> Response:
    retry_failed(
        session,
        org_id=staff.organisation_id,
        delivery_id=delivery_id,
        actor_user_id=staff.user_id,
        now=utcnow(),
        timeline=ALERT_TIMELINE,
    )
    return RedirectResponse("/staff/deliveries?state=failed&done=retried", status_code=303)
