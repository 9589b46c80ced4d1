"""Referrals of a case to a national protection mechanism, a national human rights
institution or a UN special procedure, with the body's legal deadline to respond.

The deadline is a date, or a number of business days after sending (Saturdays and Sundays
skipped; public holidays are not known and count as business days). A referral still without
an answer the day after its deadline raises one case task (``raise_missed_referral_tasks``,
run daily by the worker). Answers are sealed with the incident's key and never audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil.casework.models import CaseTask, Referral, ReferralBodyKind
from vigil.casework.service import load_case, touch_case
from vigil.casework.support import support_label
from vigil.casework.tasks import add_task, complete_task
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.i18n import N_, gettext
from vigil.incidents.models import Incident, IncidentStatus

#: Business-day periods the form offers (30 is common for protection mechanisms).
DEADLINE_OPTIONS = (10, 15, 30)
#: Cases in which a missed deadline no longer raises a task.
FINISHED = (IncidentStatus.closed, IncidentStatus.rejected, IncidentStatus.duplicate)

LABELS = {
    "national_protection_mechanism": N_("National protection mechanism"),
    "nhri": N_("National human rights institution"),
    "un_special_procedure": N_("UN special procedure"),
    "other": N_("Other body"),
}


def referral_label(code: str) -> str:
    message = LABELS.get(code)
    return gettext(message) if message else support_label(code)


def add_business_days(start: date, days: int) -> date:
    """The date ``days`` business days after ``start`` (Monday to Friday; ``start`` itself
    does not count, so 1 business day after a Friday is the Monday)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    while days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def deadline_task_key(referral_id: int) -> str:
    return f"referral:{referral_id}:deadline"


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
    actor_user_id: int | None,
) -> Referral:
    """Record a referral; the deadline is given as a date or as business days after sending."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    body_name = " ".join(body_name.split())
    if not body_name or len(body_name) > 200:
        raise Invalid("Name the body the case was referred to (at most 200 characters).")
    if body_kind not in ReferralBodyKind.__members__:
        raise Invalid("Choose the kind of body.")
    if sent_on > utcnow().date():
        raise Invalid("The date sent cannot be in the future.")
    if deadline_on is not None and business_days is not None:
        raise Invalid("Give the deadline as a date or as business days, not both.")
    if business_days is not None:
        if not 1 <= business_days <= 365:
            raise Invalid("The deadline must be between 1 and 365 business days.")
        deadline_on = add_business_days(sent_on, business_days)
    if deadline_on is not None and deadline_on < sent_on:
        raise Invalid("The deadline cannot be before the date sent.")
    referral = Referral(
        incident_id=incident.id,
        body_name=body_name,
        body_kind=body_kind,
        sent_on=sent_on,
        deadline_on=deadline_on,
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
        deadline=deadline_on.isoformat() if deadline_on else None,
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


def _missed(today: date):  # type: ignore[no-untyped-def]
    return (
        Referral.deadline_on.is_not(None),
        Referral.deadline_on < today,
        Referral.answered_on.is_(None),
    )


@dataclass(frozen=True)
class OverdueReferral:
    referral: Referral
    incident_id: int
    incident_title: str
    days_late: int


def overdue_referrals(session: Session, *, org_id: int, today: date) -> list[OverdueReferral]:
    """This organisation's referrals whose deadline has passed without an answer, oldest
    deadline first (for the dashboard)."""
    rows = session.execute(
        select(Referral, Incident.title)
        .join(Incident, Incident.id == Referral.incident_id)
        .where(Incident.organisation_id == org_id, *_missed(today))
        .order_by(Referral.deadline_on, Referral.id)
    ).all()
    return [
        OverdueReferral(
            referral=referral,
            incident_id=referral.incident_id,
            incident_title=title,
            days_late=(today - referral.deadline_on).days,  # type: ignore[operator]
        )
        for referral, title in rows
    ]


def raise_missed_referral_tasks(session: Session, *, today: date) -> int:
    """For every organisation: one task per referral whose deadline passed without an
    answer, on cases still open. Idempotent (the task is keyed by the referral); returns how
    many tasks were raised now. Safe with several workers: a duplicate is rolled back."""
    rows = session.execute(
        select(Referral, Incident.organisation_id)
        .join(Incident, Incident.id == Referral.incident_id)
        .where(*_missed(today), Incident.status.not_in([str(s) for s in FINISHED]))
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
                    title=(
                        f"No answer from {referral.body_name}: its deadline "
                        f"({referral.deadline_on}) has passed"
                    ),
                    due_on=today,
                    origin="referral_deadline",
                    source_key=key,
                )
        except IntegrityError:  # another worker raised it at the same moment
            continue
        raised += 1
    return raised


def referral_context(
    session: Session, *, vault: Vault, org_id: int, incident: Incident, today: date | None = None
) -> dict[str, Any]:
    """What ``casework/_referrals.html`` shows."""
    load_case(session, org_id=org_id, incident_id=incident.id)
    today = today or utcnow().date()
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
                "overdue": r.answered_on is None
                and r.deadline_on is not None
                and r.deadline_on < today,
            }
            for r in referrals
        ],
        "body_kinds": list(ReferralBodyKind),
        "deadline_options": DEADLINE_OPTIONS,
        "referral_label": referral_label,
        "referral_today": today.isoformat(),
    }
