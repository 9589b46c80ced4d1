"""A reporter's message reaches "Needs me now": the badge in the staff navigation shows it,
an analyst acknowledges it and the badge goes. Chromium: the reporter without JavaScript, the
analyst without and with it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from tests.browser.test_reporting import latest_report_id, staff_sign_in, watch_hosts
from vigil.core.db import make_engine, make_sessionmaker, session_scope, utcnow
from vigil.inbox.models import InboxItem
from vigil.organisations.service import get_organisation_by_slug

MESSAGE = "Volvieron esta mañana a la casa."


def quiet_desk(database_url: str, user_id: int) -> None:
    """Whatever the demo data and earlier tests left open is taken, so the badge starts empty."""
    engine = make_engine(database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            org = get_organisation_by_slug(session, slug="red-andina")
            session.execute(
                update(InboxItem)
                .where(InboxItem.organisation_id == org.id, InboxItem.acknowledged_at.is_(None))
                .values(acknowledged_at=utcnow(), acknowledged_by_id=user_id, next_page_at=None)
            )
    finally:
        engine.dispose()


@pytest.mark.browser_context_args(java_script_enabled=False)
@pytest.mark.parametrize("javascript", [False, True], ids=["staff-js-off", "staff-js-on"])
def test_a_reporter_message_shows_in_the_badge_until_acknowledged(  # type: ignore[no-untyped-def]
    page: Page, browser: Browser, live_server, analyst, seen_hosts, javascript: bool
):
    quiet_desk(live_server.database_url, analyst.user.id)

    # The reporter files an ordinary report (nothing urgent, no item yet) and writes again.
    page.goto(live_server.url + "/report")
    page.check("#attack_type-death_threat")
    page.select_option("#country", "CO")
    page.fill("#narrative", "Nos amenazaron después de la asamblea.")
    page.click("#send-report")
    receipt = page.locator("#receipt").inner_text().strip()
    report_id = latest_report_id(live_server.database_url)

    staff_context = browser.new_context(java_script_enabled=javascript)
    watch_hosts(staff_context, seen_hosts)
    staff = staff_context.new_page()
    try:
        staff_sign_in(staff, live_server, analyst)
        expect(staff).to_have_url(re.compile(r"/staff/now$"))
        expect(staff.locator("#inbox-count")).to_have_count(0)

        page.goto(live_server.url + "/report/status")
        page.fill("#receipt", receipt)
        page.click("main button[type=submit]")
        page.fill("#message", MESSAGE)
        page.click("main button[type=submit]")
        expect(page.locator(".conversation")).to_contain_text(MESSAGE)

        # Any staff page now shows the badge; "Needs me now" lists the message, wordless.
        staff.goto(live_server.url + "/staff/incidents")
        expect(staff.locator("#inbox-count")).to_have_text("1")
        staff.click("#nav-now")
        item = staff.locator("#open-items li").first
        expect(item).to_contain_text("New message from a reporter")
        expect(item).to_contain_text(f"Report {report_id}")
        expect(staff.locator("main")).not_to_contain_text(MESSAGE)
        expect(item.locator("a")).to_have_attribute(
            "href", f"/staff/reports/{report_id}#conversation"
        )

        item.locator("button", has_text="Acknowledge").click()
        expect(staff).to_have_url(re.compile(r"/staff/now\?done=acknowledged#item-\d+$"))
        expect(staff.locator("#inbox-count")).to_have_count(0)
        expect(staff.locator("#acknowledged-items")).to_contain_text(
            f"Acknowledged by {analyst.user.display_name}"
        )
        staff.click(f"#acknowledged-items a[href='/staff/reports/{report_id}#conversation']")
        expect(staff.locator(".conversation")).to_contain_text(MESSAGE)
    finally:
        staff_context.close()
    assert set(seen_hosts) == {"127.0.0.1"}
