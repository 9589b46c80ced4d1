"""Grievance mechanisms through the staff pages, JavaScript off: record one (a refused form
comes back as typed), its yearly figures and a UNGP 31 assessment of all eight criteria (an
incomplete one is refused and comes back as typed), publish it (coordinators only). Auditors
read only; another organisation sees nothing."""

from __future__ import annotations

import re

from tests.diligence.grievance.support import mechanism_input
from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.diligence.grievance.criteria import CRITERIA
from vigil.diligence.grievance.service import create_mechanism

FORM = {
    "name": "Fictional Andes Gold complaints line",
    "kind": "company",
    "owner_institution": "Fictional Andes Gold",
    "procedures": "Call the line.",
    "languages": "es quc",
    "channels": ["hotline", "email"],
    "accepts_anonymous": "yes",
    "countries": "CO",
    "sectors": ["mining"],
}
BASE = "/staff/grievance-mechanisms"


def post(client, page: str, path: str, data: dict):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data})


def _assessment(skip: str | None = None) -> dict[str, str]:
    data = {}
    for code in CRITERIA:
        if code == skip:
            continue
        data[f"{code}_rating"] = "met"
        data[f"{code}_excerpt"] = f"Quoted about {code}"
        data[f"{code}_url"] = f"https://example.org/{code}"
    return data


def test_record_assess_and_publish(session, client) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    coordinator = make_staff(session, org, "coordinator")
    session.commit()
    sign_in(client, coordinator)
    refused = post(client, BASE, BASE, {**FORM, "languages": "klingonish"})
    assert refused.status_code == 422 and "ISO 639" in refused.text
    assert 'value="klingonish"' in refused.text
    assert re.search(r'value="hotline" checked', refused.text)
    assert re.search(r'id="gm-anon-yes" name="accepts_anonymous" value="yes" checked', refused.text)
    created = post(client, BASE, BASE, FORM)
    assert created.status_code == 303
    page = created.headers["location"].split("?")[0]
    stats = {"year": "2025", "received": "12", "admissible": "13", "source_url": "https://e.org/r"}
    refused = post(client, page, f"{page}/statistics", stats)
    assert refused.status_code == 422 and 'value="13"' in refused.text
    assert post(client, page, f"{page}/statistics", {**stats, "admissible": "9"}).status_code == 303
    incomplete = post(client, page, f"{page}/assessments", _assessment(skip="transparent"))
    assert incomplete.status_code == 422
    assert "Rate all eight criteria" in incomplete.text
    assert "Quoted about legitimate</textarea>" in incomplete.text
    assert post(client, page, f"{page}/assessments", _assessment()).status_code == 303
    shown = client.get(page).text
    assert shown.count("Quoted about") == 8
    assert "Assessed on" in shown and "coordinator" in shown
    assert post(client, page, f"{page}/publish", {"published": "yes"}).status_code == 303
    assert 'id="mechanism-published">yes' in client.get(page).text


def test_roles_and_tenancy(session, client) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = create_mechanism(session, org_id=org.id, data=mechanism_input(), actor_user_id=None)
    analyst = make_staff(session, org, "analyst")
    auditor = make_staff(session, org, "auditor")
    stranger = make_staff(session, make_org(session), "coordinator")
    session.commit()
    page = f"{BASE}/{row.id}"
    sign_in(client, analyst)
    assert post(client, page, f"{page}/publish", {"published": "yes"}).status_code == 403
    client.cookies.clear()
    sign_in(client, auditor)
    assert client.get(page).status_code == 200
    assert post(client, page, f"{page}/assessments", _assessment()).status_code == 403
    client.cookies.clear()
    sign_in(client, stranger)
    assert client.get(page).status_code == 404
    assert "Fictional Andes Gold complaints line" not in client.get(BASE).text
