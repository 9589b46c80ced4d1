"""Drafting, publishing, updating and closing urgent actions (staff side).

Analysts and coordinators draft and edit; only a coordinator ticks the recipients, publishes,
publishes an update or publishes the closure, because each of those speaks for the
organisation in public. Every change is audited (``urgent_action.*``, never a text). The
victims' consent and the register row are checked again right before publishing and before
each update (``eligibility``): a consent withdrawn since the draft stops the publication.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.access.roles import Actor, Role, may_write
from vigil.contacts.models import Contact
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid
from vigil.core.i18n import LOCALES, N_
from vigil.incidents.identifying import find_identifying, identifying_details
from vigil.incidents.models import Incident, IncidentStatus
from vigil.urgent_actions.eligibility import check_eligible
from vigil.urgent_actions.models import ActionStatus, UrgentAction, UrgentActionRecipient
from vigil.urgent_actions.subscriptions import mail_update

MAX_ASKS = 10
IDENTIFYING = N_(
    "An urgent action is public: remove the name, place, phone number or e-mail address "
    "that could identify someone in the case."
)


@dataclass(frozen=True)
class Mailer:
    """What mailing subscribers needs besides the session: keys, server secret, public URL."""

    vault: Vault
    secret: bytes
    base_url: str


def _writer(actor: Actor) -> None:
    if not may_write(actor):
        raise Forbidden("Your role is read-only.")


def _coordinator(actor: Actor) -> None:
    if actor.role != Role.coordinator:
        raise Forbidden("Only a coordinator can do this.")


def _refuse_identifying(
    session: Session, vault: Vault, action: UrgentAction, texts: list[str]
) -> None:
    """Every word of an action is published at once: the check the public summary passes
    (a victim's name or contact, the exact place, the internal title, any phone number or
    e-mail address) refuses it, so a secret typed into an ask or a letter never goes online."""
    incident = session.get(Incident, action.incident_id)
    if incident is None:
        raise Conflict("No such case.")
    details = identifying_details(session, vault=vault, incident=incident)
    if any(find_identifying(text, details) for text in texts if text):
        raise Conflict(IDENTIFYING)


def _audit(
    session: Session, actor: Actor, action: UrgentAction, what: str, **detail: object
) -> None:
    record_event(
        session,
        action=f"urgent_action.{what}",
        organisation_id=actor.org_id,
        actor_user_id=actor.user_id,
        object_type="urgent_action",
        object_id=action.id,
        detail={"incident": action.incident_id, **detail},
    )


def load_action(session: Session, *, actor: Actor, action_id: int) -> UrgentAction:
    return load_in_org(
        session, UrgentAction, action_id, org_id=actor.org_id, missing="No such urgent action."
    )


def org_actions(session: Session, *, actor: Actor) -> list[UrgentAction]:
    return list(
        session.scalars(
            select(UrgentAction)
            .where(UrgentAction.organisation_id == actor.org_id)
            .order_by(UrgentAction.id.desc())
        )
    )


def draft_action(session: Session, *, actor: Actor, incident_id: int) -> UrgentAction:
    """Start a draft for a case every victim of which chose public action, and which is in
    the public register; refused otherwise (:class:`Conflict` with the reason)."""
    _writer(actor)
    incident = load_in_org(
        session, Incident, incident_id, org_id=actor.org_id, missing="No such case."
    )
    check_eligible(session, incident_id=incident.id)
    action = UrgentAction(
        organisation_id=actor.org_id, incident_id=incident.id, created_by_id=actor.user_id
    )
    session.add(action)
    session.flush()
    _audit(session, actor, action, "drafted")
    return action


def edit_action(
    session: Session,
    *,
    vault: Vault,
    actor: Actor,
    action_id: int,
    asks: list[str],
    letters: dict[str, str],
    deadline: date | None,
) -> UrgentAction:
    _writer(actor)
    action = load_action(session, actor=actor, action_id=action_id)
    if action.status == ActionStatus.closed:
        raise Conflict("This urgent action is closed.")
    cleaned = [ask.strip()[:1000] for ask in asks if ask.strip()]
    if len(cleaned) > MAX_ASKS:
        raise Invalid("Keep to ten asks at most.")
    kept = {
        lang: text.strip() for lang, text in letters.items() if lang in LOCALES and text.strip()
    }
    _refuse_identifying(session, vault, action, [*cleaned, *kept.values()])
    action.asks = cleaned
    action.letters = kept
    action.deadline = deadline
    action.updated_at = utcnow()
    session.flush()
    _audit(session, actor, action, "edited")
    return action


def set_recipients(
    session: Session, *, actor: Actor, action_id: int, contact_ids: list[int]
) -> UrgentAction:
    """The coordinator ticks directory contacts with an e-mail address; each is copied as
    shown (organisation, title, language, address)."""
    _coordinator(actor)
    action = load_action(session, actor=actor, action_id=action_id)
    contacts = session.scalars(
        select(Contact).where(
            Contact.organisation_id == actor.org_id,
            Contact.id.in_(contact_ids),
            Contact.email.is_not(None),
        )
    ).all()
    action.recipients = [
        UrgentActionRecipient(
            contact_id=c.id,
            organisation_name=c.organisation_name,
            title=c.title,
            language=c.language,
            address=c.email or "",
        )
        for c in sorted(contacts, key=lambda c: c.id)
    ]
    session.flush()
    _audit(session, actor, action, "recipients_set", count=len(action.recipients))
    return action


def _ready(action: UrgentAction) -> None:
    if not action.asks or action.deadline is None or not action.letters or not action.recipients:
        raise Invalid("Give at least one ask, a deadline, a model letter and one recipient.")


def _next_number(session: Session, year: int) -> int:
    highest = session.scalar(select(func.max(UrgentAction.number)).where(UrgentAction.year == year))
    return int(highest or 0) + 1


def publish_action(
    session: Session, mailer: Mailer, *, actor: Actor, action_id: int
) -> UrgentAction:
    """Give the draft its number ("UA 12/26"), put it online, and tell the confirmed
    subscribers of its region and types of attack."""
    _coordinator(actor)
    action = load_action(session, actor=actor, action_id=action_id)
    if action.status != ActionStatus.draft:
        raise Conflict("This urgent action is already published.")
    check_eligible(session, incident_id=action.incident_id)
    action.withheld = ""
    _ready(action)
    # Checked again: a victim's name or the exact place may have been recorded since the edit.
    _refuse_identifying(session, mailer.vault, action, [*action.asks, *action.letters.values()])
    now = utcnow()
    action.year = now.year % 100
    action.number = _next_number(session, action.year)
    action.status = ActionStatus.published
    action.published_at = action.updated_at = now
    session.flush()
    sent = mail_update(
        session, mailer.vault, secret=mailer.secret, action=action, base_url=mailer.base_url
    )
    _audit(session, actor, action, "published", code=action.code, mailed=sent)
    return action


def publish_update(
    session: Session, mailer: Mailer, *, actor: Actor, action_id: int, note: str
) -> UrgentAction:
    """A new suffix ("UA 12/26-1", "-2"…) with its note, mailed once to every confirmed
    subscriber of the case, its region and its types of attack."""
    _coordinator(actor)
    action = load_action(session, actor=actor, action_id=action_id)
    if action.status != ActionStatus.published:
        raise Conflict("Only a published, open urgent action can be updated.")
    if not note.strip():
        raise Invalid("Say what changed.")
    check_eligible(session, incident_id=action.incident_id)
    _refuse_identifying(session, mailer.vault, action, [note])
    action.withheld = ""
    action.suffix += 1
    action.update_note = note.strip()[:5000]
    action.updated_at = utcnow()
    session.flush()
    sent = mail_update(
        session, mailer.vault, secret=mailer.secret, action=action, base_url=mailer.base_url
    )
    _audit(session, actor, action, "updated", code=action.code, mailed=sent)
    return action


def close_action(
    session: Session, *, vault: Vault, actor: Actor, action_id: int, outcome: str
) -> UrgentAction:
    """Once the case is closed: publish the outcome (the coordinator's public words) and the
    case's closure reason; the counter and the subscription form stop."""
    _coordinator(actor)
    action = load_action(session, actor=actor, action_id=action_id)
    if action.status != ActionStatus.published:
        raise Conflict("Only a published, open urgent action can be closed.")
    incident = session.get(Incident, action.incident_id)
    if incident is None or incident.status != IncidentStatus.closed:
        raise Conflict("Close the case first.")
    _refuse_identifying(session, vault, action, [outcome])
    action.closure_reason = incident.closure_reason
    action.outcome = outcome.strip()[:5000]
    action.status = ActionStatus.closed
    action.closed_at = action.updated_at = utcnow()
    session.flush()
    _audit(session, actor, action, "closed", reason=action.closure_reason)
    return action
