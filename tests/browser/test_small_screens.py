"""Every page the browser suite knows fits a 375 px phone without scrolling sideways, with
JavaScript off (the defender's phone in issue 13): the report form first, then the
reporter's, the defender's and the recipient's pages, then every staff page reachable from the
navigation and the case, alert, company and leverage pages. Tables may scroll inside their
own wrapper; the page itself may not."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.browser.test_reporting import staff_sign_in
from tests.factories import StaffAccount, make_staff
from vigil.alerts.models import Alert
from vigil.checkins.service import start_schedule
from vigil.companies.service import get_company_by_key
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope, utcnow
from vigil.incidents.service import find_incident_by_ref
from vigil.organisations.service import get_organisation_by_slug
from vigil.outbox.models import Delivery

PHONE = {"width": 375, "height": 740}

#: How wide the page is, and the widest element sticking out (to say what to fix).
MEASURE = """() => {
  const limit = window.innerWidth;
  let worst = null;
  for (const el of document.querySelectorAll('body *')) {
    const right = el.getBoundingClientRect().right;
    if (right > limit + 0.5 && (!worst || right > worst.right)) {
      const where = el.parentElement ? el.parentElement.tagName.toLowerCase() + ' > ' : '';
      worst = {right: Math.round(right), what: where + el.outerHTML.slice(0, 160)};
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: limit, worst: worst};
}"""


class Overflows:
    """Collects the pages wider than the screen, so one run names all of them."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.checked: list[str] = []

    def check(self, page: Page, name: str) -> None:
        expect(page.locator("main")).to_be_visible()
        measured = page.evaluate(MEASURE)
        self.checked.append(name)
        if measured["scroll"] > measured["inner"]:
            self.found.append(
                f"{name} ({page.url}): {measured['scroll']} px > {measured['inner']} px,"
                f" widest {measured['worst']}"
            )


def _world(live_server) -> dict[str, int | str]:  # type: ignore[no-untyped-def]
    """Ids of the demo story and a fresh check-in link on its case."""
    engine = make_engine(live_server.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        org = get_organisation_by_slug(session, slug="red-andina")
        incident = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000")
        company = get_company_by_key(session, key="demo:minera-andina")
        vault = Vault(session=session, ring=keystore_for(live_server.settings).current())
        coordinator = make_staff(session, org, role="coordinator", vault=vault)
        _, token = start_schedule(
            session,
            live_server.settings,
            org_id=org.id,
            incident_id=incident.id,
            every_hours=24,
            actor_user_id=coordinator.user.id,
            now=utcnow() - timedelta(minutes=1),
        )
        org.emergency_numbers = {incident.country: "Policía 123 · Línea de protección 01 8000"}
        world = {"incident": incident.id, "company": company.id, "check_in": token}
    engine.dispose()
    world["coordinator"] = coordinator  # type: ignore[assignment]
    return world


def _recipient_links(live_server, alert_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The links of the first message the alert sent (read from the sealed outbox row)."""
    engine = make_engine(live_server.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        vault = Vault(session=session, ring=keystore_for(live_server.settings).current())
        delivery = session.scalar(
            select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.id)
        )
        content = json.loads(vault.open(delivery.data_key_id, delivery.content_sealed) or "{}")
        assert session.get(Alert, alert_id) is not None
    engine.dispose()
    base = live_server.settings.base_url
    return {
        purpose: live_server.url + url.removeprefix(base)
        for purpose, url in content["payload"]["links"].items()
    }


def _public_pages(page: Page, live_server, world, seen: Overflows) -> None:  # type: ignore[no-untyped-def]
    url = live_server.url
    for path in ("/report", "/report/status", "/check-in", "/", "/login", "/l/not-a-link"):
        for locale in ("es", "en"):
            page.goto(f"{url}/language/{locale}?next={path}")
            seen.check(page, f"{path} [{locale}]")
    page.goto(url + "/report")
    page.click("#send-report")  # nothing filled in: every error shows
    expect(page.locator(".error-summary")).to_be_visible()
    seen.check(page, "report form with errors")
    page.select_option("#country", "PE")
    page.click("#show-regions")
    page.select_option("#region", "PE-ARE")
    seen.check(page, "report form with the regions of Peru")
    page.goto(url + "/report/status")
    page.fill("#receipt", "0000 0000 0000 0000")
    page.click("main button[type=submit]")
    seen.check(page, "status with a wrong receipt")
    page.goto(f"{url}/l/{world['check_in']}")
    seen.check(page, "check-in link")
    page.click("button[value=safe]")  # not "help": that would page the demo's staff
    expect(page.locator("#emergency-numbers")).to_contain_text("Policía 123")
    expect(page.locator("#next-due")).to_be_visible()
    seen.check(page, "check-in link: safe, with the emergency numbers")
    page.goto(url + "/check-in")
    page.fill("#receipt", "0000 0000 0000 0000")
    page.click("button[value=safe]")
    seen.check(page, "check-in by receipt: answered")


def _staff_pages(page: Page, live_server, world, seen: Overflows) -> None:  # type: ignore[no-untyped-def]
    url = live_server.url
    page.goto(url + "/staff/incidents")
    links = page.locator("header nav:not(.languages) a")
    nav = [href for href in links.evaluate_all("a => a.map(x => x.href)") if "/staff" in href]
    assert len(nav) >= 6, nav
    for href in nav:
        page.goto(href)
        seen.check(page, f"navigation: {href.removeprefix(url)}")
        rows = page.locator("main table tbody tr a[href^='/staff/']")
        if rows.count():
            first = rows.first.get_attribute("href")
            page.goto(url + str(first))
            seen.check(page, f"first row of {href.removeprefix(url)}: {first}")
    incident, company = world["incident"], world["company"]
    for path in (
        f"/staff/incidents/{incident}",
        f"/staff/incidents/{incident}/case",
        f"/staff/incidents/{incident}/alerts",
        f"/staff/incidents/{incident}/leverage",
        f"/staff/incidents/{incident}/link-company?company_id={company}",
        f"/staff/companies/{company}",
        f"/staff/companies/{company}/leverage",
        f"/staff/companies/{company}/edit",
        "/staff/companies/match?q=Minera",
        "/staff/companies/duplicates",
        "/staff/contacts/new",
        "/staff/contacts/import",
        "/staff/contact-groups",
        "/staff/deliveries",
        "/staff/playbooks/import",
    ):
        page.goto(url + path)
        seen.check(page, path)


def _alert_pages(  # type: ignore[no-untyped-def]
    page: Page, browser: Browser, live_server, world, seen: Overflows
) -> None:
    """An alert drafted, previewed and launched from the case, then the recipient's pages."""
    page.goto(f"{live_server.url}/staff/incidents/{world['incident']}/alerts")
    page.click("#draft-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff/alerts/\d+\?done=drafted"))
    alert_id = int(re.search(r"/staff/alerts/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    seen.check(page, "alert: draft")
    page.fill("#note-en", "Two armed men delivered the threat at night; " * 8)
    page.click("#message-form button[type=submit]")
    expect(page.locator("#preview-es")).to_be_visible()
    seen.check(page, "alert: preview")
    page.click("#launch-form button[type=submit]")
    expect(page.locator("#alert-status")).to_have_text("Active")
    seen.check(page, "alert: launched")

    recipient_context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    recipient = recipient_context.new_page()
    try:
        for purpose, link in sorted(_recipient_links(live_server, alert_id).items()):
            recipient.goto(link)
            seen.check(recipient, f"recipient link: {purpose}")
    finally:
        recipient_context.close()


@pytest.mark.browser_context_args(java_script_enabled=False, viewport=PHONE)
def test_every_page_fits_a_375_px_screen(  # type: ignore[no-untyped-def]
    page: Page, browser: Browser, live_server, seen_hosts
):
    world = _world(live_server)
    seen = Overflows()
    _public_pages(page, live_server, world, seen)
    coordinator: StaffAccount = world["coordinator"]  # type: ignore[assignment]
    staff_sign_in(page, live_server, coordinator)
    page.goto(live_server.url + "/language/en?next=/staff/incidents")
    _staff_pages(page, live_server, world, seen)
    _alert_pages(page, browser, live_server, world, seen)
    assert len(seen.checked) > 40, seen.checked
    assert not seen.found, "\n".join(seen.found)
    assert set(seen_hosts) == {"127.0.0.1"}


def test_choosing_a_country_lists_its_regions_with_htmx(page: Page, live_server, seen_hosts):  # type: ignore[no-untyped-def]
    """With JavaScript on, choosing the country swaps in its regions without a reload."""
    page.goto(live_server.url + "/language/en?next=/report")
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")
    expect(page.locator("#region-hint")).to_be_visible()
    page.select_option("#country", "PE")
    expect(page.locator("#region option[value=PE-CUS]")).to_have_text("Cusco")
    assert page.locator("#region option[value^=CO-]").count() == 0
    page.select_option("#country", "CO")
    expect(page.locator("#region option[value=CO-CAU]")).to_have_text("Cauca")
    assert set(seen_hosts) == {"127.0.0.1"}
