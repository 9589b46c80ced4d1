"""The "needs me now" inbox: an item is raised once, acknowledged explicitly by someone
(audited, tenancy-checked), and paged again at its kind's limit until it is."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_org, make_staff
from tests.inbox.support import emails, emails_to, make_team
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound
from vigil.inbox.jobs import page_unacknowledged
from vigil.inbox.models import InboxItem, InboxKind
from vigil.inbox.service import (
    acknowledge_item,
    count_open_items,
    list_open_items,
    list_recently_acknowledged,
    raise_item,
)
from vigil.worker import page_unacknowledged_now


def _raise(session, org, kind=InboxKind.help_call, key="k", **kwargs):  # type: ignore[no-untyped-def]
    return raise_item(
        session,
        org_id=org.id,
        kind=kind,
        object_type=kwargs.pop("object_type", "incident"),
        object_id=kwargs.pop("object_id", 7),
        path=kwargs.pop("path", "/staff/incidents/7/alerts#check-ins"),
        source_key=f"{org.slug}:{key}",
        **kwargs,
    )


def _audit(session, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_thing_is_raised_once_per_source_key(session):
    org = make_org(session)
    first = _raise(session, org, key="help:1")
    assert first is not None and first.urgent and first.pages_sent == 0
    assert _raise(session, org, key="help:1") is None
    assert count_open_items(session, org_id=org.id) == 1
    assert _raise(session, org, key="help:2") is not None
    assert count_open_items(session, org_id=org.id) == 2
    assert count_open_items(session, org_id=make_org(session).id) == 0


def test_once_while_open_merges_until_acknowledged(session):
    team = make_team(session)
    org = team.org
    kind = InboxKind.reporter_message
    first = _raise(session, org, kind, key="m1", object_type="report", once_while_open=True)
    assert first is not None and not first.urgent
    assert _raise(session, org, kind, key="m2", object_type="report", once_while_open=True) is None
    other = _raise(session, org, kind, key="m3", object_type="report", object_id=8)
    assert other is not None
    acknowledge_item(
        session, org_id=org.id, item_id=first.id, user_id=team.on_duty.user.id, now=utcnow()
    )
    again = _raise(session, org, kind, key="m4", object_type="report", once_while_open=True)
    assert again is not None


def test_a_wrong_kind_or_an_outside_path_is_refused(session):
    org = make_org(session)
    with pytest.raises(Invalid):
        _raise(session, org, kind="tea_break")
    with pytest.raises(Invalid):
        _raise(session, org, path="https://evil.example/staff")


def test_open_items_list_urgent_first_then_newest(session):
    org = make_org(session)
    now = utcnow()
    old_urgent = _raise(session, org, key="a", now=now - timedelta(hours=2))
    message = _raise(session, org, InboxKind.reporter_message, key="b", now=now)
    new_urgent = _raise(session, org, InboxKind.urgent_report, key="c", now=now)
    assert [i.id for i in list_open_items(session, org_id=org.id)] == [
        new_urgent.id,
        old_urgent.id,
        message.id,
    ]


def test_acknowledging_records_who_and_when_once_and_is_audited(session):
    team = make_team(session)
    item = _raise(session, team.org)
    at = utcnow()
    acknowledge_item(
        session, org_id=team.org.id, item_id=item.id, user_id=team.on_duty.user.id, now=at
    )
    assert item.acknowledged_by_id == team.on_duty.user.id and item.acknowledged_at == at
    assert item.next_page_at is None
    assert count_open_items(session, org_id=team.org.id) == 0
    # A second press (someone else, a moment later) keeps who took it first.
    acknowledge_item(
        session,
        org_id=team.org.id,
        item_id=item.id,
        user_id=team.coordinator.user.id,
        now=at + timedelta(seconds=5),
    )
    assert item.acknowledged_by_id == team.on_duty.user.id and item.acknowledged_at == at
    events = _audit(session, "inbox.acknowledged")
    assert len(events) == 1
    assert events[0].actor_user_id == team.on_duty.user.id
    assert events[0].object_type == "inbox_item" and events[0].object_id == str(item.id)
    assert json.loads(events[0].detail)["kind"] == "help_call"
    recent = list_recently_acknowledged(session, org_id=team.org.id, now=at)
    assert [(r.item.id, r.by) for r in recent] == [(item.id, team.on_duty.user.display_name)]


def test_another_organisations_staff_cannot_acknowledge(session):
    team = make_team(session)
    item = _raise(session, team.org)
    stranger_org = make_org(session)
    stranger = make_staff(session, stranger_org)
    with pytest.raises(NotFound):
        acknowledge_item(
            session, org_id=stranger_org.id, item_id=item.id, user_id=stranger.user.id, now=utcnow()
        )
    assert item.acknowledged_at is None and not _audit(session, "inbox.acknowledged")


def test_a_help_call_is_paged_again_at_ten_minutes_not_before(session, settings):
    team = make_team(session)
    t0 = utcnow()
    item = _raise(session, team.org, now=t0)
    assert page_unacknowledged(session, settings, now=t0) == 0
    assert item.next_page_at == t0 + timedelta(minutes=10)  # scheduled from the setting
    almost = t0 + timedelta(minutes=9, seconds=59)
    assert page_unacknowledged(session, settings, now=almost) == 0
    assert emails_to(session) == [] and item.pages_sent == 0

    at_ten = t0 + timedelta(minutes=10)
    assert page_unacknowledged(session, settings, now=at_ten) == 1
    assert page_unacknowledged(session, settings, now=at_ten) == 0  # once per round
    # The first page: the people on duty only (they were told first).
    assert emails_to(session) == [team.on_duty.user.email]
    assert item.pages_sent == 1 and item.last_paged_at == at_ten
    assert item.next_page_at == at_ten + timedelta(minutes=10)
    page = emails(session)[0]
    assert f"https://vigil.test/staff/now#item-{item.id}" in page.body
    assert "https://vigil.test/staff/incidents/7/alerts#check-ins" in page.body
    assert "help" in page.subject
    paged = _audit(session, "inbox.paged")
    assert len(paged) == 1 and json.loads(paged[0].detail)["page"] == 1


def test_the_coordinators_are_paged_on_the_second_round_and_nobody_after_acknowledgement(
    session, settings
):
    team = make_team(session)
    t0 = utcnow()
    item = _raise(session, team.org, now=t0)
    page_unacknowledged(session, settings, now=t0 + timedelta(minutes=10))
    assert page_unacknowledged(session, settings, now=t0 + timedelta(minutes=19)) == 0
    assert page_unacknowledged(session, settings, now=t0 + timedelta(minutes=20)) == 1
    assert emails_to(session) == [
        team.on_duty.user.email,
        team.on_duty.user.email,
        team.coordinator.user.email,
    ]
    assert team.off_duty.user.email not in emails_to(session)
    assert team.auditor.user.email not in emails_to(session)

    acknowledge_item(
        session,
        org_id=team.org.id,
        item_id=item.id,
        user_id=team.off_duty.user.id,
        now=t0 + timedelta(minutes=25),
    )
    assert page_unacknowledged(session, settings, now=t0 + timedelta(hours=3)) == 0
    assert len(emails_to(session)) == 3 and item.pages_sent == 2


def test_nobody_on_duty_every_responder_is_paged(session, settings):
    org = make_org(session)
    analyst, coordinator = make_staff(session, org), make_staff(session, org, role="coordinator")
    t0 = utcnow()
    _raise(session, org, InboxKind.urgent_report, object_type="report", now=t0)
    assert page_unacknowledged(session, settings, now=t0 + timedelta(minutes=10)) == 1
    assert sorted(emails_to(session)) == sorted([analyst.user.email, coordinator.user.email])


def test_each_kind_has_its_own_limit_and_some_are_never_paged(session, settings):
    team = make_team(session)
    t0 = utcnow()
    message = _raise(session, team.org, InboxKind.reporter_message, key="m", now=t0)
    review = _raise(session, team.org, InboxKind.closure_review, key="r", now=t0)
    page_unacknowledged(session, settings, now=t0)
    assert message.next_page_at == t0 + timedelta(minutes=60)
    assert review.next_page_at is None  # 0: never paged again, but it stays in the inbox
    assert count_open_items(session, org_id=team.org.id) == 2

    faster = settings.model_copy(update={"inbox_page_reporter_message_minutes": 5})
    quick = _raise(session, team.org, InboxKind.reporter_message, key="q", object_id=9, now=t0)
    assert page_unacknowledged(session, faster, now=t0 + timedelta(minutes=4)) == 0
    assert page_unacknowledged(session, faster, now=t0 + timedelta(minutes=5)) == 1
    assert quick.pages_sent == 1 and message.pages_sent == 0
    page_unacknowledged(session, settings, now=t0 + timedelta(days=30))
    assert review.pages_sent == 0


def test_the_worker_pages_in_its_own_transaction(session, session_factory, settings):
    team = make_team(session)
    t0 = utcnow()
    item = _raise(session, team.org, now=t0)
    session.commit()
    assert page_unacknowledged_now(session_factory, settings, t0 + timedelta(minutes=10)) == 1
    assert page_unacknowledged_now(session_factory, settings, t0 + timedelta(minutes=10)) == 0
    session.expire_all()
    assert session.get(InboxItem, item.id).pages_sent == 1
