"""The public summary: the only free text about an incident the public register may show.

The internal summary is written for the case team and names people and places; it is never
published. The public summary is written apart, for the public, and reaches the register
only once a *second* staff member has reviewed it (four eyes: the writer cannot approve their
own text). Writing it again clears the review, so what is published is always exactly what a
reviewer read. It is sealed with the incident's key like the internal summary (forgetting the
incident forgets it too), and refused, at writing, at review and again by the register batch,
when it holds a victim's name or contact, the exact place, the internal title, a phone
number or an e-mail address (:mod:`vigil.incidents.identifying`). Both steps are audited,
without the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.core.audit import record_event
from vigil.core.crypto import Vault, Withheld
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import N_
from vigil.incidents.identifying import find_identifying, identifying_details
from vigil.incidents.models import Incident

MAX_LENGTH = 2000  # said in the message below
IDENTIFYING = N_(
    "The public summary holds an identifying detail (a victim's name or contact, the exact "
    "place, the internal title, a phone number or an e-mail address). Remove it and save again."
)


@dataclass(frozen=True)
class PublicSummary:
    text: str
    written_by_id: int | None
    written_at: datetime | None
    reviewed_by_id: int | None
    reviewed_at: datetime | None
    withheld: bool = False

    @property
    def reviewed(self) -> bool:
        return bool(self.text) and self.reviewed_at is not None


def reveal_public_summary(vault: Vault, incident: Incident) -> PublicSummary:
    """The public summary as staff see it (text "" and ``withheld`` once the key is gone)."""
    try:
        text = vault.open(incident.data_key_id, incident.public_summary_sealed) or ""
        withheld = False
    except Withheld:
        text, withheld = "", True
    return PublicSummary(
        text=text,
        written_by_id=incident.public_summary_written_by_id,
        written_at=incident.public_summary_written_at,
        reviewed_by_id=incident.public_summary_reviewed_by_id,
        reviewed_at=incident.public_summary_reviewed_at,
        withheld=withheld,
    )


def _load(session: Session, org_id: int, incident_id: int) -> Incident:
    return load_in_org(session, Incident, incident_id, org_id=org_id, missing="No such incident.")


def _refuse_identifying(session: Session, vault: Vault, incident: Incident, text: str) -> None:
    if find_identifying(text, identifying_details(session, vault=vault, incident=incident)):
        raise Invalid(IDENTIFYING)


def write_public_summary(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    text: str,
    actor_user_id: int | None,
) -> Incident:
    """Write (or, with an empty text, remove) the public summary. Any earlier review is
    cleared: the new text waits for a second staff member."""
    incident = _load(session, org_id, incident_id)
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise Invalid(N_("Please keep the public summary under 2000 characters."))
    if text:
        _refuse_identifying(session, vault, incident, text)
    incident.public_summary_sealed = vault.seal(incident.data_key_id, text) if text else None
    incident.public_summary_written_by_id = actor_user_id if text else None
    incident.public_summary_written_at = utcnow() if text else None
    incident.public_summary_reviewed_by_id = None
    incident.public_summary_reviewed_at = None
    session.flush()
    record_event(
        session,
        action="incident.public_summary_written" if text else "incident.public_summary_removed",
        organisation_id=incident.organisation_id,
        actor_user_id=actor_user_id,
        object_type="incident",
        object_id=incident.id,
    )
    return incident


def review_public_summary(
    session: Session, *, vault: Vault, org_id: int, incident_id: int, actor_user_id: int
) -> Incident:
    """Approve the public summary for the register: only by someone other than its writer,
    and only if it still holds no identifying detail (a victim may have been added since)."""
    incident = _load(session, org_id, incident_id)
    summary = reveal_public_summary(vault, incident)
    if not summary.text:
        raise Invalid(N_("There is no public summary to review."))
    if summary.written_by_id is None or summary.written_by_id == actor_user_id:
        raise Conflict(N_("A public summary must be reviewed by someone other than its writer."))
    if summary.reviewed_at is not None:
        raise Conflict(N_("This public summary is already reviewed."))
    _refuse_identifying(session, vault, incident, summary.text)
    incident.public_summary_reviewed_by_id = actor_user_id
    incident.public_summary_reviewed_at = utcnow()
    session.flush()
    record_event(
        session,
        action="incident.public_summary_reviewed",
        organisation_id=incident.organisation_id,
        actor_user_id=actor_user_id,
        object_type="incident",
        object_id=incident.id,
        detail={"written_by": summary.written_by_id},
    )
    return incident
