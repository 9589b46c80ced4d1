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
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.access import load_in_org
from vigil.casework.service import load_case
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.db import Base, utcnow
from vigil.core.errors import Conflict, Invalid

REASON_MAX = 2000


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


def confirm_exception(
    session: Session, *, org_id: int, incident_id: int, exception_id: int, actor_user_id: int
) -> EmergencyException:
    """The second staff member's confirmation; the one who asked cannot give it."""
    exception = load_in_org(
        session,
        EmergencyException,
        exception_id,
        org_id=org_id,
        missing="No such emergency exception.",
        incident_id=incident_id,
    )
    if exception.confirmed_at is not None:
        raise Conflict("This emergency exception is already confirmed.")
    if exception.requested_by_id is None or exception.requested_by_id == actor_user_id:
        raise Conflict("Another staff member must confirm the exception you asked for.")
    exception.confirmed_by_id = actor_user_id
    exception.confirmed_at = utcnow()
    session.flush()
    _audit(session, exception, "consent.emergency_confirmed", actor_user_id)
    return exception


def has_confirmed_exception(session: Session, *, incident_id: int) -> bool:
    return (
        session.scalar(
            select(EmergencyException.id)
            .where(
                EmergencyException.incident_id == incident_id,
                EmergencyException.confirmed_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


def exceptions_of(session: Session, *, incident_id: int) -> list[EmergencyException]:
    """The case's exceptions, newest first (for the case page)."""
    return list(
        session.scalars(
            select(EmergencyException)
            .where(EmergencyException.incident_id == incident_id)
            .order_by(EmergencyException.id.desc())
        )
    )
