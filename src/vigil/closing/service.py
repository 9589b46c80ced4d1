"""Resolving and closing a case safely, for the staff surface.

Both go through :func:`guard_closing`: while a blocker stands (``closing.blockers``) the move
is refused with the reasons (:class:`ClosingBlocked`). A coordinator — never an analyst — may
override with a written justification, kept sealed as a case note and audited with the
blockers it overrode. Once the case is resolved or closed, what kept watch over it stops: its
check-in schedules (their links stop working) and its active alerts (resolved, so the chain
escalates no more and recipients learn the case ended). The second review of a high-risk
closure (``casework.service.request_closure``) is unchanged: it comes after these checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import Actor
from vigil.access.roles import Role
from vigil.alerts.models import Alert, AlertStatus
from vigil.alerts.service import stop_alert
from vigil.casework.handover import Handover
from vigil.casework.service import (
    ClosureOutcome,
    add_note,
    change_status,
    load_case,
    request_closure,
    review_closure,
)
from vigil.checkins.service import active_schedules, stop_schedule
from vigil.closing.blockers import Blocker, closing_blockers
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Forbidden, Invalid
from vigil.core.i18n import gettext
from vigil.incidents.models import Incident, IncidentStatus

MAX_CLOSING_MESSAGE = 5000


class ClosingBlocked(Conflict):
    """Refused: the message lists every reason, in the reader's language."""

    def __init__(self, blockers: list[Blocker]) -> None:
        self.blockers = blockers
        reasons = " ".join(b.reason for b in blockers)
        super().__init__(gettext("The case cannot be closed yet.") + " " + reasons)


class MissingJustification(Invalid):
    """An override without the written reason it needs."""


@dataclass(frozen=True)
class Override:
    """A coordinator's decision to close despite the blockers, and why."""

    requested: bool = False
    justification: str = ""


def guard_closing(
    session: Session,
    *,
    vault: Vault,
    incident: Incident,
    actor: Actor,
    override: Override,
) -> None:
    """Refuse while a blocker stands, unless a coordinator overrides it in writing."""
    blockers = closing_blockers(session, incident=incident)
    if not blockers:
        return
    if not override.requested:
        raise ClosingBlocked(blockers)
    if actor.role != Role.coordinator:
        raise Forbidden(gettext("Only a coordinator can override what keeps a case open."))
    if not override.justification.strip():
        raise MissingJustification(
            gettext("Write why the case may be closed despite these reasons.")
        )
    note = add_note(
        session,
        vault=vault,
        org_id=incident.organisation_id,
        incident_id=incident.id,
        body=gettext("Closed despite: %(reasons)s Justification: %(why)s")
        % {
            "reasons": " ".join(b.reason for b in blockers),
            "why": override.justification.strip(),
        },
        actor_user_id=actor.user_id,
    )
    record_event(
        session,
        action="incident.closing_override",
        organisation_id=incident.organisation_id,
        actor_user_id=actor.user_id,
        object_type="incident",
        object_id=incident.id,
        detail={"blockers": [b.code for b in blockers], "note": note.id},
    )


def stop_watching(
    session: Session, *, incident: Incident, actor_user_id: int, now: datetime
) -> None:
    """End the case's check-in schedules, resolve its active alerts and cancel those still
    waiting for a second staff member's approval (never sent: nothing to close with their
    recipients, and a case no longer open cannot send them)."""
    for schedule in active_schedules(session, incident_id=incident.id):
        stop_schedule(
            session,
            org_id=incident.organisation_id,
            incident_id=incident.id,
            schedule_id=schedule.id,
            actor_user_id=actor_user_id,
            now=now,
        )
    waiting = (AlertStatus.active, AlertStatus.awaiting_approval)
    alerts = session.scalars(
        select(Alert).where(Alert.incident_id == incident.id, Alert.status.in_(waiting))
    ).all()
    for alert in alerts:
        sent = alert.status == AlertStatus.active
        stop_alert(
            session,
            alert=alert,
            status=AlertStatus.resolved if sent else AlertStatus.cancelled,
            reason=f"case {incident.status}",
            actor_user_id=actor_user_id,
            now=now,
        )


def resolve_case(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    actor: Actor,
    override: Override,
    now: datetime,
) -> Incident:
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    guard_closing(session, vault=vault, incident=incident, actor=actor, override=override)
    change_status(
        session,
        org_id=org_id,
        incident_id=incident_id,
        status=IncidentStatus.resolved,
        actor_user_id=actor.user_id,
    )
    stop_watching(session, incident=incident, actor_user_id=actor.user_id, now=now)
    return incident


@dataclass(frozen=True)
class Closure:
    reason: str
    note: str
    #: For the reporter(s), shown on their status page once the case is closed.
    message: str = ""
    handover: Handover | None = None


def close_case(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    closure: Closure,
    actor: Actor,
    override: Override,
    now: datetime,
) -> ClosureOutcome:
    """Close (or ask a second analyst to review the closure of) a resolved case."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if len(closure.message) > MAX_CLOSING_MESSAGE:
        raise Invalid(gettext("Please shorten the closing message."))
    guard_closing(session, vault=vault, incident=incident, actor=actor, override=override)
    outcome = request_closure(
        session,
        org_id=org_id,
        incident_id=incident_id,
        reason=closure.reason,
        note=closure.note,
        actor_user_id=actor.user_id,
        handover=closure.handover,
        vault=vault,
    )
    text = closure.message.strip()
    incident.closing_message_sealed = vault.seal(incident.data_key_id, text) if text else None
    session.flush()
    if outcome.closed:
        stop_watching(session, incident=incident, actor_user_id=actor.user_id, now=now)
    return outcome


def review_case_closure(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    approve: bool,
    actor: Actor,
    override: Override,
    now: datetime,
) -> Incident:
    """The second review: approving is closing, so it meets the same checks (a help call may
    have come in since the closure was asked); refusing drops the closing message too."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if approve and incident.closure_requested_by_id not in (None, actor.user_id):
        guard_closing(session, vault=vault, incident=incident, actor=actor, override=override)
    review_closure(
        session,
        org_id=org_id,
        incident_id=incident_id,
        approve=approve,
        actor_user_id=actor.user_id,
    )
    if approve:
        stop_watching(session, incident=incident, actor_user_id=actor.user_id, now=now)
    else:
        incident.closing_message_sealed = None
    return incident
