"""The public home page and API show the published snapshot, and nothing else."""

from __future__ import annotations

import re
from html import unescape

from tests.factories import make_incident, make_org
from tests.public.helpers import MIN_CELL, publish, published, table, verified_incidents


def test_before_any_batch_nothing_is_published_even_with_verified_incidents(session, vault, client):
    org = make_org(session)
    verified_incidents(session, org, vault, MIN_CELL + 3, country="PE")
    session.commit()

    data = published(client)
    assert data["published_at"] is None and data["total"] is None
    assert data["by_country"] == [] and data["by_attack_type"] == []
    page = client.get("/")
    assert page.status_code == 200
    assert "Nothing has been published yet." in page.text
    assert "Peru" not in page.text


def test_only_verified_incidents_count(session, vault, client):
    org = make_org(session)
    verified_incidents(session, org, vault, MIN_CELL, country="PE")
    for _ in range(MIN_CELL):
        make_incident(session, org, vault=vault, country="KE", status="received")
    publish(session)

    data = published(client)
    assert table(data, "country") == {"PE": MIN_CELL}
    assert table(data, "attack_type") == {"death_threat": MIN_CELL}
    assert data["total"] == MIN_CELL


def _page_rows(html: str, heading_id: str) -> dict[str, str]:
    """label -> shown count of one table of the home page."""
    section = html.split(f'id="{heading_id}"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r'<tr><td>(.*?)</td><td class="num">(.*?)</td></tr>', section)
    return {unescape(label): unescape(count) for label, count in cells}


def test_home_page_and_api_agree(session, vault, client):
    org = make_org(session)
    verified_incidents(session, org, vault, MIN_CELL + 2, country="PE")
    verified_incidents(session, org, vault, MIN_CELL, country="CO", attack_type="killing")
    verified_incidents(session, org, vault, MIN_CELL - 1, country="KE")
    publish(session)

    data = published(client)
    page = client.get("/")
    assert page.status_code == 200
    assert "Hidden Name" not in page.text
    for dimension, heading in (("country", "by-country"), ("attack_type", "by-attack")):
        expected = {
            row["label"]: (f"fewer than {MIN_CELL}" if row["count"] is None else str(row["count"]))
            for row in data[f"by_{dimension}"]
        }
        assert _page_rows(page.text, heading) == expected
    assert _page_rows(page.text, "by-attack") == {
        "Death threat": str(MIN_CELL + 2),
        "Killing": str(MIN_CELL),
    }
    assert _page_rows(page.text, "by-country") == {
        "Peru": str(MIN_CELL + 2),
        "Colombia": str(MIN_CELL),
        "Kenya": f"fewer than {MIN_CELL}",
    }
    assert f"{2 * MIN_CELL + 2} verified incidents are counted here." in page.text
