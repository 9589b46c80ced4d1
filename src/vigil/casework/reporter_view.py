"""What the reporter's status page says about the case their report became: accepted, being
handled, or closed with the message the analyst wrote when closing.

The reporter sees three states, not the team's lifecycle: a case in set-up (received, triage,
verified) is "accepted", one being worked (active, monitoring, resolved — a resolved case may
still reopen, and a closure may wait for its second review) is "being handled", and a closed
one is "closed". A case merged into another shows the surviving case.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from vigil.core.crypto import Vault
from vigil.core.i18n import N_, gettext
from vigil.incidents.models import Incident, IncidentStatus
from vigil.intake.models import Report

LABELS = {
    "accepted": N_("Accepted: the organisation is setting up a case"),
    "handled": N_("Being handled: the organisation is working on your case"),
    "closed": N_("Closed: the organisation has finished its work on this case"),
}
HANDLED = (IncidentStatus.active, IncidentStatus.monitoring, IncidentStatus.resolved)
ENDED = (IncidentStatus.closed, IncidentStatus.rejected)


@dataclass(frozen=True)
class ReporterCaseView:
    state: str
    closing_message: str | None

    @property
    def label(self) -> str:
        return gettext(LABELS[self.state])


def _surviving_case(session: Session, incident: Incident) -> Incident:
    seen = {incident.id}
    while incident.duplicate_of_id is not None and incident.duplicate_of_id not in seen:
        survivor = session.get(Incident, incident.duplicate_of_id)
        if survivor is None:
            break
        seen.add(survivor.id)
        incident = survivor
    return incident


def reporter_case_view(
    session: Session, *, vault: Vault, report: Report
) -> ReporterCaseView | None:
    """``None`` while the report has not become a case."""
    if report.incident_id is None:
        return None
    incident = session.get(Incident, report.incident_id)
    if incident is None:
        return None
    incident = _surviving_case(session, incident)
    if incident.status in ENDED:
        message = None
        if incident.status == IncidentStatus.closed and incident.closing_message_sealed:
            message = vault.reveal(incident.data_key_id, incident.closing_message_sealed)
        return ReporterCaseView("closed", message or None)
    return ReporterCaseView("handled" if incident.status in HANDLED else "accepted", None)
