"""The case page in Chromium with JavaScript off: the summary is the first thing seen, the
section navigation is plain anchors that stay in view on a wide screen, and merging sits in
its own marked section at the end."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_reporting import staff_sign_in
from tests.factories import make_incident
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope
from vigil.organisations.service import get_organisation_by_slug


def _verified_case(live_server) -> int:  # type: ignore[no-untyped-def]
    engine = make_engine(live_server.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        org = get_organisation_by_slug(session, slug="red-andina")
        vault = Vault(session=session, ring=keystore_for(live_server.settings).current())
        incident_id = make_incident(session, org, vault=vault, status="verified").id
    engine.dispose()
    return incident_id


def _in_view(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"] if page.viewport_size else 0
    return box is not None and box["y"] < height and box["y"] + box["height"] > 0


@pytest.mark.browser_context_args(
    java_script_enabled=False, viewport={"width": 1280, "height": 800}
)
def test_summary_first_sections_by_anchor_and_merge_apart(  # type: ignore[no-untyped-def]
    page: Page, live_server, analyst, seen_hosts
):
    incident_id = _verified_case(live_server)
    staff_sign_in(page, live_server, analyst)
    page.goto(f"{live_server.url}/staff/incidents/{incident_id}/case")
    expect(page.locator("#case-summary")).to_contain_text("Not assessed yet")
    assert _in_view(page, "#case-summary") and _in_view(page, "#case-sections")
    assert not _in_view(page, "#danger")

    page.click("#case-sections a[href='#danger']")
    assert page.url.endswith("#danger")
    assert _in_view(page, "#danger h2")
    expect(page.locator("#danger")).to_contain_text("cannot be undone")
    assert _in_view(page, "#case-sections")  # the navigation stayed at the top
    page.click("#case-sections a[href='#risk-h']")
    assert _in_view(page, "#risk-form")
