"""The bulk downloads under ``/data/``: CSV, HXL, JSON Lines, the data package (validated by
frictionless), the regional GeoJSON with small counts withheld, and that they stream."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.public.open_data_rows import RegisterRows
from vigil.public.exports import CHUNK_BYTES
from vigil.public.open_data import FIELD_NAMES

HEADER = (
    "code,title,year,month,date,country,region,place,sector,attack_types,defender_types,"
    "genders,companies,response_status,summary,url,published_at"
)


@pytest.fixture
def rows(session, vault) -> RegisterRows:  # type: ignore[no-untyped-def]
    return RegisterRows(session, vault)


def _two(rows: RegisterRows) -> None:
    rows.add(
        code="newer",
        sort_date=date(2025, 5, 1),
        occurred_on=date(2025, 5, 17),
        attack_types=("death_threat", "surveillance"),
        genders=("woman", "trans"),
        companies=((3, "Minera Andina"), (4, "Banco, Sur")),
        summary='Said "leave", then left.',
        sector="mining",
    )
    rows.add(code="older", sort_date=date(2024, 2, 1), region="", month=None)


def test_csv_has_the_columns_and_joins_lists_with_semicolons(client, rows):
    _two(rows)
    response = client.get("/data/incidents.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="incidents.csv"' in response.headers["content-disposition"]
    lines = response.text.splitlines()
    assert lines[0] == HEADER
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["code"] for row in table] == ["newer", "older"]
    newer, older = table
    assert newer["date"] == "2025-05-17"
    assert newer["attack_types"] == "death_threat;surveillance"
    assert newer["genders"] == "trans;woman"
    assert newer["companies"] == "Minera Andina;Banco, Sur"
    assert newer["summary"] == 'Said "leave", then left.'
    assert newer["url"] == "https://vigil.test/incidents/newer"
    assert newer["published_at"] == "2025-08-01T12:00:00Z"
    assert older["region"] == "" and older["month"] == "" and older["date"] == ""
    assert "Hidden Name" not in response.text


def test_the_downloads_take_the_register_filters(client, rows):
    _two(rows)
    rows.add(code="peru", country="PE", region="PE-CUS")
    text = client.get("/data/incidents.csv?country=PE").text
    assert [row["code"] for row in csv.DictReader(io.StringIO(text))] == ["peru"]
    bad = client.get("/data/incidents.csv?country=XX")
    assert bad.status_code == 422


def test_hxl_has_a_row_of_hashtags_under_the_header(client, rows):
    _two(rows)
    table = list(csv.reader(io.StringIO(client.get("/data/incidents-hxl.csv").text)))
    assert table[0] == list(FIELD_NAMES)
    tags = dict(zip(table[0], table[1], strict=True))
    assert tags["date"] == "#date+occurred"
    assert tags["country"] == "#country+code"
    assert tags["region"] == "#adm1+code"
    assert tags["attack_types"] == "#event+type+code"
    assert tags["companies"] == "#org+name+company"
    assert all(tag.startswith("#") for tag in table[1])
    assert [row[0] for row in table[2:]] == ["newer", "older"]


def test_jsonl_is_one_object_a_line_with_lists_as_arrays(client, rows):
    _two(rows)
    response = client.get("/data/incidents.jsonl")
    assert response.headers["content-type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["code"] for line in lines] == ["newer", "older"]
    assert list(lines[0]) == list(FIELD_NAMES)
    assert lines[0]["companies"] == ["Minera Andina", "Banco, Sur"]
    assert lines[1]["month"] is None and lines[1]["region"] is None


def _asgi_body_messages(app, path: str) -> list[bytes]:  # type: ignore[no-untyped-def]
    """The body messages the app sends for ``GET path``, one per chunk it streamed."""
    bodies: list[bytes] = []

    async def run() -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "https",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver")],
            "client": ("127.0.0.1", 1234),
            "server": ("testserver", 443),
        }

        done = asyncio.Event()
        requested = False

        async def receive():  # type: ignore[no-untyped-def]
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()  # the client stays connected until the body is complete
            return {"type": "http.disconnect"}

        async def send(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.body":
                if message.get("body"):
                    bodies.append(message["body"])
                if not message.get("more_body"):
                    done.set()

        await app(scope, receive, send)

    asyncio.run(run())
    return bodies


def test_a_large_export_is_sent_in_chunks(app, rows):
    for _ in range(12):
        rows.add(summary="x" * 8000)
    chunks = _asgi_body_messages(app, "/data/incidents.csv")
    assert len(chunks) >= 2  # ~96 kB: streamed, not built whole and sent at once
    assert all(len(chunk) < CHUNK_BYTES + 20_000 for chunk in chunks)
    text = b"".join(chunks).decode()
    assert text.splitlines()[0] == HEADER
    assert len(list(csv.DictReader(io.StringIO(text)))) == 12


def test_the_data_package_describes_the_csv_and_validates(client, rows, tmp_path):
    _two(rows)
    package = client.get("/data/datapackage.json").json()
    assert package["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "title": "Creative Commons Attribution 4.0",
            "path": "https://creativecommons.org/licenses/by/4.0/",
        }
    ]
    assert "CC-BY-4.0" in package["licence_statement"]
    [resource] = package["resources"]
    assert [f["name"] for f in resource["schema"]["fields"]] == list(FIELD_NAMES)
    assert all(f["description"] for f in resource["schema"]["fields"])
    (tmp_path / "datapackage.json").write_text(json.dumps(package))
    (tmp_path / "incidents.csv").write_bytes(client.get("/data/incidents.csv").content)
    frictionless = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [str(frictionless), "validate", "--json", "datapackage.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(result.stdout)
    assert report["valid"], json.dumps(report["tasks"][0]["errors"][:3])
    assert report["tasks"][0]["stats"]["rows"] == 2

    # A row the schema refuses makes the package invalid (the test can fail).
    bad = (tmp_path / "incidents.csv").read_text().replace("death_threat", "not_a_code", 1)
    (tmp_path / "incidents.csv").write_text(bad)
    result = subprocess.run(
        [str(frictionless), "validate", "--json", "datapackage.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert not json.loads(result.stdout)["valid"]


def test_the_licence_is_the_setting(app, client, rows):
    app.state.settings = app.state.settings.model_copy(update={"public_data_licence": "CC0-1.0"})
    package = client.get("/data/datapackage.json").json()
    assert package["licenses"][0]["name"] == "CC0-1.0"
    assert "Creative Commons Zero" in client.get("/data").text


def _features(client) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    response = client.get("/data/regions.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection" and collection["min_cell"] == 5
    return [
        feature["properties"] | {"geometry": feature["geometry"]}
        for feature in collection["features"]
    ]


def test_a_region_is_shown_from_min_cell_and_merged_below(client, rows):
    for _ in range(5):
        rows.add(region="CO-CAU")
    for _ in range(4):
        rows.add(region="CO-ANT")
    features = _features(client)
    region = next(f for f in features if f["level"] == "region")
    assert (region["region"], region["count"], region["withheld"]) == ("CO-CAU", 5, False)
    assert region["geometry"] is None
    rest = next(f for f in features if f["level"] == "country_rest")
    # The 4 of CO-ANT are merged into the rest of Colombia, and 4 < 5 is withheld.
    assert (rest["country"], rest["count"], rest["withheld"]) == ("CO", None, True)
    assert rest["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert len(features) == 2
    assert all(f["count"] is None or f["count"] >= 5 for f in features)
    assert "CO-ANT" not in json.dumps(features)


def test_the_merged_rest_is_shown_once_it_reaches_min_cell(client, rows):
    for _ in range(4):
        rows.add(region="CO-ANT")
    rows.add(region="")  # no region known: part of the rest of the country
    [rest] = _features(client)
    assert (rest["level"], rest["count"], rest["withheld"]) == ("country_rest", 5, False)


def test_the_regional_counts_ignore_filters(client, rows):
    """Two filtered views could be subtracted to give a withheld count: there is one view."""
    for _ in range(5):
        rows.add(region="CO-CAU", sort_date=date(2025, 1, 1))
    rows.add(region="CO-CAU", sort_date=date(2024, 1, 1))
    everything = client.get("/data/regions.geojson").json()
    assert client.get("/data/regions.geojson?year=2025").json() == everything
    [region] = everything["features"]
    assert region["properties"]["count"] == 6
