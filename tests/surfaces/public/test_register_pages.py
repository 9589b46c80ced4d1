"""Incident, company, sector, non-responder and country pages of the public register."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest

from tests.factories import make_org
from tests.public.register_factories import (
    link_companies,
    make_company,
    make_public_incident,
    make_response,
)
from vigil.core.db import utcnow
from vigil.public.company_record import record_of

LONG_AGO = date(2025, 1, 6)


def text_of(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert found, element_id
    return " ".join(unescape(found.group(1)).split())


def test_incident_page_shows_public_fields_responses_and_source(session, client):
    org = make_org(session)
    mine = make_company(session, "Minera Andina")
    row = make_public_incident(
        session,
        org,
        attack_types=("killing", "death_threat"),
        companies=(mine,),
        summary="A reviewed public summary.",
        victims=[
            {
                "shown_as": "Guardian 7",
                "named": False,
                "kind": "community",
                "types": ["indigenous_peoples"],
                "genders": [],
            }
        ],
    )
    first = make_response(
        session,
        row,
        mine,
        asked_on=LONG_AGO,
        responded_after=2,
        classification="denial",
        text="We reject <these> claims.",
    )
    make_response(session, row, mine, asked_on=LONG_AGO + timedelta(days=5), follow_up_of=first)
    late = utcnow().date()
    make_response(session, row, make_company(session, "Buyer plc"), asked_on=late)
    session.commit()

    page = client.get(f"/incidents/{row.code}")
    assert page.status_code == 200
    html = unescape(page.text)
    assert "<h1>Killing, Death threat, Cauca (Colombia), March 2025</h1>" in html
    assert "stored title" not in html
    assert "Guardian 7" in html and "Community" in html and "Indigenous peoples' defender" in html
    assert f'<a href="/companies/{mine.id}">Minera Andina</a>' in html
    assert "Direct perpetrator" in html and "Alleged" in html
    assert "A reviewed public summary." in html
    # Verbatim, and escaped: the company's text is never markup.
    assert "We reject &lt;these&gt; claims." in page.text
    assert "Denial or countering" in html
    assert "follow-up question" in html
    assert html.count("Invited to respond; did not respond.") == 1
    assert "the deadline is" in html  # Buyer plc: still within its deadline
    assert org.name in html


def test_incident_without_responses_or_summary(session, client):
    row = make_public_incident(session, make_org(session))
    session.commit()
    page = client.get(f"/incidents/{row.code}")
    assert "No company has been invited to respond yet." in page.text
    assert 'id="summary"' not in page.text


@pytest.mark.parametrize(
    "url",
    [
        "/incidents/nope",
        "/incidents/%00",
        "/companies/abc",
        "/companies/99999999999",
        "/countries/ZZ",
        "/sectors/gold",
    ],
)
def test_unknown_pages_are_friendly_404s(session, client, url):
    page = client.get(url)
    assert page.status_code == 404
    assert "<h1>Sorry</h1>" in page.text and 'href="/"' in page.text


def test_company_page_rates_median_deflections_and_group(session, client):
    org = make_org(session)
    mine, parent = (
        make_company(session, "Minera Andina", jurisdiction="CA"),
        make_company(session, "Holding SA"),
    )
    link_companies(session, parent, mine)
    rows = [make_public_incident(session, org, companies=(mine,)) for _ in range(4)]
    make_response(
        session, rows[0], mine, asked_on=LONG_AGO, responded_after=2, classification="substantive"
    )
    make_response(
        session,
        rows[1],
        mine,
        asked_on=LONG_AGO,
        responded_after=6,
        classification="token",
        deflection=True,
    )
    make_response(session, rows[2], mine, asked_on=LONG_AGO)  # did not respond
    make_response(session, rows[3], mine, asked_on=utcnow().date())  # awaiting
    session.commit()

    page = client.get(f"/companies/{mine.id}")
    assert page.status_code == 200
    assert text_of(page.text, "response-rate") == "67% (2 of 3)"
    assert text_of(page.text, "did-not-respond") == "1"
    assert text_of(page.text, "substantive") == "1"
    assert text_of(page.text, "deflections") == "1"
    assert text_of(page.text, "median-days") == "4 days"
    assert text_of(page.text, "hrd-policy") == "Not yet assessed."
    assert "Parent company or owner: Holding SA" in page.text
    assert page.text.count('<li><a href="/incidents/') == 4
    # The parent names no incident: it has no page of its own.
    assert client.get(f"/companies/{parent.id}").status_code == 404


def test_record_counts_follow_ups_once_and_awaiting_nowhere(session):
    org = make_org(session)
    mine = make_company(session)
    row = make_public_incident(session, org, companies=(mine,))
    first = make_response(session, row, mine, asked_on=LONG_AGO, responded_after=3)
    follow = make_response(session, row, mine, asked_on=LONG_AGO, follow_up_of=first)
    today = LONG_AGO + timedelta(days=7)  # the deadline day itself: not yet passed
    waiting = make_response(session, row, mine, asked_on=LONG_AGO)
    record = record_of([first, follow, waiting], today)
    assert (record.requested, record.responded, record.awaiting) == (1, 1, 1)
    record = record_of([first, follow, waiting], today + timedelta(days=1))
    assert (record.requested, record.did_not_respond, record.awaiting) == (2, 1, 0)
    assert record.rate == 0.5 and record.median_days == 3


@pytest.mark.parametrize("unanswered", [1, 2])
def test_repeat_non_responders_from_two_unanswered_requests(session, client, unanswered):
    org = make_org(session)
    mine = make_company(session, "Silent Mining Co")
    for _ in range(unanswered):
        row = make_public_incident(session, org, companies=(mine,))
        make_response(session, row, mine, asked_on=LONG_AGO)
    row = make_public_incident(session, org, companies=(mine,))
    make_response(session, row, mine, asked_on=LONG_AGO, responded_after=1)
    session.commit()

    page = client.get("/responses/non-responders")
    assert page.status_code == 200
    assert ("Silent Mining Co" in page.text) is (unanswered >= 2)
    assert ("No company has left two requests unanswered." in page.text) is (unanswered < 2)


def test_sector_pages_rates(session, client):
    org = make_org(session)
    mine, logger = make_company(session, "Mine Co"), make_company(session, "Log Co")
    a = make_public_incident(session, org, sector="mining", companies=(mine,))
    b = make_public_incident(session, org, sector="mining", companies=(mine,))
    c = make_public_incident(session, org, sector="logging", companies=(logger,))
    make_response(
        session, a, mine, asked_on=LONG_AGO, responded_after=1, classification="substantive"
    )
    make_response(session, b, mine, asked_on=LONG_AGO)
    make_response(session, c, logger, asked_on=LONG_AGO)
    session.commit()

    page = client.get("/sectors/mining")
    assert page.status_code == 200
    assert "<h1>Mining</h1>" in page.text
    assert text_of(page.text, "sector-rate") == "50% (1 of 2)"
    assert "Mine Co" in page.text and "Log Co" not in page.text
    index = client.get("/sectors")
    assert '<a href="/sectors/logging">Logging</a>' in index.text
    assert '<a href="/sectors/mining">Mining</a>' in index.text
    assert "0% (0 of 1)" in index.text


def test_country_page_by_region_and_latest(session, client):
    org = make_org(session)
    for _ in range(6):
        make_public_incident(session, org, region="CO-CAU")
    for _ in range(5):
        make_public_incident(session, org, region="CO-ANT")
    elsewhere = make_public_incident(session, org, country="PE", region="")
    session.commit()

    page = client.get("/countries/co")
    assert page.status_code == 200
    assert "<h1>Colombia</h1>" in page.text
    assert text_of(page.text, "country-total") == "11 incidents in the register."
    assert re.search(r"Cauca</a></td><td class=\"num\">6<", page.text)
    assert re.search(r"Antioquia</a></td><td class=\"num\">5<", page.text)
    assert 'id="risk-profile-block"' in page.text and 'href="/statistics?country=CO"' in page.text
    assert elsewhere.code not in page.text
    assert page.text.count('<li><a href="/incidents/') == 11
    empty = client.get("/countries/KE")
    assert (
        empty.status_code == 200 and "No incident in this country has been published." in empty.text
    )
    assert '<a href="/countries/PE">Peru</a>' in client.get("/countries").text


@pytest.mark.parametrize(
    ("locale", "heading", "nav"),
    [
        ("es", "Registro de incidentes", "Estadísticas"),
        ("fr", "Registre des incidents", "Statistiques"),
        ("pt", "Registro de incidentes", "Estatísticas"),
    ],
)
def test_pages_follow_the_language_choice(session, client, locale, heading, nav):
    row = make_public_incident(session, make_org(session), attack_types=("killing",))
    session.commit()
    chosen = client.get(f"/language/{locale}?next=/incidents")
    assert chosen.status_code == 303 and chosen.headers["location"] == "/incidents"
    page = client.get("/incidents")
    assert f"<h1>{heading}</h1>" in unescape(page.text)
    assert nav in unescape(page.text)
    labels = {"es": "Asesinato", "fr": "Meurtre", "pt": "Assassinato"}
    assert unescape(client.get(f"/incidents/{row.code}").text).count(labels[locale]) >= 2


def test_public_navigation(session, client):
    page = client.get("/incidents")
    for href in ("/", "/incidents", "/countries", "/statistics", "/sectors"):
        assert f'<li><a href="{href}">' in page.text
    assert "/login" not in page.text
