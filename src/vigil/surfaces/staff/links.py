"""Withdrawing the signed links of an alert (all, or one contact's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.alerts.recipient_actions import revoke_alert_links
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.surfaces.gate import Staff, require_writer
from vigil.web.deps import DbSession, ObjectId

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


@router.post("/staff/alerts/{alert_id}/links/revoke", name="links.revoke")
def revoke(
    session: DbSession,
    staff: Writer,
    alert_id: ObjectId,
    contact: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Withdraw every link of the alert, or only those of one contact."""
    contact_id = None
    if contact.strip():
        if not contact.strip().isdigit() or not 0 < int(contact.strip()) < 2**31:
            raise Invalid("Choose a contact of this alert.")
        contact_id = int(contact.strip())
    alert, _count = revoke_alert_links(
        session,
        org_id=staff.organisation_id,
        alert_id=alert_id,
        contact_id=contact_id,
        actor_user_id=staff.user_id,
        now=utcnow(),
    )
    return RedirectResponse(
        f"/staff/incidents/{alert.incident_id}/alerts?done=links_revoked", status_code=303
    )
