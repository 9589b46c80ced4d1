"""``/api/v1/public/incidents``: the register as JSON, its filters and its keyset pages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.public.open_data_rows import RegisterRows
from vigil.public.register_models import PublicResponse


@pytest.fixture
def rows(session, vault) -> RegisterRows:  # type: ignore[no-untyped-def]
    return RegisterRows(session, vault)


def codes(page: dict) -> list[str]:  # type: ignore[type-arg]
    return [item["code"] for item in page["items"]]


def test_an_incident_has_the_open_data_columns_and_nothing_identifying(client, rows):
    rows.add(
        code="abc123",
        sort_date=date(2025, 3, 1),
        region="CO-ANT",
        sector="mining",
        attack_types=("death_threat", "surveillance"),
        genders=("woman",),
        companies=((7, "Minera; Andina"),),
        summary="A leader was threatened.",
        occurred_on=None,
    )
    page = client.get("/api/v1/public/incidents").json()
    [item] = page["items"]
    assert item == {
        "code": "abc123",
        "title": "Death threat, Colombia",
        "year": 2025,
        "month": 3,
        "date": None,
        "country": "CO",
        "region": "CO-ANT",
        "place": None,
        "sector": "mining",
        "attack_types": ["death_threat", "surveillance"],
        "defender_types": ["land_environment"],
        "genders": ["woman"],
        "companies": ["Minera, Andina"],
        "response_status": "not_invited",
        "summary": "A leader was threatened.",
        "url": "https://vigil.test/incidents/abc123",
        "published_at": "2025-08-01T12:00:00Z",
    }
    assert page["next"] is None and page["next_cursor"] is None
    assert "Hidden Name" not in client.get("/api/v1/public/incidents").text


def test_pages_follow_the_cursor_without_skipping_or_repeating(client, rows):
    # Three on the same day (the id breaks the tie) and one older.
    same_day = [rows.add(sort_date=date(2025, 5, 1)).code for _ in range(3)]
    older = rows.add(sort_date=date(2024, 1, 1)).code
    expected = [*reversed(same_day), older]

    first = client.get("/api/v1/public/incidents?limit=2")
    assert first.status_code == 200
    page = first.json()
    assert codes(page) == expected[:2]
    assert page["next"].startswith("https://testserver/api/v1/public/incidents?")
    assert first.headers["link"] == f'<{page["next"]}>; rel="next"'
    second = client.get(page["next"]).json()
    assert codes(second) == expected[2:]
    assert second["next"] is None  # exactly `limit` rows left: no empty third page

    # One row fewer than the limit, exactly the limit, one more.
    assert client.get("/api/v1/public/incidents?limit=5").json()["next"] is None
    assert client.get("/api/v1/public/incidents?limit=4").json()["next"] is None
    three = client.get("/api/v1/public/incidents?limit=3").json()
    assert codes(three) == expected[:3]
    assert codes(client.get(three["next"]).json()) == [older]


def test_the_next_link_keeps_the_filters(client, rows):
    peru = [
        rows.add(country="PE", region="PE-CUS", sort_date=date(2025, 1, d)).code for d in (1, 2, 3)
    ]
    rows.add(country="CO")
    page = client.get("/api/v1/public/incidents?country=PE&limit=2").json()
    assert codes(page) == [peru[2], peru[1]]
    assert "country=PE" in page["next"]
    assert codes(client.get(page["next"]).json()) == [peru[0]]


@pytest.mark.parametrize(
    "query",
    [
        "country=XX",
        "attack_type=not_a_type",
        "year=20x5",
        "country=pe",
        "limit=0",
        "limit=101",
        "cursor=not-a-cursor",
        "cursor=WyIyMDI1LTAxLTAxIiwtMV0",
        "cursor=0b4a2a000000000000000",  # one digit too many
    ],
)
def test_a_bad_filter_or_cursor_is_a_json_error_not_a_crash(client, query):
    response = client.get(f"/api/v1/public/incidents?{query}")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["detail"]


def test_a_region_outside_the_country_matches_nothing(client, rows):
    rows.add(country="CO", region="CO-ANT")
    page = client.get("/api/v1/public/incidents?region=CO-ANT&country=PE")
    assert page.status_code == 200 and page.json()["items"] == []
    assert len(client.get("/api/v1/public/incidents?region=CO-ANT&country=CO").json()["items"]) == 1


def test_any_well_formed_cursor_is_a_position(client, rows):
    rows.add(sort_date=date(2025, 1, 1))
    for cursor in ("0" * 20, "f" * 20):  # before the first day, after the last
        assert client.get(f"/api/v1/public/incidents?cursor={cursor}").status_code == 200
    assert client.get("/api/v1/public/incidents?cursor=" + "0" * 20).json()["items"] == []
    assert len(client.get("/api/v1/public/incidents?cursor=" + "f" * 20).json()["items"]) == 1


def test_a_long_search_uses_its_first_words(client, rows):
    words = ["Río", "CAUCA", "amenaza", "a", "b", "c", "d", "e", "f", "g"]
    rows.add(code="found", search_text="rio cauca amenaza a b c d e f g")

    def search(terms: list[str]) -> list[str]:
        page = client.get("/api/v1/public/incidents", params={"q": " ".join(terms)})
        assert page.status_code == 200
        return [item["code"] for item in page.json()["items"]]

    assert search([*words, "absent"]) == ["found"]  # the 11th word is not used
    assert search([*words[:9], "absent"]) == []  # the 10th is


def test_the_largest_page_is_accepted(client, rows):
    rows.add()
    assert client.get("/api/v1/public/incidents?limit=100").status_code == 200


def test_one_incident_with_its_published_responses(client, rows, session):
    incident = rows.add(code="withreply", response_status="responded")
    session.add(
        PublicResponse(
            public_incident_id=incident.id,
            request_id=1,
            company_name="Minera Andina",
            asked_on=date(2025, 7, 1),
            deadline=date(2025, 7, 8),
            responded_at=datetime(2025, 7, 3, 9, 0, tzinfo=UTC),
            classification="denial",
            text="We deny any involvement.",
        )
    )
    session.flush()
    body = client.get("/api/v1/public/incidents/withreply").json()
    assert body["code"] == "withreply"
    assert body["responses"] == [
        {
            "company": "Minera Andina",
            "asked_on": "2025-07-01",
            "deadline": "2025-07-08",
            "responded_at": "2025-07-03T09:00:00Z",
            "classification": "denial",
            "text": "We deny any involvement.",
        }
    ]
    missing = client.get("/api/v1/public/incidents/nothere")
    assert missing.status_code == 404 and missing.json()["detail"]
    assert client.get("/api/v1/public/incidents/" + "x" * 17).status_code == 422


def test_the_schemas_are_documented(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/public/incidents" in schema["paths"]
    assert "/api/v1/public/incidents/{code}" in schema["paths"]
    page = schema["components"]["schemas"]["IncidentPage"]
    assert "next" in page["properties"] and page["properties"]["next"]["description"]
    incident = schema["components"]["schemas"]["IncidentOut"]["properties"]
    assert incident["country"]["description"] == "ISO 3166-1 alpha-2"
