"""The public register in a real browser, with JavaScript off and on: a reader filters,
searches and pages through it, reads it in Spanish, opens an incident, looks at the
statistics and downloads the CSV; every public page passes axe-core with no serious problem
and asks nothing of any host but 127.0.0.1."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import assert_no_serious_axe_violations
from tests.browser.conftest import LiveServer
from tests.browser.register_world import MATCHING, Planted, plant_register
from tests.browser.test_reporting import watch_hosts

PAGE_SIZE = 25


def _codes(page: Page) -> list[str]:
    """The incident codes the results list shows, in order."""
    hrefs = page.locator("#register-list > li > a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return [href.rsplit("/", 1)[1] for href in hrefs]


def _filter(page: Page, *, q: str, country: str = "", attack: str = "", year: str = "") -> None:
    form = page.get_by_role("search")
    form.get_by_label("Search").fill(q)
    form.get_by_label("Country").select_option(country)
    form.get_by_label("Type of attack").select_option(attack)
    form.get_by_label("Year").fill(year)
    form.get_by_role("button", name="Filter").click()


@pytest.mark.parametrize("javascript", [False, True])
def test_a_reader_filters_pages_translates_opens_and_downloads(
    browser: Browser, live_server: LiveServer, javascript: bool
) -> None:
    planted = plant_register(live_server)
    context = browser.new_context(java_script_enabled=javascript, accept_downloads=True)
    hosts: list[str] = []
    watch_hosts(context, hosts)
    page = context.new_page()
    page.goto(f"{live_server.url}/incidents")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register of incidents")
    if javascript:
        page.wait_for_function("() => window.htmx !== undefined")
        page.evaluate("() => { window.keptAcrossSwaps = true; }")

    # The search alone finds the planted rows and the decoys; the filters leave the decoys out.
    _filter(page, q=planted.word)
    expect(page.locator("#result-count")).to_have_text(f"{MATCHING + 3} incidents match.")
    _filter(page, q=planted.word, country="PE", attack="death_threat", year="2024")
    expect(page.locator("#result-count")).to_have_text(f"{MATCHING} incidents match.")
    expect(page).to_have_url(f"{live_server.url}/incidents?{_query(planted.word)}")
    if javascript:  # HTMX swapped the results in place: the page itself was never reloaded
        assert page.evaluate("() => window.keptAcrossSwaps") is True
    form = page.get_by_role("search")
    expect(form.get_by_label("Country")).to_have_value("PE")  # the form keeps the filters
    expect(form.get_by_label("Year")).to_have_value("2024")

    pager = page.get_by_role("navigation", name="Pages")
    first = _codes(page)
    assert first == planted.codes[:PAGE_SIZE]
    expect(pager.get_by_role("link")).to_have_text(["Next"])  # nothing before the first page
    pager.get_by_role("link", name="Next").click()
    expect(page.locator("#register-list > li")).to_have_count(PAGE_SIZE)
    assert _codes(page) == planted.codes[PAGE_SIZE : 2 * PAGE_SIZE]
    pager.get_by_role("link", name="Next").click()
    expect(page.locator("#register-list > li")).to_have_count(MATCHING - 2 * PAGE_SIZE)
    assert _codes(page) == planted.codes[2 * PAGE_SIZE :]
    expect(pager.get_by_role("link")).to_have_text(["First page", "Previous"])  # the last one
    pager.get_by_role("link", name="Previous").click()
    expect(page.locator("#register-list > li")).to_have_count(PAGE_SIZE)
    assert _codes(page) == planted.codes[PAGE_SIZE : 2 * PAGE_SIZE]
    expect(page.locator("#result-count")).to_have_text(f"{MATCHING} incidents match.")
    pager.get_by_role("link", name="First page").click()
    expect(page.locator("#register-list > li")).to_have_count(PAGE_SIZE)
    assert _codes(page) == first
    assert not set(planted.decoys) & set(first)

    # In Spanish: the same page, its labels translated.
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Registro de incidentes")
    form = page.get_by_role("search")
    for label in ("Buscar", "País", "Tipo de ataque", "Año"):
        expect(form.get_by_label(re.compile(f"^{label}"))).to_be_visible()
    form.get_by_label("Buscar").fill(planted.word)
    form.get_by_label("Tipo de ataque").select_option("death_threat")
    form.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#result-count")).to_have_text(f"{MATCHING + 2} incidentes coinciden.")

    # The newest incident: its page, in Spanish, with the company's verbatim answer.
    page.locator("#register-list > li > a").first.click()
    expect(page).to_have_url(f"{live_server.url}/incidents/{planted.codes[0]}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Amenaza de muerte")
    expect(heading).to_contain_text("Perú")
    expect(page.locator("blockquote.verbatim")).to_have_text(
        f"We reject this account ({planted.word})."
    )
    expect(page.get_by_role("link", name=planted.company_name).first).to_be_visible()

    # The statistics: charts and the world map.
    page.goto(f"{live_server.url}/statistics")
    expect(page.get_by_role("heading", name="Por año", exact=True)).to_be_visible()
    expect(page.locator("svg[role=img]")).to_have_count(4)
    expect(page.locator("svg.world-map-svg")).to_be_visible()
    assert page.locator("svg.world-map-svg path").count() > 150

    # The open data: the CSV download has the header and the planted rows.
    page.goto(f"{live_server.url}/data")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="incidents.csv", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "incidents.csv"
    with open(download.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    by_code = {row["code"]: row for row in rows}
    newest = by_code[planted.codes[0]]
    assert (newest["country"], newest["region"], newest["year"]) == ("PE", "PE-CUS", "2024")
    assert newest["response_status"] == "responded"
    assert set(planted.codes) <= set(by_code)
    assert newest["url"].endswith(f"/incidents/{planted.codes[0]}")
    _only_local(hosts)
    context.close()


def _query(word: str) -> str:
    """The query string the filter form sends, in the form's field order."""
    fields = {"q": word, "country": "PE", "sector": "", "attack_type": "death_threat"}
    fields |= {"defender_type": "", "year": "2024", "response_status": ""}
    return "&".join(f"{key}={value}" for key, value in fields.items())


def _only_local(hosts: list[str]) -> None:
    assert hosts, "the test saw no request at all"
    assert set(hosts) == {"127.0.0.1"}, hosts


@pytest.fixture(scope="module")
def planted(live_server: LiveServer) -> Planted:
    """Planted once for the page checks. Rows planted directly point at bare incidents, so
    the register batch (run by ``test_right_of_reply_journey.py``, later in the session)
    deletes them: plant again rather than reuse after a refresh."""
    return plant_register(live_server)


#: Every public page of the register and the open data, by what it needs from the world.
PAGES: dict[str, Callable[[Planted], str]] = {
    "register": lambda p: "/incidents",
    "register filtered": lambda p: f"/incidents?q={p.word}&country=PE",
    "register no match": lambda p: "/incidents?q=nothing-matches-this",
    "register bad filter": lambda p: "/incidents?year=abc",
    "incident": lambda p: f"/incidents/{p.codes[0]}",
    "incident not asked": lambda p: f"/incidents/{p.codes[-1]}",
    "company": lambda p: f"/companies/{p.company_id}",
    "countries": lambda p: "/countries",
    "country": lambda p: "/countries/PE",
    "country empty": lambda p: "/countries/IS",
    "sectors": lambda p: "/sectors",
    "sector": lambda p: "/sectors/mining",
    "non-responders": lambda p: "/responses/non-responders",
    "statistics": lambda p: "/statistics",
    "data": lambda p: "/data",
    "statements": lambda p: "/statements",
    "dialogues": lambda p: "/dialogues",
    "actions": lambda p: "/actions",
}


@pytest.mark.parametrize("name", PAGES)
def test_every_public_page_passes_axe_and_stays_local(  # type: ignore[no-untyped-def]
    page: Page, live_server: LiveServer, planted: Planted, seen_hosts, name: str
) -> None:
    response = page.goto(live_server.url + PAGES[name](planted))
    assert response is not None
    assert response.status == (400 if name == "register bad filter" else 200)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_serious_axe_violations(page)
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).not_to_be_empty()
    _only_local(seen_hosts)


@pytest.mark.parametrize("path", ["/feeds/incidents.atom", "/data/datapackage.json"])
def test_the_feed_and_data_files_stay_local(  # type: ignore[no-untyped-def]
    page: Page, live_server: LiveServer, planted: Planted, seen_hosts, path: str
) -> None:
    response = page.goto(live_server.url + path)
    assert response is not None and response.status == 200
    assert planted.codes[0] in response.text() or path.endswith(".json")
    _only_local(seen_hosts)
