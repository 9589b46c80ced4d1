"""The public statistics page in a real browser: charts and map with JavaScript off and on,
in every language, nothing fetched from another host, and no serious accessibility problem
(axe-core) on it or on the home page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import assert_no_serious_axe_violations
from tests.browser.conftest import LiveServer


def _only_local(hosts: list[str]) -> None:
    assert hosts, "the test saw no request at all"
    assert set(hosts) == {"127.0.0.1"}, hosts


@pytest.mark.parametrize("javascript", [False, True])
def test_statistics_and_map_render_with_javascript_off_and_on(
    browser: Browser, live_server: LiveServer, javascript: bool
) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    hosts: list[str] = []
    context.on("request", lambda request: hosts.append(request.url.split("/")[2].split(":")[0]))
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/statistics")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Statistics")
    for heading in ("By country", "By year", "By type of attack", "By sector"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    charts = page.locator("svg[role=img]")
    expect(charts).to_have_count(4)
    world = page.locator("svg.world-map-svg")
    expect(world).to_be_visible()
    assert world.bounding_box()["width"] > 300  # drawn, not collapsed
    assert page.locator("svg.world-map-svg path").count() > 150  # every country outlined
    linked = page.locator("svg.world-map-svg a[href^='/countries/']")
    assert linked.count() >= 1  # the demo snapshot has at least one published country
    # The tables are there with JavaScript off: a click on the summary opens one.
    page.get_by_text("The numbers as a table").first.click()
    expect(page.locator("table.counts").first).to_be_visible()

    page.get_by_role("navigation", name="Language").get_by_role("link", name="Español").click()
    expect(page).to_have_url(f"{live_server.url}/statistics")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Por año", exact=True)).to_be_visible()
    expect(page.locator("svg.world-map-svg title").first).not_to_be_empty()
    _only_local(hosts)
    context.close()


def test_a_map_country_links_to_its_page(page: Page, live_server: LiveServer, seen_hosts) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/statistics")
    link = page.locator("svg.world-map-svg a[href^='/countries/']").first
    code = link.get_attribute("href").rsplit("/", 1)[1]
    assert link.get_attribute("aria-label")
    assert len(code) == 2 and code.isupper()
    assert set(seen_hosts) == {"127.0.0.1"}


@pytest.mark.parametrize("path", ["/", "/statistics"])
def test_no_serious_accessibility_problem(page: Page, live_server: LiveServer, path: str) -> None:
    page.goto(f"{live_server.url}{path}")
    assert_no_serious_axe_violations(page)


def test_the_axe_helper_catches_a_serious_problem(page: Page) -> None:
    page.set_content(
        "<!doctype html><html lang='en'><title>t</title><main>"
        "<img src='data:,'><button></button></main></html>"
    )
    with pytest.raises(AssertionError, match="button-name"):
        assert_no_serious_axe_violations(page)
    assert_no_serious_axe_violations(page, disable=("button-name", "image-alt"))
