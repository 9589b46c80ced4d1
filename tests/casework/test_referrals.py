"""Referrals to protection bodies, their deadlines in business days and the tasks a missed
deadline raises, on both databases."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.casework.test_support import _case
from tests.factories import make_org, make_staff
from vigil.casework.models import CaseTask
from vigil.casework.referrals import (
    add_business_days,
    add_referral,
    overdue_referrals,
    raise_missed_referral_tasks,
    record_answer,
    referral_context,
)
from vigil.casework.service import change_status
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict, Invalid, NotFound

TODAY = date.today()


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday + 1 → Monday
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # Saturday + 1 → Monday
        (date(2026, 3, 8), 5, date(2026, 3, 13)),  # Sunday + 5 → Friday
        (date(2026, 3, 2), 30, date(2026, 4, 13)),  # Monday + 30 = six weeks
        (date(2026, 3, 4), 30, date(2026, 4, 15)),  # Wednesday + 30
        (date(2026, 12, 31), 3, date(2027, 1, 5)),  # across the new year
        (date(2026, 3, 4), 0, date(2026, 3, 4)),
    ],
)
def test_business_days_skip_weekends(start, days, expected):
    assert add_business_days(start, days) == expected
    assert expected.weekday() < 5 or days == 0


def _refer(session, org, incident, actor, **fields):  # type: ignore[no-untyped-def]
    values = {
        "body_name": "Unidad Nacional de Protección",
        "body_kind": "national_protection_mechanism",
        "sent_on": TODAY - timedelta(days=60),
        **fields,
    }
    return add_referral(
        session, org_id=org.id, incident_id=incident.id, actor_user_id=actor.user.id, **values
    )


def _answer(session, vault, org, incident, referral, actor, **fields):  # type: ignore[no-untyped-def]
    values = {"answer": "Protection scheme granted: escort.", "received_on": TODAY, **fields}
    return record_answer(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        referral_id=referral.id,
        actor_user_id=actor.user.id,
        **values,
    )


def _deadline_tasks(session) -> list[CaseTask]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(CaseTask).where(CaseTask.origin == "referral_deadline")))


def test_deadline_in_business_days_is_computed_from_the_date_sent(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    referral = _refer(session, org, incident, analyst, sent_on=date(2026, 3, 2), business_days=30)
    # Six weeks, plus three Colombian public holidays: 23 March, 2 and 3 April (Easter).
    assert referral.deadline_on == date(2026, 4, 16)
    fixed = _refer(
        session, org, incident, analyst, sent_on=date(2026, 3, 2), deadline_on=date(2026, 3, 20)
    )
    assert fixed.deadline_on == date(2026, 3, 20)
    open_ended = _refer(session, org, incident, analyst, body_kind="un_special_procedure")
    assert open_ended.deadline_on is None
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "referral.sent").order_by(AuditEvent.id)
    )
    assert json.loads(event.detail)["deadline"] == "2026-04-16"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "fields",
    [
        {"body_name": "  "},
        {"body_kind": "embassy"},
        {"sent_on": TODAY + timedelta(days=1)},
        {"deadline_on": TODAY - timedelta(days=61)},  # before the date sent
        {"deadline_on": TODAY, "business_days": 30},  # both
        {"business_days": 0},
        {"business_days": 400},
    ],
)
def test_referral_input_is_checked(session, vault, fields):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    with pytest.raises(Invalid):
        _refer(session, org, incident, analyst, **fields)


def test_missed_deadline_raises_exactly_one_task_even_when_run_twice(session, vault):
    org, other = make_org(session), make_org(session)
    analyst, outsider = make_staff(session, org), make_staff(session, other)
    incident = _case(session, vault, org, analyst)
    late = _refer(session, org, incident, analyst, deadline_on=TODAY - timedelta(days=1))
    _refer(session, org, incident, analyst, deadline_on=TODAY)  # due today: not missed yet
    _refer(session, org, incident, analyst)  # no deadline
    foreign_case = _case(session, vault, other, outsider)
    foreign = _refer(session, other, foreign_case, outsider, deadline_on=TODAY - timedelta(days=3))

    assert raise_missed_referral_tasks(session, today=TODAY) == 2  # every organisation
    assert raise_missed_referral_tasks(session, today=TODAY) == 0
    tasks = {t.source_key: t for t in _deadline_tasks(session)}
    assert set(tasks) == {f"referral:{late.id}:deadline", f"referral:{foreign.id}:deadline"}
    task = tasks[f"referral:{late.id}:deadline"]
    assert task.incident_id == incident.id and task.due_on == TODAY and task.done_at is None
    assert "Unidad Nacional de Protección" in task.title

    overdue = overdue_referrals(session, org_id=org.id, today=TODAY)
    assert [(o.referral.id, o.days_late) for o in overdue] == [(late.id, 1)]
    assert overdue[0].incident_title == incident.title

    # Answering afterwards closes the task, and nothing is raised again.
    _answer(session, vault, org, incident, late, analyst)
    assert task.done_at is not None
    assert (
        raise_missed_referral_tasks(session, today=TODAY + timedelta(days=5)) == 1
    )  # the one due today
    assert overdue_referrals(session, org_id=org.id, today=TODAY) == []


def test_answered_referral_raises_no_task(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    referral = _refer(session, org, incident, analyst, deadline_on=TODAY - timedelta(days=10))
    _answer(session, vault, org, incident, referral, analyst, received_on=TODAY - timedelta(days=2))
    assert raise_missed_referral_tasks(session, today=TODAY) == 0
    assert _deadline_tasks(session) == []
    assert overdue_referrals(session, org_id=org.id, today=TODAY) == []


def test_closed_case_raises_no_task(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    _refer(session, org, incident, analyst, deadline_on=TODAY - timedelta(days=1))
    change_status(
        session, org_id=org.id, incident_id=incident.id, status="rejected", actor_user_id=None
    )
    assert raise_missed_referral_tasks(session, today=TODAY) == 0


def test_answer_is_sealed_recorded_once_and_never_audited(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    referral = _refer(session, org, incident, analyst, deadline_on=TODAY)
    with pytest.raises(Invalid):
        _answer(session, vault, org, incident, referral, analyst, answer="  ")
    with pytest.raises(Invalid):  # before the referral was sent
        _answer(
            session, vault, org, incident, referral, analyst, received_on=TODAY - timedelta(days=61)
        )
    with pytest.raises(Invalid):
        _answer(
            session, vault, org, incident, referral, analyst, received_on=TODAY + timedelta(days=1)
        )
    _answer(session, vault, org, incident, referral, analyst)
    assert b"escort" not in referral.answer_sealed  # type: ignore[operator]
    with pytest.raises(Conflict):
        _answer(session, vault, org, incident, referral, analyst)
    events = session.scalars(select(AuditEvent).where(AuditEvent.action.like("referral.%"))).all()
    assert [e.action for e in events] == ["referral.sent", "referral.answered"]
    assert all("escort" not in e.detail for e in events)

    context = referral_context(session, vault=vault, org_id=org.id, incident=incident)
    (entry,) = context["referrals"]
    assert entry["answer"] == "Protection scheme granted: escort." and not entry["overdue"]


def test_other_organisations_referrals_are_not_found(session, vault):
    org, other = make_org(session), make_org(session)
    analyst, outsider = make_staff(session, org), make_staff(session, other)
    incident = _case(session, vault, org, analyst)
    sibling = _case(session, vault, org, analyst, name="Another Defender")
    referral = _refer(session, org, incident, analyst)
    with pytest.raises(NotFound):
        _refer(session, other, incident, outsider)
    with pytest.raises(NotFound):
        _answer(session, vault, other, incident, referral, outsider)
    with pytest.raises(NotFound):  # a referral of another case, through this one
        _answer(session, vault, org, sibling, referral, analyst)
    with pytest.raises(NotFound):
        referral_context(session, vault=vault, org_id=other.id, incident=incident)
    assert overdue_referrals(session, org_id=other.id, today=TODAY + timedelta(days=999)) == []
    assert referral.answered_on is None
