"""Losing contact with a defender is a warning sign, never a reason to close their case.

Protection desks treat a defender who stops answering as possibly detained, abducted or
disappeared until someone has verified otherwise. So "the defender cannot be reached", offered
among the closure reasons because that is where an analyst looks for it, opens an urgent
verification task for the case's assignee, due today, and puts a resolved case back to active;
:func:`vigil.casework.service.request_closure` refuses it as a closure reason.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from vigil.casework.models import CaseTask
from vigil.casework.service import load_case, touch_case
from vigil.casework.tasks import add_task
from vigil.incidents.models import IncidentStatus

VERIFICATION_TASK = (
    "Verify the defender is safe: contact was lost, a warning sign of detention or "
    "disappearance. Try every agreed channel and their trusted contacts; do not close the case."
)


def report_lost_contact(
    session: Session, *, org_id: int, incident_id: int, today: date, actor_user_id: int
) -> CaseTask:
    """Open (once a day) the verification task and keep the case open and active."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if incident.status == IncidentStatus.resolved:
        incident.status = IncidentStatus.active
        incident.closure_requested_by_id = None
    task = add_task(
        session,
        org_id=org_id,
        incident_id=incident.id,
        title=VERIFICATION_TASK,
        due_on=today,
        actor_user_id=actor_user_id,
        origin="contact_lost",
        source_key=f"contact-lost:{incident.id}:{today.isoformat()}",
    )
    touch_case(session, incident, "incident.contact_lost", actor_user_id, task=task.id)
    return task
