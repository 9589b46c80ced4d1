"""Referrals of a case to a protection body (state, regional, UN, lenders' and companies'
mechanisms, emergency funds and helplines: casework/referral_bodies.py), with the body's
deadline to respond.

The deadline is a date, a number of business days after sending (Saturdays, Sundays and the
public holidays of the case's country skipped: casework/business_days.py), or, for emergency
procedures, a number of hours after the time sent (UTC): a threat does not wait for business
days. Given none, a body's usual deadline applies. A referral still without an answer after
its deadline raises one case task (``raise_missed_referral_tasks``, run hourly by the
worker). Answers are sealed with the incident's key and never audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil.casework.business_days import add_business_days
from vigil.casework.models import CaseTask, Referral, ReferralBodyKind
from vigil.casework.referral_bodies import BODIES, body_of
from vigil.casework.service import load_case, touch_case
from vigil.casework.support import support_label
from vigil.casework.tasks import add_task, complete_task
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.i18n import gettext
from vigil.inbox.models import InboxKind
from vigil.inbox.service import raise_item
from vigil.incidents.models import Incident, IncidentStatus

#: Business-day periods the form offers (30 is common for protection mechanisms).
DEADLINE_OPTIONS = (10, 15, 30)
#: Hour periods the form offers for emergency procedures, and the longest deadline in hours.
HOUR_OPTIONS = (24, 48, 72)
MAX_HOURS = 24 * 30
#: Cases in which a missed deadline no longer raises a task.
FINISHED = (IncidentStatus.closed, IncidentStatus.rejected, IncidentStatus.duplicate)


def referral_label(code: str) -> str:
    body = body_of(code)
    return gettext(body.label) if body else support_label(code)


def deadline_task_key(referral_id: int) -> str:
    return f"referral:{referral_id}:deadline"


def _sent_time(sent_on: date, sent_at: datetime | None, now: datetime) -> datetime:
    """When an hour deadline starts: the time given (UTC), else now for a referral sent
    today, else the start of the day sent (an earlier deadline rather than a missed one)."""
    if sent_at is None:
        return now if sent_on == now.date() else datetime.combine(sent_on, time.min, UTC)
    sent_at = sent_at.astimezone(UTC) if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)
    if sent_at.date() != sent_on:
        raise Invalid("The time sent must be on the date sent.")
    if sent_at > now:
        raise Invalid("The time sent cannot be in the future.")
    return sent_at


@dataclass(frozen=True)
class _Deadline:
    on: date | None
    sent_at: datetime | None = None
    at: datetime | None = None


def _deadline(
    country: str | None,
    body_kind: str,
    sent_on: date,
    sent_at: datetime | None,
    deadline_on: date | None,
    business_days: int | None,
    deadline_hours: int | None,
    now: datetime,
) -> _Deadline:
    """One deadline from what was given, or the body's usual one when nothing was."""
    given = [value is not None for value in (deadline_on, business_days, deadline_hours)]
    if sum(given) > 1:
        raise Invalid("Give one deadline: a date, business days or hours.")
    body = body_of(body_kind)
    if not any(given) and body is not None:
        business_days, deadline_hours = body.business_days, body.hours
    if business_days is not None:
        if not 1 <= business_days <= 365:
            raise Invalid("The deadline must be between 1 and 365 business days.")
        return _Deadline(add_business_days(sent_on, business_days, country))
    if deadline_hours is not None:
        if not 1 <= deadline_hours <= MAX_HOURS:
            raise Invalid("The deadline must be between 1 and 720 hours.")
        start = _sent_time(sent_on, sent_at, now)
        due = start + timedelta(hours=deadline_hours)
        return _Deadline(due.date(), start, due)
    return _Deadline(deadline_on)


def add_referral(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    body_name: str,
    body_kind: str,
    sent_on: date,
    deadline_on: date | None = None,
    business_days: int | None = None,
    deadline_hours: int | None = None,
    sent_at: datetime | None = None,
    actor_user_id: int | None,
) -> Referral:
    """Record a referral; the deadline is a date, business days after sending (less the
    public holidays of the case's country) or hours after the time sent (the body's usual
    deadline when none is given)."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    body_name = " ".join(body_name.split())
    if not body_name or len(body_name) > 200:
        raise Invalid("Name the body the case was referred to (at most 200 characters).")
    if body_kind not in ReferralBodyKind.__members__:
        raise Invalid("Choose the kind of body.")
    now = utcnow()
    if sent_on > now.date():
        raise Invalid("The date sent cannot be in the future.")
    due = _deadline(
        incident.country,
        body_kind,
        sent_on,
        sent_at,
        deadline_on,
        business_days,
        deadline_hours,
        now,
    )
    if due.on is not None and due.on < sent_on:
        raise Invalid("The deadline cannot be before the date sent.")
    referral = Referral(
        incident_id=incident.id,
        body_name=body_name,
        body_kind=body_kind,
        sent_on=sent_on,
        deadline_on=due.on,
        sent_at=due.sent_at,
        deadline_at=due.at,
        created_by_id=actor_user_id,
    )
    session.add(referral)
    session.flush()
    touch_case(
        session,
        incident,
        "referral.sent",
        actor_user_id,
        referral=referral.id,
        body_kind=body_kind,
        deadline=due.on.isoformat() if due.on else None,
        deadline_at=due.at.isoformat(timespec="minutes") if due.at else None,
    )
    return referral


def record_answer(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    referral_id: int,
    answer: str,
    received_on: date,
    actor_user_id: int,
) -> Referral:
    """Record the body's answer (once); an open missed-deadline task is marked done."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    referral = session.get(Referral, referral_id)
    if referral is None or referral.incident_id != incident.id:
        raise NotFound("No such referral.")
    if referral.answered_on is not None:
        raise Conflict("The answer to this referral is already recorded.")
    if not answer.strip():
        raise Invalid("Write down the answer.")
    if received_on < referral.sent_on or received_on > utcnow().date():
        raise Invalid("The answer must be received between the date sent and today.")
    referral.answer_sealed = vault.seal(incident.data_key_id, answer.strip())
    referral.answered_on = received_on
    touch_case(
        session,
        incident,
        "referral.answered",
        actor_user_id,
        referral=referral.id,
        received_on=received_on.isoformat(),
    )
    task_id = session.scalar(
        select(CaseTask.id).where(
            CaseTask.source_key == deadline_task_key(referral.id), CaseTask.done_at.is_(None)
        )
    )
    if task_id is not None:
        complete_task(session, org_id=org_id, task_id=task_id, actor_user_id=actor_user_id)
    return referral


def _clock(today: date, now: datetime | None) -> datetime:
    """``now`` when given; else the start of ``today`` (a deadline to the hour counts as
    missed once it has passed before that day began, like a deadline in days)."""
    return now if now is not None else datetime.combine(today, time.min, UTC)


def _missed(today: date, now: datetime | None = None):  # type: ignore[no-untyped-def]
    return (
        or_(
            and_(Referral.deadline_at.is_not(None), Referral.deadline_at < _clock(today, now)),
            and_(
                Referral.deadline_at.is_(None),
                Referral.deadline_on.is_not(None),
                Referral.deadline_on < today,
            ),
        ),
        Referral.answered_on.is_(None),
    )


def is_overdue(referral: Referral, *, today: date, now: datetime | None = None) -> bool:
    if referral.answered_on is not None:
        return False
    if referral.deadline_at is not None:
        return referral.deadline_at < _clock(today, now)
    return referral.deadline_on is not None and referral.deadline_on < today


def hours_of(referral: Referral) -> int | None:
    """The deadline in hours after sending, for a deadline counted in hours."""
    if referral.deadline_at is None or referral.sent_at is None:
        return None
    return round((referral.deadline_at - referral.sent_at).total_seconds() / 3600)


def _hours_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 3600))


@dataclass(frozen=True)
class OverdueReferral:
    referral: Referral
    incident_id: int
    incident_title: str
    days_late: int
    hours_late: int | None = None  # for a deadline counted in hours


def overdue_referrals(
    session: Session, *, org_id: int, today: date, now: datetime | None = None
) -> list[OverdueReferral]:
    """This organisation's referrals whose deadline has passed without an answer, oldest
    deadline first (for the dashboard)."""
    rows = session.execute(
        select(Referral, Incident.title)
        .join(Incident, Incident.id == Referral.incident_id)
        .where(Incident.organisation_id == org_id, *_missed(today, now))
        .order_by(Referral.deadline_on, Referral.deadline_at, Referral.id)
    ).all()
    clock = _clock(today, now)
    return [
        OverdueReferral(
            referral=referral,
            incident_id=referral.incident_id,
            incident_title=title,
            days_late=(today - referral.deadline_on).days,  # type: ignore[operator]
            hours_late=_hours_between(referral.deadline_at, clock)
            if referral.deadline_at
            else None,
        )
        for referral, title in rows
    ]


def _task_title(referral: Referral) -> str:
    if referral.deadline_at is not None:
        when = referral.deadline_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    else:
        when = str(referral.deadline_on)
    return f"No answer from {referral.body_name}: its deadline ({when}) has passed"


def raise_missed_referral_tasks(
    session: Session, *, today: date, now: datetime | None = None
) -> int:
    """For every organisation: one task per referral whose deadline passed without an
    answer, on cases still open. Idempotent (the task is keyed by the referral); returns how
    many tasks were raised now. Safe with several workers: a duplicate is rolled back."""
    rows = session.execute(
        select(Referral, Incident.organisation_id)
        .join(Incident, Incident.id == Referral.incident_id)
        .where(*_missed(today, now), Incident.status.not_in([str(s) for s in FINISHED]))
        .order_by(Referral.id)
    ).all()
    raised = 0
    for referral, org_id in rows:
        key = deadline_task_key(referral.id)
        if session.scalar(select(CaseTask.id).where(CaseTask.source_key == key)) is not None:
            continue
        try:
            with session.begin_nested():
                add_task(
                    session,
                    org_id=org_id,
                    incident_id=referral.incident_id,
                    title=_task_title(referral),
                    due_on=today,
                    origin="referral_deadline",
                    source_key=key,
                )
        except IntegrityError:  # another worker raised it at the same moment
            continue
        raised += 1
    return raised


def raise_referral_deadlines_today(session: Session, *, today: date) -> int:
    """For every organisation: one inbox item per unanswered referral on an open case whose
    deadline falls ``today`` (a chance to call the body before it is missed). Idempotent: the
    item is keyed by the referral and its deadline. Returns how many were raised now."""
    rows = session.execute(
        select(Referral.id, Referral.incident_id, Incident.organisation_id)
        .join(Incident, Incident.id == Referral.incident_id)
        .where(
            Referral.deadline_on == today,
            Referral.answered_on.is_(None),
            Incident.status.not_in([str(s) for s in FINISHED]),
        )
        .order_by(Referral.id)
    ).all()
    raised = [
        raise_item(
            session,
            org_id=org_id,
            kind=InboxKind.referral_deadline,
            object_type="incident",
            object_id=incident_id,
            path=f"/staff/incidents/{incident_id}/case#referrals",
            source_key=f"referral-deadline:{referral_id}:{today.isoformat()}",
        )
        for referral_id, incident_id, org_id in rows
    ]
    return sum(item is not None for item in raised)


def referral_context(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident: Incident,
    today: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What ``casework/_referrals.html`` shows."""
    load_case(session, org_id=org_id, incident_id=incident.id)
    now = now or utcnow()
    today = today or now.date()
    referrals = session.scalars(
        select(Referral)
        .where(Referral.incident_id == incident.id)
        .order_by(Referral.sent_on.desc(), Referral.id.desc())
    ).all()
    return {
        "referrals": [
            {
                "row": r,
                "answer": vault.reveal(incident.data_key_id, r.answer_sealed),
                "overdue": is_overdue(r, today=today, now=now),
                "hours": hours_of(r),
                "hours_left": _hours_between(now, r.deadline_at)
                if r.deadline_at and r.answered_on is None and r.deadline_at >= now
                else None,
            }
            for r in referrals
        ],
        "body_kinds": list(ReferralBodyKind),
        "referral_bodies": BODIES,
        "deadline_options": DEADLINE_OPTIONS,
        "hour_options": HOUR_OPTIONS,
        "referral_label": referral_label,
        "referral_today": today.isoformat(),
    }
