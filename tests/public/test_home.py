"""The public home page counts verified incidents by country and attack type."""

from __future__ import annotations

from tests.factories import make_incident, make_org


def test_home_counts_only_verified_incidents(session, vault, client):
    org = make_org(session)
    make_incident(session, org, vault=vault, country="PE", attack_type="judicial_civil_slapp")
    make_incident(session, org, vault=vault, country="PE", attack_type="judicial_civil_slapp")
    make_incident(session, org, vault=vault, country="KE", status="received", attack_type="torture")
    session.commit()

    data = client.get("/api/v1/public/overview").json()
    by_country = {row["code"]: row["count"] for row in data["by_country"]}
    by_attack = {row["code"]: row["count"] for row in data["by_attack_type"]}
    assert by_country.get("PE") == 2
    assert "KE" not in by_country
    assert by_attack.get("judicial_civil_slapp") == 2
    assert "torture" not in by_attack

    page = client.get("/")
    assert page.status_code == 200
    assert "Peru" in page.text
    assert "Judicial harassment: civil lawsuit or SLAPP" in page.text
    assert "Hidden Name" not in page.text
