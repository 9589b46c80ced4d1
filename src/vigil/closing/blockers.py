"""What keeps a case from being resolved or closed, as a list of named checks.

A protection desk must not file away a case while the defender may still be in danger:
- the last check-in said "I need help now" (nobody has heard since that they are safe);
- the risk is extraordinary or extreme and nobody re-assessed it after the last help call
  (an assessment made before the call describes a situation that no longer exists);
- an urgent item for the case waits in the "needs me now" inbox, unacknowledged.

Each check is a function of the case returning a :class:`Blocker` or ``None``; ``CHECKS``
lists them, so a new rule is one more function in the list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.alerts.models import Alert
from vigil.casework.lifecycle import HIGH_RISK
from vigil.casework.service import latest_assessment
from vigil.checkins.models import CheckIn, CheckInSchedule
from vigil.core.i18n import N_, gettext
from vigil.inbox.service import urgent_item_waits
from vigil.incidents.models import Incident
from vigil.intake.models import Report

MESSAGES = {
    "help_call": N_(
        'The last safety check-in asked for help ("I need help now"): wait for a check-in '
        "that says the defender is safe."
    ),
    "risk_not_reassessed": N_(
        "The risk is extraordinary or extreme and was not re-assessed after the last call "
        "for help: record a new risk assessment first."
    ),
    "urgent_inbox": N_(
        'An urgent item about this case waits in the "needs me now" inbox: acknowledge it first.'
    ),
}


@dataclass(frozen=True)
class Blocker:
    code: str

    @property
    def reason(self) -> str:
        """The reason, in the reader's language."""
        return gettext(MESSAGES[self.code])


def _check_ins(incident_id: int):  # type: ignore[no-untyped-def]
    return (
        select(CheckIn)
        .join(CheckInSchedule, CheckInSchedule.id == CheckIn.schedule_id)
        .where(CheckInSchedule.incident_id == incident_id)
    )


def last_help_call_at(session: Session, *, incident_id: int) -> datetime | None:
    query = _check_ins(incident_id).where(CheckIn.safe.is_(False))
    return session.scalar(query.with_only_columns(func.max(CheckIn.at)))


def help_call(session: Session, incident: Incident) -> Blocker | None:
    """Per person checking in: one defender's "I am safe" never covers another's call for
    help (a replaced schedule of the same defender counts as theirs)."""
    rows = session.execute(
        _check_ins(incident.id)
        .with_only_columns(CheckInSchedule.defender_id, CheckIn.safe)
        .order_by(CheckIn.at.desc(), CheckIn.id.desc())
    ).all()
    last_by_person: dict[int | None, bool] = {}
    for defender_id, safe in rows:
        last_by_person.setdefault(defender_id, safe)
    return Blocker("help_call") if not all(last_by_person.values()) else None


def risk_not_reassessed(session: Session, incident: Incident) -> Blocker | None:
    """Only an assessment made strictly after the last help call counts as a re-assessment."""
    latest = latest_assessment(session, incident_id=incident.id)
    if latest is None or latest.level not in HIGH_RISK:
        return None
    called = last_help_call_at(session, incident_id=incident.id)
    if called is None or latest.assessed_at > called:
        return None
    return Blocker("risk_not_reassessed")


def urgent_inbox(session: Session, incident: Incident) -> Blocker | None:
    """An urgent inbox item nobody acknowledged, about the case itself (a help call, a missed
    check-in), one of the reports it came from (an urgent report, a reporter's message) or
    one of its alerts."""
    waits = urgent_item_waits(
        session,
        org_id=incident.organisation_id,
        about=[
            ("incident", [incident.id]),
            ("report", select(Report.id).where(Report.incident_id == incident.id)),
            ("alert", select(Alert.id).where(Alert.incident_id == incident.id)),
        ],
    )
    return Blocker("urgent_inbox") if waits else None


#: Every check, in the order the page lists their reasons.
CHECKS: list[Callable[[Session, Incident], Blocker | None]] = [
    help_call,
    risk_not_reassessed,
    urgent_inbox,
]


def closing_blockers(session: Session, *, incident: Incident) -> list[Blocker]:
    return [b for check in CHECKS if (b := check(session, incident)) is not None]
