"""The emergency exception: alerting on a case without the defender's own consent.

Every alert needs the defender's own consent (``vigil.defenders.consent.sharing_consent``).
When a life is at risk and the defender cannot be reached (detained, disappeared, in
hiding), one staff member records why, and the exception holds only once a *second* staff
member confirms it: one person's judgement never sends a defender's case to a company alone.
The reason is sealed with the case's key (it usually says who is at risk and where), so
forgetting the person makes it unreadable like the rest of the case; the audit log says only
that an exception was asked for or confirmed, on which case, by whom.

An exception covers missing consent and a third party's wish, never a refusal: "record
only", a withdrawn record or a forgotten person still stop every alert, and alerts sent under
it follow quiet diplomacy.

An exception is for an emergency, so it does not last: it holds from its confirmation until
``expires_at`` (``emergency_exception_hours`` later, 72 by default; a staff member may renew
it for as long again) and a staff member may withdraw it at any time (the defender was
reached, the danger passed). Both are audited. From that instant (``holds``: allowed up to,
not including, the expiry) an alert that relied on it is refused, and a later tier is not sent.

Per recipient type (alerts/facts.py ``recipient_consented``): while it holds, it stands in for
the scopes of the recipient types the playbook's tiers need (a state protection mechanism, UN
and regional bodies, funders) for a defender who never decided on them; never for the media
(no naming in public on anyone else's judgement), never for the location or the use of
evidence, and never against a scope the defender withdrew.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.access import load_in_org
from vigil.casework.service import load_case
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.db import Base, utcnow
from vigil.core.errors import Conflict, Invalid

REASON_MAX = 2000
#: Used when the caller passes no setting (``Settings.emergency_exception_hours``).
DEFAULT_HOURS = 72


class EmergencyException(Base):
    """One exception for one case: asked for by one staff member, confirmed by another."""

    __tablename__ = "emergency_exceptions"
    __table_args__ = (
        CheckConstraint(
            "confirmed_by_id IS NULL OR confirmed_by_id <> requested_by_id",
            name="second_person_confirms",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    reason_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None]
    #: End of the exception (set on confirmation, moved on renewal).
    expires_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]

    def holds(self, at: datetime) -> bool:
        """Confirmed, not withdrawn, and ``at`` before its expiry."""
        return (
            self.confirmed_at is not None
            and self.withdrawn_at is None
            and (self.expires_at is None or at < self.expires_at)
        )


def _audit(session: Session, exception: EmergencyException, action: str, actor: int) -> None:
    record_event(
        session,
        action=action,
        organisation_id=exception.organisation_id,
        actor_user_id=actor,
        object_type="incident",
        object_id=exception.incident_id,
        detail={"exception": exception.id},
    )


def request_exception(
    session: Session,
    vault: Vault,
    *,
    org_id: int,
    incident_id: int,
    reason: str,
    actor_user_id: int,
) -> EmergencyException:
    """Record why the case must be alerted on without the defender's consent. It allows
    nothing until another staff member confirms it."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    reason = reason.strip()
    if not reason:
        raise Invalid("Say why: whose life is at risk, and why the defender cannot be reached.")
    exception = EmergencyException(
        organisation_id=org_id,
        incident_id=incident.id,
        reason_sealed=vault.seal(incident.data_key_id, reason[:REASON_MAX]),
        requested_by_id=actor_user_id,
    )
    session.add(exception)
    session.flush()
    _audit(session, exception, "consent.emergency_requested", actor_user_id)
    return exception


def _load(session: Session, org_id: int, incident_id: int, exception_id: int) -> EmergencyException:
    return load_in_org(
        session,
        EmergencyException,
        exception_id,
        org_id=org_id,
        missing="No such emergency exception.",
        incident_id=incident_id,
    )


def confirm_exception(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    exception_id: int,
    actor_user_id: int,
    hours: int = DEFAULT_HOURS,
) -> EmergencyException:
    """The second staff member's confirmation; the one who asked cannot give it. It holds
    for ``hours`` (``Settings.emergency_exception_hours``)."""
    exception = _load(session, org_id, incident_id, exception_id)
    if exception.confirmed_at is not None:
        raise Conflict("This emergency exception is already confirmed.")
    if exception.requested_by_id is None or exception.requested_by_id == actor_user_id:
        raise Conflict("Another staff member must confirm the exception you asked for.")
    exception.confirmed_by_id = actor_user_id
    exception.confirmed_at = utcnow()
    exception.expires_at = exception.confirmed_at + timedelta(hours=hours)
    session.flush()
    _audit(session, exception, "consent.emergency_confirmed", actor_user_id)
    return exception


def renew_exception(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    exception_id: int,
    actor_user_id: int,
    hours: int = DEFAULT_HOURS,
) -> EmergencyException:
    """Extend a confirmed exception that still holds by ``hours`` from now: the danger and
    the silence are still there. A lapsed or withdrawn one needs a new request."""
    exception = _load(session, org_id, incident_id, exception_id)
    now = utcnow()
    if not exception.holds(now):
        raise Conflict("This emergency exception no longer holds: ask for a new one.")
    exception.expires_at = now + timedelta(hours=hours)
    session.flush()
    _audit(session, exception, "consent.emergency_renewed", actor_user_id)
    return exception


def withdraw_exception(
    session: Session, *, org_id: int, incident_id: int, exception_id: int, actor_user_id: int
) -> EmergencyException:
    """End the exception now (the defender was reached, the danger passed); audited."""
    exception = _load(session, org_id, incident_id, exception_id)
    if exception.withdrawn_at is not None:
        raise Conflict("This emergency exception is already withdrawn.")
    exception.withdrawn_at = utcnow()
    exception.withdrawn_by_id = actor_user_id
    session.flush()
    _audit(session, exception, "consent.emergency_withdrawn", actor_user_id)
    return exception


def has_confirmed_exception(
    session: Session, *, incident_id: int, at: datetime | None = None
) -> bool:
    """Whether an exception holds on the case at ``at`` (now by default; never cached)."""
    when = at or utcnow()
    exceptions = session.scalars(
        select(EmergencyException).where(
            EmergencyException.incident_id == incident_id,
            EmergencyException.confirmed_at.is_not(None),
            EmergencyException.withdrawn_at.is_(None),
        )
    )
    return any(e.holds(when) for e in exceptions)


def exceptions_of(session: Session, *, incident_id: int) -> list[EmergencyException]:
    """The case's exceptions, newest first (for the case page)."""
    return list(
        session.scalars(
            select(EmergencyException)
            .where(EmergencyException.incident_id == incident_id)
            .order_by(EmergencyException.id.desc())
        )
    )
