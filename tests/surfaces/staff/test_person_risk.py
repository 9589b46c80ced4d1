"""The persons-at-risk section and the per-person assessment form through HTTP: no level
chosen in advance, the UNP definitions beside the choice, a relative as a person at risk,
the case's risk following its persons, roles and tenancy."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import csrf_from, make_incident, make_org, make_staff, sign_in
from vigil.casework.persons_at_risk import case_defenders


def _post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/staff/reports").text)
    return client.post(path, data={"csrf_token": token, **data})


def _level_inputs(html: str) -> list[str]:
    return re.findall(r'<input type="radio"[^>]*name="level"[^>]*>', html)


def test_the_form_preselects_no_level_and_shows_the_unp_definitions(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault)
    session.commit()
    sign_in(client, analyst)
    case = client.get(f"/staff/incidents/{incident.id}/case").text
    assert 'id="persons-at-risk"' in case and "Defender A" in case  # offered for assessment
    (defender,) = case_defenders(session, incident_id=incident.id)
    added = _post(client, f"/staff/incidents/{incident.id}/persons", {"defender": str(defender.id)})
    assert added.status_code == 303
    form_url = added.headers["location"]

    page = client.get(form_url).text
    radios = _level_inputs(page)
    assert len(radios) == 3 and not any("checked" in r for r in radios)
    assert "Decree 1066 of 2015" in page and "grave and imminent" in page
    assert "within 7 days" in page and "within 30 days" in page

    ratings = {f: "3" for f in ("threat_credibility", "threat_escalation", "isolation")}
    preview = _post(client, form_url, {**ratings, "action": "preview"})
    assert preview.status_code == 200
    assert 'id="risk-suggestion"' in preview.text and "Extreme risk" in preview.text
    assert not any("checked" in r for r in _level_inputs(preview.text))  # still the analyst's call
    assert 'value="3" selected' in preview.text  # the ratings are kept

    missing = _post(client, form_url, {**ratings, "action": "record"})
    assert missing.status_code == 200 and 'id="risk-problem"' in missing.text

    recorded = _post(client, form_url, {**ratings, "level": "extraordinary", "action": "record"})
    assert recorded.status_code == 303
    case = client.get(f"/staff/incidents/{incident.id}/case").text
    assert 'id="case-risk">Extraordinary risk' in case
    history = client.get(form_url).text
    assert "suggested: Extreme risk (9.00/9)" in history


def test_a_relative_is_added_by_alias_and_raises_the_case_risk(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault)
    session.commit()
    sign_in(client, analyst)
    added = _post(
        client,
        f"/staff/incidents/{incident.id}/persons",
        {"relation": "family", "alias": "The leader's son", "name": "Pedro Secret"},
    )
    assert added.status_code == 303
    _post(client, added.headers["location"], {"level": "extreme", "action": "record"})
    case = client.get(f"/staff/incidents/{incident.id}/case").text
    assert "The leader&#39;s son" in case and "Family member" in case
    assert "Pedro Secret" not in case
    assert 'id="case-risk">Extreme risk' in case
    assert "Follows the persons at risk" in case


def test_roles_and_tenancy_on_person_pages(session, vault, client, app):
    org, theirs = make_org(session), make_org(session)
    analyst = make_staff(session, org)
    auditor = make_staff(session, org, role="auditor")
    foreign = make_staff(session, theirs)
    incident = make_incident(session, org, vault=vault)
    session.commit()
    sign_in(client, analyst)
    form_url = _post(
        client, f"/staff/incidents/{incident.id}/persons", {"relation": "community", "alias": "A"}
    ).headers["location"]

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as reader:
        sign_in(reader, auditor)
        page = reader.get(form_url)
        assert page.status_code == 200 and 'id="person-risk-form"' not in page.text
        assert _post(reader, form_url, {"level": "extreme"}).status_code == 403
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as outsider:
        sign_in(outsider, foreign)
        assert outsider.get(form_url).status_code == 404
        assert _post(outsider, form_url, {"level": "extreme"}).status_code == 404
        assert (
            _post(
                outsider,
                f"/staff/incidents/{incident.id}/persons",
                {"relation": "family", "alias": "x"},
            ).status_code
            == 404
        )
