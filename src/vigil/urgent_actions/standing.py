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

Going offline is never silent: when a published action becomes ``not_public`` (the case is
still in the register, so a watcher could otherwise only notice a 410), the coordinators get
one urgent inbox item pointing at the staff page, which says why, and every subscriber of the
case, its region or its types of attack gets a neutral "this action has ended" through the
outbox, without the case's title, note or link (a reason would tell a perpetrator that the
defender changed course). A closed action has already ended: nothing is sent.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.audit import record_event
from vigil.core.db import utcnow
from vigil.core.i18n import N_
from vigil.inbox.models import InboxKind
from vigil.inbox.service import raise_item
from vigil.urgent_actions.eligibility import every_victim_chose_public, register_row
from vigil.urgent_actions.models import ActionStatus, UrgentAction
from vigil.urgent_actions.service import Mailer
from vigil.urgent_actions.subscriptions import mail_ended


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


def recheck_actions(
    session: Session, *, mailer: Mailer, incident_ids: Collection[int] | None = None
) -> int:
    """Write each published or closed action's ``withheld`` (only the consent part is
    stored; the register part is also read live); returns how many changed (audited). A
    published action going offline is announced (:func:`_announce_withdrawal`)."""
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
        if stored and action.status == ActionStatus.published:
            _announce_withdrawal(session, mailer, action)
    session.flush()
    return changed


def _announce_withdrawal(session: Session, mailer: Mailer, action: UrgentAction) -> None:
    """One urgent inbox item per withdrawal, and the neutral end mail to subscribers."""
    now = utcnow()
    raise_item(
        session,
        org_id=action.organisation_id,
        kind=InboxKind.urgent_action_withdrawn,
        object_type="urgent_action",
        object_id=action.id,
        path=f"/staff/actions/{action.id}",
        source_key=f"urgent_action_withdrawn:{action.id}:{now.isoformat()}",
        urgent=True,
        now=now,
    )
    mailed = mail_ended(
        session, mailer.vault, secret=mailer.secret, action=action, base_url=mailer.base_url
    )
    record_event(
        session,
        action="urgent_action.ended_announced",
        organisation_id=action.organisation_id,
        object_type="urgent_action",
        object_id=action.id,
        detail={"mailed": mailed},
    )
