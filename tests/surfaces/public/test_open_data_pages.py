"""The Atom feed and the data dictionary page ``/data``, in the reader's language."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest

from tests.public.open_data_rows import RegisterRows
from vigil.public.register_models import PublicResponse

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def rows(session, vault) -> RegisterRows:  # type: ignore[no-untyped-def]
    return RegisterRows(session, vault)


def _entries(client, language: str = "en") -> tuple[ET.Element, list[ET.Element]]:  # type: ignore[no-untyped-def]
    response = client.get("/feeds/incidents.atom", headers={"Accept-Language": language})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root, root.findall(f"{ATOM}entry")


def test_the_feed_lists_new_incidents_and_responses_newest_first(client, rows, session):
    old = rows.add(code="old", published_at=datetime(2025, 1, 1, tzinfo=UTC))
    rows.add(code="new", published_at=datetime(2025, 3, 1, tzinfo=UTC), summary="Public words.")
    session.add_all(
        [
            PublicResponse(
                public_incident_id=old.id,
                request_id=1,
                company_name="Minera Andina",
                asked_on=date(2025, 1, 5),
                deadline=date(2025, 1, 12),
                responded_at=datetime(2025, 1, 10, tzinfo=UTC),
                text="We deny it.",
                published_at=datetime(2025, 2, 1, tzinfo=UTC),
            ),
            # Asked, never answered: not a response to announce.
            PublicResponse(
                public_incident_id=old.id,
                request_id=2,
                company_name="Banco Sur",
                asked_on=date(2025, 1, 5),
                deadline=date(2025, 1, 12),
                responded_at=None,
                published_at=datetime(2025, 2, 2, tzinfo=UTC),
            ),
        ]
    )
    session.flush()
    root, entries = _entries(client)
    assert root.find(f"{ATOM}rights").text.startswith("Data from the Vigil public register")
    titles = [entry.find(f"{ATOM}title").text for entry in entries]
    assert titles == [
        "New incident: Death threat, Colombia",
        "Minera Andina responded about: Death threat, Colombia",
        "New incident: Death threat, Colombia",
    ]
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]
    assert links[0] == "https://vigil.test/incidents/new"
    assert links[1] == "https://vigil.test/incidents/old"
    assert entries[0].find(f"{ATOM}summary").text == "Public words."
    assert entries[1].find(f"{ATOM}summary").text == "We deny it."
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(set(ids)) == 3
    assert root.find(f"{ATOM}updated").text.startswith("2025-03-01")


def test_the_feed_titles_are_translated(client, rows):
    rows.add()
    root, [entry] = _entries(client, "es")
    assert entry.find(f"{ATOM}title").text == "Nuevo incidente: Death threat, Colombia"
    assert root.find(f"{ATOM}title").text != "Vigil: public register of attacks on defenders"


def test_an_empty_feed_is_still_valid_atom(client):
    _root, entries = _entries(client)
    assert entries == []


@pytest.mark.parametrize(
    ("language", "heading", "threat"),
    [
        ("en", "Open data: the public register", "Death threat"),
        ("es", "Datos abiertos: el registro público", "Amenaza de muerte"),
        ("fr", "Données ouvertes : le registre public", "Menace de mort"),
        ("pt", "Dados abertos: o registro público", "Ameaça de morte"),
    ],
)
def test_the_data_dictionary_explains_every_column_and_code(client, language, heading, threat):
    page = client.get("/data", headers={"Accept-Language": language})
    assert page.status_code == 200
    html = page.text
    assert heading in html
    for column in ("code", "attack_types", "defender_types", "genders", "response_status"):
        assert f'id="field-{column}"' in html
    assert "<code>death_threat</code>" in html and threat in html
    assert "<code>did_not_respond</code>" in html and "<code>land_environment</code>" in html
    for link in (
        "/data/incidents.csv",
        "/data/incidents-hxl.csv",
        "/data/incidents.jsonl",
        "/data/datapackage.json",
        "/data/regions.geojson",
        "/feeds/incidents.atom",
    ):
        assert f'href="{link}"' in html
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"' in html
    assert "5" in html  # the minimum cell size is stated
