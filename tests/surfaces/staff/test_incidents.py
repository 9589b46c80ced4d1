"""A signed-in analyst sees their organisation's incidents and never another's."""

from __future__ import annotations

from tests.factories import make_incident, make_org, make_staff, sign_in


def test_analyst_lists_and_opens_own_incidents(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault, title="Threat near the Rio Verde dam")
    session.commit()
    sign_in(client, analyst)

    listing = client.get("/staff/incidents")
    assert listing.status_code == 200
    assert "Threat near the Rio Verde dam" in listing.text

    page = client.get(f"/staff/incidents/{incident.id}")
    assert page.status_code == 200
    assert "Threat near the Rio Verde dam" in page.text
    assert "Death threat" in page.text


def test_other_organisations_incidents_are_invisible(session, vault, client):
    mine, theirs = make_org(session), make_org(session)
    analyst = make_staff(session, mine)
    foreign = make_incident(session, theirs, vault=vault, title="Their confidential case")
    session.commit()
    sign_in(client, analyst)

    assert "Their confidential case" not in client.get("/staff/incidents").text
    assert client.get(f"/staff/incidents/{foreign.id}").status_code == 404
    assert client.get(f"/api/v1/incidents/{foreign.id}").status_code == 404
    listed = client.get("/api/v1/incidents").json()
    assert all(item["title"] != "Their confidential case" for item in listed["items"])


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/staff/incidents")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert client.get("/api/v1/incidents").status_code == 401


def test_status_filter_returns_htmx_fragment(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    make_incident(session, org, vault=vault, title="Verified one", status="verified")
    make_incident(session, org, vault=vault, title="Rejected one", status="rejected")
    session.commit()
    sign_in(client, analyst)

    fragment = client.get("/staff/incidents?status=rejected", headers={"HX-Request": "true"})
    assert "Rejected one" in fragment.text
    assert "Verified one" not in fragment.text
    assert "<html" not in fragment.text
