"""Closing refused after a help call, in Chromium with JavaScript off: the defender pressed
"I need help now" at their last check-in, so the analyst cannot resolve the case and the page
says why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_reporting import staff_sign_in
from tests.factories import make_incident
from vigil.checkins.service import record_check_in, start_schedule
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope, utcnow
from vigil.organisations.service import get_organisation_by_slug


def _case_with_help_call(live_server, analyst) -> int:  # type: ignore[no-untyped-def]
    engine = make_engine(live_server.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        org = get_organisation_by_slug(session, slug="red-andina")
        vault = Vault(session=session, ring=keystore_for(live_server.settings).current())
        incident = make_incident(session, org, vault=vault, status="active")
        schedule, _ = start_schedule(
            session,
            live_server.settings,
            org_id=org.id,
            incident_id=incident.id,
            every_hours=24,
            actor_user_id=analyst.user.id,
            now=utcnow() - timedelta(hours=1),
        )
        record_check_in(
            session,
            live_server.settings,
            schedule=schedule,
            method="link",
            safe=False,
            now=utcnow(),
        )
        incident_id = incident.id
    engine.dispose()
    return incident_id


@pytest.mark.parametrize(
    "javascript",
    [
        pytest.param(False, marks=pytest.mark.browser_context_args(java_script_enabled=False)),
        pytest.param(True, marks=pytest.mark.browser_context_args(java_script_enabled=True)),
    ],
    ids=["js-off", "js-on"],
)
def test_closing_is_refused_after_a_help_call(  # type: ignore[no-untyped-def]
    page: Page, live_server, analyst, seen_hosts, javascript
):
    incident_id = _case_with_help_call(live_server, analyst)
    staff_sign_in(page, live_server, analyst)
    page.goto(f"{live_server.url}/staff/incidents/{incident_id}/case")
    expect(page.locator("#closing-blockers")).to_contain_text("I need help now")

    page.select_option("#status", "resolved")
    page.click("#case-status-form button[type=submit]")
    expect(page.locator("#closing-error")).to_contain_text("The case cannot be closed yet.")
    expect(page.locator("#closing-error")).to_contain_text("I need help now")
    expect(page.locator("#case-status")).to_have_text("Active")
    page.goto(f"{live_server.url}/staff/incidents/{incident_id}/case")
    expect(page.locator("#case-status")).to_have_text("Active")
    assert set(seen_hosts) == {"127.0.0.1"}
