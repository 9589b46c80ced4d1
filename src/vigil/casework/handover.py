"""Handing a case to another organisation when closing it.

A handover shares the case with someone new, so it is recorded only with the agreement of the
defender's own side (the defender, a recorded representative or the community's assembly or
authority; a reporter's word never counts, as in the consent ledger). The record says which
organisation took the case, on which day, and what was handed over, so that a later analyst
knows where the defender's file went and what the other organisation already holds. What was
handed over and the agreeing relation are sealed with the incident's key; the audit entry
names neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.casework.models import CaseHandover
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid
from vigil.defenders.consent import NEEDS_RELATION, OWN_GIVERS
from vigil.incidents.models import Incident

MAX_ITEMS = 5000


@dataclass(frozen=True)
class Handover:
    """What the closure form says about a handover (checked by :func:`check_handover`)."""

    organisation: str
    handed_on: date | None
    items: str
    agreed_by: str
    relation: str = ""


def check_handover(handover: Handover, *, today: date) -> Handover:
    """The handover cleaned, or Invalid/Conflict naming what is missing."""
    organisation = " ".join(handover.organisation.split())
    if not organisation or len(organisation) > 200:
        raise Invalid("Name the organisation the case is handed to (at most 200 characters).")
    if handover.handed_on is None or handover.handed_on > today:
        raise Invalid("Give the day of the handover (not in the future).")
    items = handover.items.strip()
    if not items or len(items) > MAX_ITEMS:
        raise Invalid("Say what was handed over (at most 5000 characters).")
    if handover.agreed_by not in OWN_GIVERS:
        raise Conflict(
            "A case is handed over only with the agreement of the defender, a representative "
            "or their community: a reporter's word is not enough."
        )
    relation = handover.relation.strip()[:120]
    if handover.agreed_by in NEEDS_RELATION and not relation:
        raise Invalid("Record who agreed: the representative's relation or the community's body.")
    return Handover(organisation, handover.handed_on, items, handover.agreed_by, relation)


def record_handover(
    session: Session,
    *,
    vault: Vault,
    incident: Incident,
    handover: Handover,
    actor_user_id: int | None,
) -> CaseHandover:
    """Store a handover already checked by :func:`check_handover`."""
    row = CaseHandover(
        incident_id=incident.id,
        receiving_organisation=handover.organisation,
        handed_on=handover.handed_on,
        items_sealed=vault.seal(incident.data_key_id, handover.items),
        agreed_by=handover.agreed_by,
        relation_sealed=vault.seal(incident.data_key_id, handover.relation or None),
        recorded_by_id=actor_user_id,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        action="incident.handed_over",
        organisation_id=incident.organisation_id,
        actor_user_id=actor_user_id,
        object_type="incident",
        object_id=incident.id,
        detail={"handover": row.id, "agreed_by": handover.agreed_by},
    )
    return row


def handovers_of(session: Session, *, vault: Vault, incident: Incident) -> list[dict[str, Any]]:
    """The case's handovers, newest first, opened for the case page."""
    rows = session.scalars(
        select(CaseHandover)
        .where(CaseHandover.incident_id == incident.id)
        .order_by(CaseHandover.id.desc())
    )
    return [
        {
            "row": row,
            "handed": vault.reveal(incident.data_key_id, row.items_sealed),
            "relation": vault.reveal(incident.data_key_id, row.relation_sealed),
        }
        for row in rows
    ]
