"""Safety check-ins: a defender at high risk says "I am safe" every so often; silence, or
"I need help now", puts the case team on alert at once.

How it stays safe:
- The defender checks in through a check-in link (a signed link of purpose ``check_in``, given
  once to the analyst to hand over) or with the receipt of their report at ``/check-in``, or
  by phone with an analyst recording it. None of these pages names anyone.
- A check-in missed by more than the grace period raises one urgent task and one e-mail per
  member of the case team, however often the job runs and however many workers run it: the
  schedule's ``missed_since`` is set by a guarded UPDATE (only one transaction can set it),
  rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL, and the task's ``source_key``
  is unique per schedule and due time.
- E-mails carry the case number and a staff URL only: never the defender's name, never the
  case's content.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.casework.models import CaseTask
from vigil.casework.service import load_case, touch_case
from vigil.casework.tasks import add_task
from vigil.checkins.models import CheckIn, CheckInSchedule
from vigil.core.audit import record_event
from vigil.core.config import Settings
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.defenders.models import Defender
from vigil.inbox.models import InboxKind
from vigil.inbox.service import raise_item
from vigil.incidents.models import Act, Incident
from vigil.links.models import LinkPurpose
from vigil.links.service import issue_link, revoke_links
from vigil.outbox.paging import case_team_user_ids
from vigil.outbox.staff_paging import page_users

MIN_EVERY_HOURS, MAX_EVERY_HOURS = 1, 168
MAX_GRACE_MINUTES = 24 * 60
METHODS = ("link", "receipt", "analyst")
#: Intervals offered on the case page (any whole or decimal number of hours in range works).
EVERY_OPTIONS = (6, 12, 24, 48, 72, 168)
#: The inbox item each urgent origin raises.
INBOX_KINDS = {"check_in_help": InboxKind.help_call, "missed_check_in": InboxKind.missed_check_in}


def active_schedules(session: Session, *, incident_id: int) -> list[CheckInSchedule]:
    return list(
        session.scalars(
            select(CheckInSchedule)
            .where(CheckInSchedule.incident_id == incident_id, CheckInSchedule.active.is_(True))
            .order_by(CheckInSchedule.id)
        )
    )


def case_victims(session: Session, incident_id: int) -> list[tuple[int, str]]:
    rows = session.execute(
        select(Defender.id, Defender.alias)
        .join(Act, Act.victim_id == Defender.id)
        .where(Act.incident_id == incident_id)
        .distinct()
        .order_by(Defender.id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def _issue(session: Session, settings: Settings, schedule: CheckInSchedule, now: datetime) -> str:
    return issue_link(
        session,
        settings,
        organisation_id=schedule.organisation_id,
        purpose=LinkPurpose.check_in,
        check_in_schedule_id=schedule.id,
        now=now,
    )


def _case_of(session: Session, schedule: CheckInSchedule) -> Incident:
    incident = session.get(Incident, schedule.incident_id)
    assert incident is not None
    return incident


def _end(session: Session, schedule: CheckInSchedule, now: datetime) -> None:
    schedule.active = False
    schedule.stopped_at = now
    revoke_links(session, check_in_schedule_id=schedule.id, now=now)


def start_schedule(
    session: Session,
    settings: Settings,
    *,
    org_id: int,
    incident_id: int,
    defender_id: int | None = None,
    every_hours: float,
    grace_minutes: int = 60,
    actor_user_id: int,
    now: datetime,
) -> tuple[CheckInSchedule, str]:
    """Put a defender (or the case, if no defender is named) on a schedule and return it with
    the raw token of its check-in link, to be shown once. A schedule already running for the
    same case and defender is replaced (its link stops working)."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    every = float(every_hours)
    if not math.isfinite(every) or not MIN_EVERY_HOURS <= every <= MAX_EVERY_HOURS:
        raise Invalid(f"Check-ins must be due every {MIN_EVERY_HOURS} to {MAX_EVERY_HOURS} hours.")
    if not 0 <= grace_minutes <= MAX_GRACE_MINUTES:
        raise Invalid(f"The grace period must be 0 to {MAX_GRACE_MINUTES} minutes.")
    if defender_id is not None and defender_id not in dict(case_victims(session, incident.id)):
        raise NotFound("No such defender on this case.")
    replaced = []
    for old in active_schedules(session, incident_id=incident.id):
        if old.defender_id == defender_id:
            _end(session, old, now)
            replaced.append(old.id)
    schedule = CheckInSchedule(
        organisation_id=org_id,
        incident_id=incident.id,
        defender_id=defender_id,
        every_hours=every,
        grace_minutes=grace_minutes,
        next_due_at=now + timedelta(hours=every),
        active=True,
        created_by_id=actor_user_id,
        created_at=now,
    )
    session.add(schedule)
    session.flush()
    token = _issue(session, settings, schedule, now)
    touch_case(
        session,
        incident,
        "checkin.started",
        actor_user_id,
        schedule=schedule.id,
        every_hours=every,
        grace_minutes=grace_minutes,
        replaced=replaced,
    )
    return schedule, token


def load_schedule(
    session: Session, *, org_id: int, incident_id: int, schedule_id: int
) -> CheckInSchedule:
    load_case(session, org_id=org_id, incident_id=incident_id)
    return load_in_org(
        session,
        CheckInSchedule,
        schedule_id,
        org_id=org_id,
        missing="No such check-in schedule.",
        incident_id=incident_id,
    )


def stop_schedule(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    schedule_id: int,
    actor_user_id: int,
    now: datetime,
) -> CheckInSchedule:
    """Stop checking; the check-in link stops working. Stopping twice changes nothing."""
    schedule = load_schedule(
        session, org_id=org_id, incident_id=incident_id, schedule_id=schedule_id
    )
    if schedule.active:
        _end(session, schedule, now)
        incident = _case_of(session, schedule)
        touch_case(session, incident, "checkin.stopped", actor_user_id, schedule=schedule.id)
    return schedule


def new_check_in_link(
    session: Session,
    settings: Settings,
    *,
    org_id: int,
    incident_id: int,
    schedule_id: int,
    actor_user_id: int,
    now: datetime,
) -> str:
    """A fresh check-in link when the defender lost theirs (the old one stops working)."""
    schedule = load_schedule(
        session, org_id=org_id, incident_id=incident_id, schedule_id=schedule_id
    )
    if not schedule.active:
        raise Conflict("This check-in schedule has stopped.")
    revoked = revoke_links(session, check_in_schedule_id=schedule.id, now=now)
    token = _issue(session, settings, schedule, now)
    incident = _case_of(session, schedule)
    touch_case(
        session,
        incident,
        "checkin.link_renewed",
        actor_user_id,
        schedule=schedule.id,
        revoked=revoked,
    )
    return token


def record_check_in(
    session: Session,
    settings: Settings,
    *,
    schedule: CheckInSchedule,
    method: str,
    safe: bool,
    now: datetime,
    actor_user_id: int | None = None,
) -> CheckIn:
    """Record a check-in: the next one is due a full interval from now and a raised miss is
    cleared. ``safe=False`` ("I need help now") alerts the case team at once."""
    if method not in METHODS:
        raise Invalid(f"Unknown check-in method: {method}.")
    if not schedule.active:
        raise Conflict("This check-in schedule has stopped.")
    check_in = CheckIn(schedule_id=schedule.id, at=now, method=method, safe=safe)
    session.add(check_in)
    schedule.next_due_at = now + timedelta(hours=schedule.every_hours)
    schedule.missed_since = None
    session.flush()
    detail = {"schedule": schedule.id, "method": method, "safe": safe}
    if actor_user_id is not None:
        touch_case(
            session, _case_of(session, schedule), "checkin.recorded", actor_user_id, **detail
        )
    else:
        record_event(
            session,
            action="checkin.recorded",
            organisation_id=schedule.organisation_id,
            object_type="incident",
            object_id=schedule.incident_id,
            detail=detail,
        )
    if not safe:
        _raise_urgent(
            session,
            settings,
            schedule=schedule,
            origin="check_in_help",
            source_key=f"checkin-help:{check_in.id}",
            title="URGENT: help requested at a safety check-in",
            message=f"At a safety check-in at {now:%Y-%m-%d %H:%M} UTC the answer was "
            '"I need help now".',
            action="checkin.help",
            now=now,
        )
    return check_in


def check_in_with_receipt(
    session: Session,
    settings: Settings,
    *,
    org_id: int,
    incident_id: int | None,
    safe: bool,
    now: datetime,
) -> list[CheckIn]:
    """A check-in made with a report's receipt. A receipt identifies a report, not a person:
    with several schedules on the case, "I need help now" counts for all of them, but "I am
    safe" is refused (``Conflict``) so one defender's silence is never covered by another's
    answer. No schedule: ``NotFound``."""
    found = active_schedules(session, incident_id=incident_id) if incident_id else []
    schedules = [s for s in found if s.organisation_id == org_id]
    if not schedules:
        raise NotFound("No check-in is expected for this receipt.")
    if safe and len(schedules) > 1:
        raise Conflict("Several people check in on this case: use your own check-in link.")
    return [
        record_check_in(session, settings, schedule=s, method="receipt", safe=safe, now=now)
        for s in schedules
    ]


def _raise_urgent(
    session: Session,
    settings: Settings,
    *,
    schedule: CheckInSchedule,
    origin: str,
    source_key: str,
    title: str,
    message: str,
    action: str,
    now: datetime,
) -> bool:
    """One urgent task for the case's assignee and one page per member of the case team;
    nothing if this ``source_key`` was already raised."""
    if session.scalar(select(CaseTask.id).where(CaseTask.source_key == source_key)) is not None:
        return False
    incident = _case_of(session, schedule)
    task = add_task(
        session,
        org_id=schedule.organisation_id,
        incident_id=incident.id,
        title=title,
        due_on=now.date(),
        origin=origin,
        source_key=source_key,
    )
    path = f"/staff/incidents/{incident.id}/alerts#check-ins"
    raise_item(
        session,
        org_id=incident.organisation_id,
        kind=INBOX_KINDS[origin],
        object_type="incident",
        object_id=incident.id,
        path=path,
        source_key=source_key,
        now=now,
    )
    url = f"{settings.base_url.rstrip('/')}{path}"
    page_users(
        session,
        org_id=incident.organisation_id,
        user_ids=case_team_user_ids(
            session, org_id=incident.organisation_id, assignee_id=incident.assignee_id, urgent=True
        ),
        subject=f"[Vigil] {title} (case #{incident.id})",
        body=(
            f"{message}\nOpen case #{incident.id} now: {url}\n\n"
            "This message contains nothing else about the case."
        ),
        settings=settings,
    )
    record_event(
        session,
        action=action,
        organisation_id=incident.organisation_id,
        object_type="incident",
        object_id=incident.id,
        detail={"schedule": schedule.id, "task": task.id},
    )
    return True


def raise_missed_check_ins(session: Session, settings: Settings, *, now: datetime) -> int:
    """Raise every check-in missed beyond its grace period, once. Called by the worker on
    every poll, so it starts with one indexed range query on ``next_due_at``."""
    query = (
        select(CheckInSchedule.id, CheckInSchedule.next_due_at, CheckInSchedule.grace_minutes)
        .where(
            CheckInSchedule.next_due_at < now,
            CheckInSchedule.active.is_(True),
            CheckInSchedule.missed_since.is_(None),
        )
        .order_by(CheckInSchedule.next_due_at)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    overdue = [
        (schedule_id, due)
        for schedule_id, due, grace in session.execute(query).all()
        if due + timedelta(minutes=grace) < now
    ]
    raised = 0
    for schedule_id, due in overdue:
        claimed = session.execute(
            update(CheckInSchedule)
            .where(
                CheckInSchedule.id == schedule_id,
                CheckInSchedule.missed_since.is_(None),
                CheckInSchedule.active.is_(True),
                CheckInSchedule.next_due_at == due,
            )
            .values(missed_since=now),
            execution_options={"synchronize_session": False},
        ).rowcount  # type: ignore[attr-defined]
        if claimed != 1:
            continue  # checked in, stopped or raised by another worker meanwhile
        schedule = session.get(CheckInSchedule, schedule_id)
        assert schedule is not None
        session.refresh(schedule)  # the UPDATE bypassed the ORM
        raised += _raise_urgent(
            session,
            settings,
            schedule=schedule,
            origin="missed_check_in",
            source_key=f"checkin-missed:{schedule.id}:{due:%Y%m%dT%H%M%S}",
            title="URGENT: a safety check-in was missed",
            message=f"A safety check-in due at {due:%Y-%m-%d %H:%M} UTC has not been made.",
            action="checkin.missed",
            now=now,
        )
    return raised


#: The two answers a check-in form offers, whichever surface shows it.
ANSWERS = {"safe": True, "help": False}


def parse_answer(text: str) -> bool | None:
    """``True`` for "I am safe", ``False`` for "I need help now", ``None`` for anything else."""
    return ANSWERS.get(text.strip())
