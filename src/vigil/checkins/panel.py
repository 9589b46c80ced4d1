"""What the case's alerts page shows about check-ins: each active schedule with its last
answer and whether it is overdue or missed, the recent history, and the case's defenders for
the start form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.casework.service import load_case
from vigil.checkins.models import CheckIn, CheckInSchedule
from vigil.checkins.service import EVERY_OPTIONS, active_schedules, case_victims
from vigil.core.db import utcnow

HISTORY = 20


@dataclass(frozen=True)
class ScheduleState:
    schedule: CheckInSchedule
    defender_alias: str | None
    last: CheckIn | None
    overdue: bool  # the next check-in's time has passed (a miss is raised after the grace)
    missed: bool  # a miss was raised and no check-in came since


@dataclass(frozen=True)
class CheckInPanel:
    """What the case's alerts page shows about check-ins."""

    schedules: list[ScheduleState]
    history: list[CheckIn]  # newest first, every schedule of the case
    defenders: list[tuple[int, str]]  # the case's victims, for the start form
    every_options: tuple[int, ...] = EVERY_OPTIONS


def check_in_panel(
    session: Session, *, org_id: int, incident_id: int, now: datetime | None = None
) -> CheckInPanel:
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    moment = now or utcnow()
    defenders = case_victims(session, incident.id)
    aliases = dict(defenders)
    states = []
    for schedule in active_schedules(session, incident_id=incident.id):
        last = session.scalar(
            select(CheckIn)
            .where(CheckIn.schedule_id == schedule.id)
            .order_by(CheckIn.at.desc(), CheckIn.id.desc())
            .limit(1)
        )
        states.append(
            ScheduleState(
                schedule=schedule,
                defender_alias=aliases.get(schedule.defender_id) if schedule.defender_id else None,
                last=last,
                overdue=schedule.next_due_at < moment,
                missed=schedule.missed_since is not None,
            )
        )
    history = list(
        session.scalars(
            select(CheckIn)
            .join(CheckInSchedule, CheckInSchedule.id == CheckIn.schedule_id)
            .where(CheckInSchedule.incident_id == incident.id)
            .order_by(CheckIn.at.desc(), CheckIn.id.desc())
            .limit(HISTORY)
        )
    )
    return CheckInPanel(schedules=states, history=history, defenders=defenders)
