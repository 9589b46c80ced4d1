"""A help call nobody acknowledges, in Chromium with JavaScript off: the defender presses "I
need help now" on their check-in link; nobody acknowledges it, so after the re-page interval
(10 minutes for help calls) the people on duty are paged again, and on the next round the
coordinators too. The worker's job is driven with a later ``now``, a second either side of
each round; the staff outbox and "Needs me now" show what happened."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.test_reporting import staff_sign_in
from tests.factories import StaffAccount, make_incident, make_staff
from vigil.accounts.models import Membership
from vigil.checkins.service import start_schedule
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope, utcnow
from vigil.inbox.jobs import page_unacknowledged
from vigil.inbox.models import InboxItem, InboxKind
from vigil.organisations.service import get_organisation_by_slug
from vigil.outbox.staff_email_models import OutboundEmail

SECOND = timedelta(seconds=1)


def _case_with_check_in(live_server, analyst) -> tuple[int, str, StaffAccount]:  # type: ignore[no-untyped-def]
    """A case with a check-in link, the analyst on duty and a coordinator who is not."""
    engine = make_engine(live_server.database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            org = get_organisation_by_slug(session, slug="red-andina")
            vault = Vault(session=session, ring=keystore_for(live_server.settings).current())
            coordinator = make_staff(session, org, role="coordinator", vault=vault)
            session.scalar(
                select(Membership).where(Membership.user_id == analyst.user.id)
            ).on_duty = True  # type: ignore[union-attr]
            incident = make_incident(session, org, vault=vault, status="active")
            _schedule, token = start_schedule(
                session,
                live_server.settings,
                org_id=org.id,
                incident_id=incident.id,
                every_hours=24,
                actor_user_id=analyst.user.id,
                now=utcnow(),
            )
            return incident.id, token, coordinator
    finally:
        engine.dispose()


def _help_call(database_url: str, incident_id: int) -> tuple[int, datetime]:
    engine = make_engine(database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            item = session.scalars(
                select(InboxItem).where(
                    InboxItem.kind == InboxKind.help_call,
                    InboxItem.object_type == "incident",
                    InboxItem.object_id == incident_id,
                )
            ).one()
            return item.id, item.created_at
    finally:
        engine.dispose()


def _worker_round(live_server, now: datetime) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(live_server.database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            page_unacknowledged(session, live_server.settings, now=now)
    finally:
        engine.dispose()


def _paged(database_url: str, item_id: int) -> list[str]:
    """Who was paged about this item, by address, in order."""
    engine = make_engine(database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            return list(
                session.scalars(
                    select(OutboundEmail.to_address)
                    .where(OutboundEmail.subject.contains(f"(item #{item_id})"))
                    .order_by(OutboundEmail.id)
                )
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "javascript",
    [
        pytest.param(False, marks=pytest.mark.browser_context_args(java_script_enabled=False)),
        pytest.param(True, marks=pytest.mark.browser_context_args(java_script_enabled=True)),
    ],
    ids=["js-off", "js-on"],
)
def test_an_unacknowledged_help_call_pages_again_then_the_coordinator(  # type: ignore[no-untyped-def]
    page: Page, live_server, analyst, seen_hosts, javascript
):
    incident_id, token, coordinator = _case_with_check_in(live_server, analyst)

    # The defender presses "I need help now" on the check-in link.
    page.goto(f"{live_server.url}/l/{token}")
    page.click("button[value=help]")
    expect(page.locator("[role=alert]").first).to_contain_text("The team has been alerted")
    item_id, raised = _help_call(live_server.database_url, incident_id)
    told_at_once = _paged(live_server.database_url, item_id)
    assert told_at_once == []  # the first alarm is the help call's own e-mail, not a re-page

    analyst_address, coordinator_address = analyst.user.email, coordinator.user.email
    interval = timedelta(minutes=live_server.settings.inbox_page_help_call_minutes)
    assert interval == timedelta(minutes=10)

    # A second before the interval: nobody is paged again.
    _worker_round(live_server, raised + interval - SECOND)
    assert _paged(live_server.database_url, item_id) == []
    # At the interval: the people on duty (the analyst), not the coordinator.
    _worker_round(live_server, raised + interval)
    first = _paged(live_server.database_url, item_id)
    assert analyst_address in first and coordinator_address not in first

    # The next round, a second early: nothing more; on time: the coordinator as well.
    _worker_round(live_server, raised + 2 * interval - SECOND)
    assert _paged(live_server.database_url, item_id) == first
    _worker_round(live_server, raised + 2 * interval)
    second = _paged(live_server.database_url, item_id)[len(first) :]
    assert analyst_address in second and coordinator_address in second

    # The coordinator opens "Needs me now": the help call, paged again twice, to acknowledge.
    staff_sign_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/staff/now")
    item = page.locator(f"#item-{item_id}")
    expect(item).to_contain_text("paged again 2 times")
    item.locator("button[type=submit]").first.click()
    expect(page.locator(f"#acknowledged-items #item-{item_id}")).to_be_visible()

    # Acknowledged: the next round pages nobody.
    paged = _paged(live_server.database_url, item_id)
    _worker_round(live_server, raised + 3 * interval)
    assert _paged(live_server.database_url, item_id) == paged
    assert set(seen_hosts) == {"127.0.0.1"}
