"""``/statistics``: charts, tables and the world map show the published snapshot only, with
withheld cells as "fewer than N", in every language."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.factories import make_org
from tests.public.helpers import MIN_CELL, publish, published, table, verified_incidents
from vigil.defenders.models import Defender
from vigil.surfaces.public.world_map import WIDTH, count_bins, country_paths
from vigil.vocabularies.service import get_term


def _table(html: str, caption: str) -> dict[str, str]:
    """label -> shown count of the table with this caption."""
    section = html.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    cells = re.findall(r'<tr><td>(.*?)</td><td class="num">(.*?)</td></tr>', section)
    return {unescape(label): unescape(count) for label, count in cells}


def _with_gender_and_sector(session, incidents, *, gender: str, sector: str) -> None:  # type: ignore[no-untyped-def]
    term = get_term(session, vocabulary="gender_identity", code=gender)
    for incident in incidents:
        incident.sector = get_term(session, vocabulary="sector", code=sector)
        victim = session.get(Defender, incident.acts[0].victim_id)
        victim.identities = [*victim.identities, term]
    session.flush()


def _publish_sample(session, vault) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    peru = verified_incidents(session, org, vault, MIN_CELL + 2, country="PE")
    _with_gender_and_sector(session, peru, gender="woman", sector="mining")
    colombia = verified_incidents(
        session, org, vault, MIN_CELL, country="CO", attack_type="killing"
    )
    _with_gender_and_sector(session, colombia, gender="man", sector="mining")
    # Kenya: one short of a cell, withheld everywhere.
    kenya = verified_incidents(session, org, vault, MIN_CELL - 1, country="KE")
    _with_gender_and_sector(session, kenya, gender="man", sector="logging")
    publish(session)


def test_statistics_page_shows_each_dimension_with_withheld_cells(session, vault, client):
    _publish_sample(session, vault)
    page = client.get("/statistics")
    assert page.status_code == 200
    html = page.text
    total = 2 * MIN_CELL + 2
    assert f"{total} verified incidents are counted here." in html
    assert _table(html, "By country") == {
        "Peru": str(MIN_CELL + 2),
        "Colombia": str(MIN_CELL),
        "Kenya": f"fewer than {MIN_CELL}",
    }
    assert _table(html, "By year") == {"2026": str(total)}
    assert _table(html, "By sector") == {"Mining": str(total), "Logging": f"fewer than {MIN_CELL}"}
    assert _table(html, "By gender of the victims") == {
        "Woman": str(MIN_CELL + 2),
        "Man": str(MIN_CELL),
    }
    assert _table(html, "By type of attack") == {
        "Death threat": str(MIN_CELL + 2),
        "Killing": str(MIN_CELL),
    }
    assert str(MIN_CELL - 1) not in re.findall(r">(\d+)<", html)
    assert "Hidden Name" not in html and "Defender A" not in html


def test_charts_are_accessible_svg_with_the_same_numbers(session, vault, client):
    _publish_sample(session, vault)
    html = client.get("/statistics").text
    charts = re.findall(r'<svg viewBox="[^"]+" role="img" aria-labelledby="([^"]+)"', html)
    assert charts == [
        "chart-year-title",
        "chart-attack-type-title",
        "chart-sector-title",
        "chart-gender-title",
    ]
    for title_id in charts:
        assert f'<title id="{title_id}">Bar chart:' in html
    sector = html.split('id="chart-sector"', 1)[1].split("</svg>", 1)[0]
    # The withheld sector is a dashed outline labelled "fewer than 5", never its number.
    assert 'stroke-dasharray="4 3"' in sector
    assert f">fewer than {MIN_CELL}</text>" in sector
    assert "<script" not in html.split("<main", 1)[1]


def test_map_colours_links_and_withheld_countries(session, vault, client):
    _publish_sample(session, vault)
    html = client.get("/statistics").text
    links = dict(re.findall(r'<a href="/countries/([A-Z]{2})" aria-label="([^"]+)"', html))
    assert links == {
        "PE": f"Peru: {MIN_CELL + 2} incidents",
        "CO": f"Colombia: {MIN_CELL} incidents",
        "KE": f"Kenya: fewer than {MIN_CELL} incidents",
    }
    assert 'data-country="KE" data-state="withheld"' in html
    assert "url(#withheld-hatch)" in html.split('data-country="KE"', 1)[1][:2000]
    assert "<title>Brazil: no published count</title>" in html
    assert f"{MIN_CELL} to {MIN_CELL + 1} incidents" in html or f"{MIN_CELL} incidents" in html
    assert "fewer than 5 incidents (withheld)" in html
    assert "http://" not in html and "https://" not in html


@pytest.mark.parametrize(
    ("locale", "heading", "peru", "fewer"),
    [
        ("es", "Por año", "Perú", "menos de"),
        ("fr", "Par année", "Pérou", "moins de"),
        ("pt", "Por ano", "Peru", "menos de"),
    ],
)
def test_statistics_in_every_language(session, vault, client, locale, heading, peru, fewer):
    _publish_sample(session, vault)
    client.cookies.set("vigil_lang", locale)
    html = client.get("/statistics").text
    assert f'<html lang="{locale}">' in html
    assert heading in html
    assert re.search(f'aria-label="{peru}\\s?: {MIN_CELL + 2} ', html)
    assert f"{fewer} {MIN_CELL}" in html


def test_statistics_before_any_batch(session, vault, client):
    org = make_org(session)
    verified_incidents(session, org, vault, MIN_CELL + 3, country="PE")
    session.commit()
    page = client.get("/statistics")
    assert page.status_code == 200
    assert "Nothing has been published yet." in page.text
    assert "Peru" not in page.text


def test_the_atlas_decodes_to_iso_countries():
    shapes = {shape.code: shape for shape in country_paths()}
    assert {"PE", "CO", "KE", "BR", "FR", "RU", "FJ"} <= shapes.keys()
    assert "AQ" not in shapes  # Antarctica is left out
    assert shapes["PE"].path.startswith("M") and shapes["PE"].path.endswith("Z")
    # Fiji is two islands, one across the antimeridian: drawn at both edges of the map.
    assert shapes["FJ"].path.count("M") == 3
    for code in ("FJ", "RU", "US"):
        for subpath in shapes[code].path.split("M")[1:]:
            xs = [float(point.split()[0]) for point in subpath.rstrip("Z").split("L")]
            # No ring runs across the whole map (the line a ring cut badly at ±180° draws).
            assert max(xs) - min(xs) < WIDTH / 2, code
    assert country_paths() is country_paths()  # decoded once per process


@pytest.mark.parametrize(
    ("counts", "bins"),
    [
        ([MIN_CELL], [(MIN_CELL, MIN_CELL)]),
        ([MIN_CELL, MIN_CELL + 1], [(MIN_CELL, MIN_CELL), (MIN_CELL + 1, MIN_CELL + 1)]),
        ([100, 5], [(5, 10), (11, 22), (23, 47), (48, 100)]),
        ([], []),
    ],
)
def test_count_bins_cover_every_shown_count(counts, bins):
    assert count_bins(counts, min_cell=MIN_CELL) == bins


def test_the_api_publishes_the_same_new_dimensions(session, vault, client):
    _publish_sample(session, vault)
    data = published(client)
    assert table(data, "year") == {"2026": 2 * MIN_CELL + 2}
    assert table(data, "sector") == {"mining": 2 * MIN_CELL + 2, "logging": None}
    assert table(data, "gender") == {"woman": MIN_CELL + 2, "man": MIN_CELL}
    assert table(data, "country")["KE"] is None
