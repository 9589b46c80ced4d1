"""Whether a published urgent action may still be public, and why not.

Why it is built this way: a victim may withdraw at any time (their choice of public action,
or their register consent). Deleting the action with its register row made staff lose the
asks, letters and recipients they wrote; instead the action stays with its case and its page
answers "no longer public" while either

- the case has no register row (the register batch withdrew it: ``not_registered``), or
- a victim no longer chose public action themselves (``not_public``).

The first is seen at once by the public side (it joins the case's current register row).
The second needs the consent ledger, which public code may not read, so it is written on the
action (``UrgentAction.withheld``) by :func:`recheck_actions`: after every register refresh
(worker, demo), on the staff page and before every publication. Re-consent and a refresh
bring the page back with the same code.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.audit import record_event
from vigil.core.i18n import N_
from vigil.urgent_actions.eligibility import every_victim_chose_public, register_row
from vigil.urgent_actions.models import ActionStatus, UrgentAction


class Withheld(StrEnum):
    not_public = "not_public"
    not_registered = "not_registered"


#: What the staff page says for each reason.
WHY = {
    Withheld.not_public: N_(
        "Not public: a victim no longer chose public action. The page says it is no longer "
        "public; it comes back if every victim chooses public action again."
    ),
    Withheld.not_registered: N_(
        "Not public: the case left the public register (a consent was withdrawn or the case "
        "changed). The page comes back when the register publishes the case again."
    ),
}


def reason_of(session: Session, action: UrgentAction) -> str:
    """Why the action may not be public now ("" when it may), most protective first."""
    if not every_victim_chose_public(session, incident_id=action.incident_id):
        return Withheld.not_public
    if register_row(session, incident_id=action.incident_id) is None:
        return Withheld.not_registered
    return ""


def recheck_actions(session: Session, *, incident_ids: Collection[int] | None = None) -> int:
    """Write each published or closed action's ``withheld`` (only the consent part is
    stored; the register part is also read live); returns how many changed (audited)."""
    query = select(UrgentAction).where(UrgentAction.status != ActionStatus.draft)
    if incident_ids is not None:
        query = query.where(UrgentAction.incident_id.in_(list(incident_ids)))
    changed = 0
    for action in session.scalars(query.order_by(UrgentAction.id)):
        reason = reason_of(session, action)
        stored = Withheld.not_public if reason == Withheld.not_public else ""
        if action.withheld == stored:
            continue
        action.withheld = stored
        changed += 1
        record_event(
            session,
            action="urgent_action.withheld" if stored else "urgent_action.public_again",
            organisation_id=action.organisation_id,
            object_type="urgent_action",
            object_id=action.id,
            detail={"incident": action.incident_id, "reason": stored},
        )
    session.flush()
    return changed
