"""Every access to a case is audited (``core.audit``): each page or API that shows a case
records it here, once per request, whatever else the page loads on the way.

The action names predate this module and are kept (existing logs and filters use them); what
is the same everywhere is the rest: the organisation, the actor, ``object_type="incident"``
and one entry per case per request.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from vigil.access.roles import Actor
from vigil.core.audit import record_event

#: ``session.info`` key: the (actor, case) pairs already recorded in this session. A web
#: session lives for one request, so this is "once per request".
_RECORDED = "vigil.access.case_reads"


class CaseView(StrEnum):
    """Where a case was read; the value is the audit action."""

    summary = "incident.viewed"
    case = "incident.case_viewed"
    alerts = "incident.alerts_viewed"
    alert = "incident.alert_viewed"
    leverage = "incident.leverage_viewed"
    link_company = "incident.link_company_viewed"
    responses = "incident.responses_viewed"  # the right of reply (responses/)


def record_case_read(session: Session, *, actor: Actor, incident_id: int, view: CaseView) -> bool:
    """Record that ``actor`` read the case, unless this session already did; returns whether
    an entry was written. The caller has already checked the case is the actor's
    organisation's (``incidents.service.case_for_reading`` does both)."""
    recorded: set[tuple[int, int]] = session.info.setdefault(_RECORDED, set())
    if (actor.user_id, incident_id) in recorded:
        return False
    record_event(
        session,
        action=view.value,
        organisation_id=actor.org_id,
        actor_user_id=actor.user_id,
        object_type="incident",
        object_id=incident_id,
    )
    recorded.add((actor.user_id, incident_id))
    return True
