"""An alert from a verified case to a recipient's acknowledgement, in Chromium with JavaScript
off: the analyst prepares the death-threat playbook's alert from the case, reviews the
proposed recipients and the previews, sends it; the operator's security lead opens the signed
link from the message and acknowledges; the analyst sees it on the alert's timeline."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.browser.test_reporting import staff_sign_in, watch_hosts
from vigil.contacts.models import Contact
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope
from vigil.incidents.service import find_incident_by_ref
from vigil.organisations.service import get_organisation_by_slug
from vigil.outbox.models import Delivery


def _story_id(live_server) -> int:  # type: ignore[no-untyped-def]
    engine = make_engine(live_server.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        org = get_organisation_by_slug(session, slug="red-andina")
        incident_id = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000").id
    engine.dispose()
    return incident_id


def _acknowledge_url(live_server, alert_id: int, contact_name: str) -> str:  # type: ignore[no-untyped-def]
    """What the recipient finds in their e-mail (read from the sealed outbox row)."""
    engine = make_engine(live_server.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        vault = Vault(session=session, ring=keystore_for(live_server.settings).current())
        delivery = session.scalar(
            select(Delivery)
            .join(Contact, Contact.id == Delivery.contact_id)
            .where(Delivery.alert_id == alert_id, Contact.name == contact_name)
        )
        content = json.loads(vault.open(delivery.data_key_id, delivery.content_sealed) or "{}")
    engine.dispose()
    return content["payload"]["links"]["acknowledge"]


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_alert_from_case_to_acknowledgement(  # type: ignore[no-untyped-def]
    page: Page, browser: Browser, live_server, analyst, seen_hosts
):
    incident_id = _story_id(live_server)
    staff_sign_in(page, live_server, analyst)
    page.goto(f"{live_server.url}/staff/incidents/{incident_id}/case")
    page.click("#case-alerts a")
    page.click("#draft-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff/alerts/\d+\?done=drafted"))
    alert_id = int(re.search(r"/staff/alerts/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    expect(page.locator("#tier-1")).to_contain_text("Julián Ortega (fictional)")
    expect(page.locator("#tier-1")).to_contain_text("Harriet Cole (fictional)")

    page.fill("#note-en", "Two armed men delivered the threat at night; the defender is safe now.")
    page.click("#message-form button[type=submit]")
    expect(page.locator("#preview-es")).to_contain_text("Two armed men")
    expect(page.locator("#preview-en")).to_be_visible()
    page.click("#launch-form button[type=submit]")
    expect(page.locator("#alert-status")).to_have_text("Active")
    expect(page.locator("#tier-states")).to_be_visible()

    ack_url = _acknowledge_url(live_server, alert_id, "Julián Ortega (fictional)")
    # Links are absolute, on VIGIL_BASE_URL; the live server listens on a random port.
    assert ack_url.startswith(live_server.settings.base_url + "/l/")
    ack_url = live_server.url + ack_url.removeprefix(live_server.settings.base_url)
    recipient_context = browser.new_context(java_script_enabled=False)
    watch_hosts(recipient_context, seen_hosts)
    recipient = recipient_context.new_page()
    try:
        recipient.goto(ack_url)
        expect(recipient.locator("html")).to_have_attribute("lang", "es")
        recipient.click("main form button[type=submit]")
        expect(recipient.locator("main")).to_be_visible()
    finally:
        recipient_context.close()

    page.reload()
    expect(page.locator("#events")).to_contain_text("Acknowledged")
    expect(page.locator("#tier-1")).to_contain_text("Acknowledged")
    assert set(seen_hosts) == {"127.0.0.1"}
