"""The public register's list: every filter, search, keyset pagination, bad values, HTMX."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from tests.factories import make_org
from tests.public.register_factories import make_company, make_public_incident
from vigil.public.register_pages import PAGE_SIZE


def codes(html: str) -> list[str]:
    """The incident codes listed on a register page, in order."""
    return re.findall(r'<li><a href="/incidents/([0-9a-f]+)">', html)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return unescape(found.group(1)) if found else None


# (query string, what the matching row has, what the other row has)
FILTERS = [
    ("country=PE&region=", {"country": "PE", "region": ""}, {"country": "CO"}),
    ("country=CO&region=CO-ANT", {"region": "CO-ANT"}, {"region": "CO-CAU"}),
    ("region=co-ant", {"region": "CO-ANT"}, {"region": "CO-CAU"}),
    ("sector=logging", {"sector": "logging"}, {"sector": "mining"}),
    ("attack_type=killing", {"attack_types": ("killing", "death_threat")}, {}),
    ("defender_type=journalist", {"defender_types": ("journalist",)}, {}),
    ("year=2024", {"year": 2024}, {"year": 2025}),
    ("response_status=did_not_respond", {"response_status": "did_not_respond"}, {}),
    ("response_status=responded", {"response_status": "responded"}, {"response_status": "invited"}),
]


@pytest.mark.parametrize(("query", "matching", "other"), FILTERS)
def test_each_filter_keeps_the_matching_row_only(session, client, query, matching, other):
    org = make_org(session)
    hit = make_public_incident(session, org, **matching)
    miss = make_public_incident(session, org, **other)
    session.commit()

    page = client.get(f"/incidents?{query}")
    assert page.status_code == 200
    assert codes(page.text) == [hit.code]
    assert miss.code not in page.text
    assert "1 incident matches." in page.text
    assert sorted(codes(client.get("/incidents").text)) == sorted([hit.code, miss.code])


def test_company_filter_shows_the_company_and_a_way_back(session, client):
    org = make_org(session)
    mine, other = make_company(session, "Minera Andina"), make_company(session, "Other Corp")
    hit = make_public_incident(session, org, companies=(mine,))
    make_public_incident(session, org, companies=(other,))
    session.commit()

    page = client.get(f"/incidents?company_id={mine.id}&sector=mining")
    assert codes(page.text) == [hit.code]
    assert "<strong>Minera Andina</strong>" in page.text
    assert f'name="company_id" value="{mine.id}"' in page.text
    assert 'href="/incidents?sector=mining">any company</a>' in page.text


def test_search_needs_every_word_and_ignores_case_and_accents(session, client):
    org = make_org(session)
    both = make_public_incident(session, org, words="Río Ñambí pipeline")
    one = make_public_incident(session, org, words="Rio only")
    session.commit()

    assert codes(client.get("/incidents?q=RIO+%C3%B1amb%C3%AD").text) == [both.code]
    assert codes(client.get("/incidents?q=r%C3%ADo").text) == [one.code, both.code]
    page = client.get("/incidents?q=nambi+absent")
    assert codes(page.text) == []
    assert "No incident matches these filters." in page.text
    # A LIKE wildcard is searched for as it is, not as a wildcard.
    assert codes(client.get("/incidents?q=__").text) == []


def test_newest_first_and_ties_on_the_date_are_broken_by_id(session, client):
    org = make_org(session)
    older = make_public_incident(session, org, sort_date=date(2024, 1, 1))
    tie_a = make_public_incident(session, org, sort_date=date(2025, 1, 1))
    tie_b = make_public_incident(session, org, sort_date=date(2025, 1, 1))
    session.commit()
    assert codes(client.get("/incidents").text) == [tie_b.code, tie_a.code, older.code]


@pytest.mark.parametrize("extra", [-1, 0, 1])
def test_pages_at_the_page_size_edges(session, client, extra):
    org = make_org(session)
    rows = [
        make_public_incident(session, org, sort_date=date(2025, 1, 1 + i % 3))
        for i in range(PAGE_SIZE + extra)
    ]
    session.commit()
    expected = [r.code for r in sorted(rows, key=lambda r: (r.sort_date, r.id), reverse=True)]

    first = client.get("/incidents")
    assert codes(first.text) == expected[:PAGE_SIZE]
    assert link(first.text, "prev") is None and link(first.text, "first") is None
    assert f"{len(rows)} incidents match." in first.text
    next_url = link(first.text, "next")
    if extra <= 0:
        assert next_url is None
        return
    second = client.get(next_url)
    assert codes(second.text) == expected[PAGE_SIZE:]
    assert link(second.text, "next") is None
    assert link(second.text, "first") == "/incidents"
    back = client.get(link(second.text, "prev"))
    assert codes(back.text) == expected[:PAGE_SIZE]
    assert link(back.text, "prev") is None
    assert codes(client.get(link(back.text, "next")).text) == expected[PAGE_SIZE:]


def test_pagination_keeps_the_filters(session, client):
    org = make_org(session)
    for _ in range(PAGE_SIZE + 1):
        make_public_incident(session, org, sector="logging")
    make_public_incident(session, org, sector="mining")
    session.commit()
    next_url = link(client.get("/incidents?sector=logging").text, "next")
    assert next_url.startswith("/incidents?sector=logging&after=")
    assert len(codes(client.get(next_url).text)) == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("country=XX", "Unknown country: XX."),
        ("country=CO&region=FR-01", "The region FR-01 is not in the country CO."),
        ("region=CO-NOPE", "Unknown region: CO-NOPE."),
        ("sector=gold", "Unknown sector: gold."),
        ("attack_type=hug", "Unknown type of attack: hug."),
        ("defender_type=x", "Unknown type of defender: x."),
        ("year=20x4", "Please give a whole number: 20x4."),
        ("year=1899", "A year must be between 1900 and 2200."),
        ("year=%C2%B2", "Please give a whole number"),
        ("company_id=-1", "Please give a whole number: -1."),
        ("response_status=maybe", "Unknown response status: maybe."),
        ("after=not-a-cursor", "This page link is not valid"),
        # "2025-01-01.99999999999": a well-formed cursor whose id no row can have.
        ("before=MjAyNS0wMS0wMS45OTk5OTk5OTk5OQ", "This page link is not valid"),
        ("q=" + "+".join(f"w{i}" for i in range(11)), "A search may hold at most 10 words."),
        ("q=%00", "A search may hold at most 200 characters."),
    ],
)
def test_a_bad_value_answers_400_with_the_form_and_the_reason(session, client, query, message):
    page = client.get(f"/incidents?{query}&q_extra=1")
    assert page.status_code == 400
    assert message in unescape(page.text)
    assert '<form method="get" action="/incidents"' in page.text
    assert 'id="register-list"' not in page.text


def test_the_form_keeps_what_the_reader_chose(session, client):
    page = client.get("/incidents?country=co&sector=mining&q=r%C3%ADo&year=2024")
    assert page.status_code == 200
    assert '<option value="CO" selected>Colombia</option>' in page.text
    assert '<option value="mining" selected>Mining</option>' in page.text
    assert 'value="río"' in page.text and 'value="2024"' in page.text
    # Regions are offered once a country is chosen (no JavaScript needed).
    assert '<option value="CO-CAU">Cauca</option>' in page.text
    assert 'name="region"' not in client.get("/incidents").text


def test_htmx_gets_the_results_only_and_plain_get_the_whole_page(session, client):
    org = make_org(session)
    row = make_public_incident(session, org)
    session.commit()

    plain = client.get("/incidents")
    assert "<html" in plain.text and '<form method="get" action="/incidents"' in plain.text
    assert 'hx-get="/incidents"' in plain.text
    fragment = client.get("/incidents", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<form" not in fragment.text
    assert codes(fragment.text) == [row.code]
    bad = client.get("/incidents?country=XX", headers={"HX-Request": "true"})
    assert "<html" not in bad.text and "Unknown country: XX." in bad.text


def test_the_count_is_capped(session, client, monkeypatch):
    from vigil.public import register_pages

    monkeypatch.setattr(register_pages, "COUNT_CAP", 2)
    org = make_org(session)
    for _ in range(3):
        make_public_incident(session, org)
    session.commit()
    assert "More than 2 incidents match." in client.get("/incidents").text
    monkeypatch.setattr(register_pages, "COUNT_CAP", 3)
    page = client.get("/incidents")
    assert "3 incidents match." in page.text and "More than" not in page.text


def test_an_empty_register_says_so(session, client):
    page = client.get("/incidents")
    assert page.status_code == 200
    assert "No incidents have been published yet." in page.text
    assert "0 incidents match." in page.text
