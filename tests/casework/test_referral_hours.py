"""Regional, UN, lenders', companies' and emergency bodies as referral targets (issue 18
point 6), each with what it is for; emergency procedures count their deadline in hours from
the time sent, and a missed one raises its task within the hour. Both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests.casework.test_referrals import _refer
from tests.casework.test_support import _case
from tests.factories import make_org, make_staff
from vigil.casework.models import CaseTask, ReferralBodyKind
from vigil.casework.referral_bodies import BODIES, body_of
from vigil.casework.referrals import (
    hours_of,
    overdue_referrals,
    raise_missed_referral_tasks,
    referral_context,
    referral_label,
)
from vigil.core.db import utcnow
from vigil.core.errors import Invalid

NEW_KINDS = (
    "iachr_precautionary",
    "achpr_defenders_rapporteur",
    "ohchr_office",
    "oecd_ncp",
    "dfi_accountability",
    "icoca",
    "prosecutor",
    "grievance_mechanism",
    "emergency_fund",
    "helpline",
)
EMERGENCY = {
    "iachr_precautionary",
    "achpr_defenders_rapporteur",
    "ohchr_office",
    "prosecutor",
    "emergency_fund",
    "helpline",
}
HOUR = timedelta(hours=1)


def _setup(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    return org, analyst, _case(session, vault, org, analyst)


def test_every_kind_of_body_says_what_it_is_for():
    assert {body.kind for body in BODIES} == set(ReferralBodyKind.__members__)
    assert set(NEW_KINDS) <= set(ReferralBodyKind.__members__)
    for body in BODIES:
        assert len(body.purpose) > 40, body.kind
        assert referral_label(body.kind) == body.label
    for kind in EMERGENCY:  # emergency procedures count in hours, never in days
        body = body_of(kind)
        assert body is not None and body.hours is not None and body.hours <= 72, kind
        assert body.business_days is None, kind
    assert "CAO" in body_of("dfi_accountability").purpose  # type: ignore[union-attr]
    assert "consent" in body_of("national_protection_mechanism").purpose  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_each_new_body_is_recorded_with_a_deadline_in_hours(session, vault, kind):
    org, analyst, incident = _setup(session, vault)
    before = utcnow()
    referral = _refer(
        session, org, incident, analyst, body_kind=kind, sent_on=before.date(), deadline_hours=48
    )
    assert referral.body_kind == kind and hours_of(referral) == 48
    assert referral.sent_at is not None and abs(referral.sent_at - before) <= HOUR
    assert abs(referral.deadline_at - (before + timedelta(hours=48))) <= HOUR  # type: ignore[operator]
    assert referral.deadline_on == referral.deadline_at.date()  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_without_a_deadline_the_bodys_usual_one_applies(session, vault, kind):
    org, analyst, incident = _setup(session, vault)
    sent_on = date(2026, 3, 2)  # a Monday in the past: counted from the start of that day
    referral = _refer(session, org, incident, analyst, body_kind=kind, sent_on=sent_on)
    body = body_of(kind)
    assert body is not None
    if kind in EMERGENCY:
        start = datetime.combine(sent_on, time.min, UTC)
        assert referral.sent_at == start
        assert referral.deadline_at == start + timedelta(hours=body.hours)  # type: ignore[arg-type]
    else:
        assert referral.deadline_at is None and referral.deadline_on is not None
        assert referral.deadline_on > sent_on + timedelta(days=body.business_days)  # type: ignore[arg-type]


def test_a_time_sent_starts_the_hour_deadline(session, vault):
    org, analyst, incident = _setup(session, vault)
    sent_at = datetime(2026, 3, 6, 22, 30, tzinfo=UTC)  # a Friday night: weekends count
    referral = _refer(
        session,
        org,
        incident,
        analyst,
        body_kind="iachr_precautionary",
        sent_on=sent_at.date(),
        sent_at=sent_at,
        deadline_hours=72,
    )
    assert referral.deadline_at == datetime(2026, 3, 9, 22, 30, tzinfo=UTC)
    assert referral.deadline_on == date(2026, 3, 9)


@pytest.mark.parametrize(
    "fields",
    [
        {"deadline_hours": 0},
        {"deadline_hours": 721},
        {"deadline_hours": 24, "business_days": 10},
        {"deadline_hours": 24, "deadline_on": date(2026, 3, 9)},
        {"deadline_hours": 24, "sent_at": datetime(2026, 3, 3, 9, 0, tzinfo=UTC)},  # other day
        {
            "deadline_hours": 24,
            "sent_on": utcnow().date(),
            "sent_at": utcnow() + timedelta(hours=2),
        },
    ],
)
def test_hour_deadlines_are_checked(session, vault, fields):
    org, analyst, incident = _setup(session, vault)
    values = {"body_kind": "helpline", "sent_on": date(2026, 3, 2), **fields}
    with pytest.raises(Invalid):
        _refer(session, org, incident, analyst, **values)


def test_a_missed_hour_deadline_raises_its_task_within_the_hour(session, vault):
    org, analyst, incident = _setup(session, vault)
    now = utcnow().replace(microsecond=0)
    sent, hours = now - timedelta(hours=26), 25  # passed an hour ago
    late = _refer(
        session,
        org,
        incident,
        analyst,
        body_kind="helpline",
        sent_on=sent.date(),
        sent_at=sent,
        deadline_hours=hours,
    )
    waiting = _refer(session, org, incident, analyst, body_kind="helpline", sent_on=now.date())
    assert late.deadline_at < now < waiting.deadline_at  # type: ignore[operator]
    assert raise_missed_referral_tasks(session, today=now.date(), now=now) == 1
    assert raise_missed_referral_tasks(session, today=now.date(), now=now) == 0
    task = session.scalar(select(CaseTask).where(CaseTask.origin == "referral_deadline"))
    assert task is not None and task.source_key == f"referral:{late.id}:deadline"
    assert "UTC" in task.title
    (overdue,) = overdue_referrals(session, org_id=org.id, today=now.date(), now=now)
    assert overdue.referral.id == late.id and overdue.hours_late is not None
    assert abs(overdue.hours_late - (now - late.deadline_at).total_seconds() / 3600) <= 1  # type: ignore[operator]

    context = referral_context(session, vault=vault, org_id=org.id, incident=incident, now=now)
    entries = {e["row"].id: e for e in context["referrals"]}
    assert entries[late.id]["overdue"] and entries[late.id]["hours_left"] is None
    assert not entries[waiting.id]["overdue"]
    assert abs(entries[waiting.id]["hours_left"] - 24) <= 1
