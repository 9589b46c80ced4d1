"""One case carried from the anonymous report to its documented closure, in Chromium with
JavaScript off: decision with the inclusion check, extreme risk with a review date, status
moves, a closure asked by one analyst and approved by another."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_reporting import latest_report_id, staff_sign_in, watch_hosts


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_case_from_report_to_closure(  # type: ignore[no-untyped-def]
    page: Page, browser: Browser, live_server, analyst, second_analyst, seen_hosts
):
    page.goto(live_server.url + "/report")
    page.select_option("#target_kind", "person")
    page.check("#attack_type-death_threat")
    page.select_option("#country", "CO")
    page.click("#show-regions")  # without JavaScript: the list of the country's regions
    page.select_option("#region", "CO-CAU")
    page.fill("#narrative", "A death threat was left at the community leader's door.")
    page.click("#send-report")
    expect(page.locator("#receipt")).to_be_visible()
    report_id = latest_report_id(live_server.database_url)

    staff_sign_in(page, live_server, analyst)
    page.goto(f"{live_server.url}/staff/reports/{report_id}")
    page.check("input[name=is_defender]")
    page.check("input[name=business_link]")
    page.check("input[name=has_source]")
    page.fill("#inclusion-reasons", "Peaceful land defence; the mine's expansion; direct report.")
    page.fill("#incident-title", "Death threat against a community leader, Cauca")
    page.click("#convert-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff/incidents/\d+/case\?done=converted"))
    case_url = page.url.split("?")[0]
    expect(page.locator("#case-status")).to_have_text("Verified")

    page.select_option("#level", "extreme")
    page.select_option("#factor-threat_source", "high")
    page.fill("#review-on", (date.today() + timedelta(days=7)).isoformat())
    page.click("#risk-form button[type=submit]")
    expect(page.locator("#case-risk")).to_contain_text("Extreme risk")
    for status in ("active", "resolved"):
        page.select_option("#status", status)
        page.click("#case-status-form button[type=submit]")
    expect(page.locator("#case-status")).to_have_text("Resolved")
    page.select_option("#closure-reason", "risk_reduced")
    page.click("#closure-form button[type=submit]")
    expect(page.locator("#closure-review")).to_be_visible()
    expect(page.locator("#case-status")).to_have_text("Resolved")

    reviewer_context = browser.new_context(java_script_enabled=False)
    watch_hosts(reviewer_context, seen_hosts)
    reviewer = reviewer_context.new_page()
    try:
        staff_sign_in(reviewer, live_server, second_analyst)
        reviewer.goto(case_url)
        reviewer.click("text=Approve closing")
        expect(reviewer.locator("#case-status")).to_have_text("Closed")
        expect(reviewer.locator("main")).to_contain_text("Risk reduced")
    finally:
        reviewer_context.close()
    assert set(seen_hosts) == {"127.0.0.1"}
