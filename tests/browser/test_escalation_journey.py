"""Acknowledging is not responding, in Chromium with JavaScript off and on: the analyst sends the
death-threat playbook's alert; the operator's security lead acknowledges from the signed link
but never responds; the worker runs at the tier's deadline (called here with a later ``now``)
and tier 2 is alerted then, not a second before; the analyst sees, on the alert page, the
operator marked "no response by the deadline" and the escalation on the timeline."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.browser.test_alert_journey import _acknowledge_url, _story_id
from tests.browser.test_reporting import staff_sign_in, watch_hosts
from vigil.alerts.jobs import advance_alerts
from vigil.alerts.models import Alert
from vigil.contacts.models import Contact
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope
from vigil.outbox.models import Delivery

OPERATOR = "Julián Ortega (fictional)"
#: The bundled death-threat playbook: tier 1 has 8 + 16 hours to respond.
DEADLINE = timedelta(hours=24)


def _worker(live_server, alert_id: int, after: timedelta) -> dict[str, set[int]]:  # type: ignore[no-untyped-def]
    """Run the worker's alert job ``after`` the launch; the tiers and the recipients each
    purpose of delivery has gone to so far."""
    engine = make_engine(live_server.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        vault = Vault(session=session, ring=keystore_for(live_server.settings).current())
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.launched_at is not None
        advance_alerts(session, vault, live_server.settings, now=alert.launched_at + after)
        rows = session.execute(
            select(Delivery.purpose, Delivery.tier, Contact.name)
            .join(Contact, Contact.id == Delivery.contact_id)
            .where(Delivery.alert_id == alert_id)
        ).all()
    engine.dispose()
    sent: dict[str, set] = {}  # type: ignore[type-arg]
    for purpose, tier, name in rows:
        sent.setdefault(purpose, set()).update({tier, name})
    return sent


def _send_alert(page: Page, live_server) -> int:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/staff/incidents/{_story_id(live_server)}/case")
    page.click("#case-alerts a")
    page.click("#draft-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff/alerts/\d+\?done=drafted"))
    alert_id = int(re.search(r"/staff/alerts/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    page.click("#message-form button[type=submit]")
    page.click("#launch-form button[type=submit]")
    expect(page.locator("#alert-status")).to_have_text("Active")
    return alert_id


@pytest.mark.parametrize(
    "javascript",
    [
        pytest.param(False, marks=pytest.mark.browser_context_args(java_script_enabled=False)),
        pytest.param(True, marks=pytest.mark.browser_context_args(java_script_enabled=True)),
    ],
    ids=["js-off", "js-on"],
)
def test_the_operator_acknowledges_but_does_not_respond_so_tier_2_is_alerted_at_the_deadline(  # type: ignore[no-untyped-def]
    page: Page, browser: Browser, live_server, analyst, seen_hosts, javascript
):
    staff_sign_in(page, live_server, analyst)
    alert_id = _send_alert(page, live_server)

    ack_url = _acknowledge_url(live_server, alert_id, OPERATOR)
    ack_url = live_server.url + ack_url.removeprefix(live_server.settings.base_url)
    recipient_context = browser.new_context(java_script_enabled=javascript)
    watch_hosts(recipient_context, seen_hosts)
    recipient = recipient_context.new_page()
    try:
        recipient.goto(ack_url)
        recipient.click("main form button[type=submit]")
        expect(recipient.locator("main")).to_be_visible()
    finally:
        recipient_context.close()
    page.reload()
    expect(page.locator("#tier-1")).to_contain_text("Acknowledged, no response yet")

    reminded = _worker(live_server, alert_id, timedelta(hours=8)).get("reminder", set())
    assert OPERATOR not in reminded  # the acknowledgement paused his reminders only
    assert "escalation" not in _worker(live_server, alert_id, DEADLINE - timedelta(seconds=1))
    escalated = _worker(live_server, alert_id, DEADLINE)["escalation"]
    assert 2 in escalated and 1 not in escalated

    page.reload()
    expect(page.locator("#tier-1")).to_contain_text("No response by the deadline")
    expect(page.locator("#events")).to_contain_text("Escalated")
    expect(page.locator("#events")).to_contain_text(
        "tier 1 gave no substantive response by its deadline"
    )
    expect(page.locator("#tier-2")).to_contain_text("Informed, no answer yet")
    assert set(seen_hosts) == {"127.0.0.1"}
