"""The country page's counts by region withhold every cell below ``VIGIL_PUBLIC_MIN_CELL``
(5 in the tests): a small region is merged into the rest of the country, a rest below 5 is
"fewer than 5", and the country's total is the sum of the shown cells only, so no total
minus the shown regions recovers a withheld number (nor does the countries index)."""

from __future__ import annotations

import re
from html import unescape

from tests.factories import make_org
from tests.public.register_factories import make_public_incident


def _incidents(session, org, count: int, **fields) -> None:  # type: ignore[no-untyped-def]
    for _ in range(count):
        make_public_incident(session, org, **fields)


def _rows(html: str) -> list[tuple[str, str]]:
    table = re.search(r'<table id="region-counts">(.*?)</table>', html, re.S)
    assert table
    cells = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td></tr>", table.group(1))
    return [(re.sub(r"<[^>]+>", "", unescape(r)), unescape(n)) for r, n in cells]


def _lead(html: str) -> str:
    found = re.search(r'id="country-total">(.*?)</p>', html, re.S)
    assert found
    return " ".join(unescape(found.group(1)).split())


def _index_count(html: str, name: str) -> str:
    found = re.search(rf">{name}</a></td><td class=\"num\">(.*?)</td>", html)
    assert found, name
    return unescape(found.group(1))


def test_five_in_a_region_is_shown_four_is_withheld_and_left_out_of_the_total(session, client):  # type: ignore[no-untyped-def]
    org = make_org(session)
    _incidents(session, org, 5, region="CO-CAU")
    _incidents(session, org, 4, region="CO-ANT")
    session.commit()

    page = client.get("/countries/CO").text
    assert _rows(page) == [("Cauca", "5"), ("Rest of the country", "fewer than 5")]
    assert "CO-ANT" not in page  # no link to the withheld region's incidents from the counts
    # 9 incidents, but the total is the shown cells' sum: 5 − 5 = 0 reveals nothing
    assert _lead(page) == "5 incidents in the register."
    assert _index_count(client.get("/countries").text, "Colombia") == "5"


def test_a_rest_of_five_is_shown_and_counted(session, client):  # type: ignore[no-untyped-def]
    org = make_org(session)
    _incidents(session, org, 5, region="CO-CAU")
    _incidents(session, org, 4, region="CO-ANT")
    make_public_incident(session, org, region="")
    session.commit()

    page = client.get("/countries/CO").text
    assert _rows(page) == [("Cauca", "5"), ("Rest of the country", "5")]
    assert _lead(page) == "10 incidents in the register."
    assert _index_count(client.get("/countries").text, "Colombia") == "10"


def test_a_country_with_four_incidents_shows_no_number(session, client):  # type: ignore[no-untyped-def]
    org = make_org(session)
    _incidents(session, org, 4, region="CO-CAU")
    session.commit()

    page = client.get("/countries/CO").text
    assert _rows(page) == [("Rest of the country", "fewer than 5")]
    assert "region=CO-CAU" not in page
    assert _lead(page) == "Fewer than 5 incidents in the register."
    assert _index_count(client.get("/countries").text, "Colombia") == "fewer than 5"


def test_regions_of_five_each_are_all_shown(session, client):  # type: ignore[no-untyped-def]
    org = make_org(session)
    _incidents(session, org, 6, region="CO-CAU")
    _incidents(session, org, 5, region="CO-ANT")
    session.commit()

    page = client.get("/countries/CO").text
    assert _rows(page) == [("Cauca", "6"), ("Antioquia", "5")]
    assert _lead(page) == "11 incidents in the register."
