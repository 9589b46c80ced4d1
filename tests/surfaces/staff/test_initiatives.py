"""The collective-action directory and the suitability guide through the staff pages,
JavaScript off: record an initiative (a refused form comes back as typed), its members and
interventions, publish it (coordinators only); the case page links to the guide, the guide
shows hints and records judgements with reasons; drafting an alert proposes the initiative's
contact unticked with the reason. Auditors read only; another organisation sees nothing."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.diligence.collective.support import initiative, make_world
from tests.diligence.collective.test_recipients import PLAYBOOK
from tests.factories import consent_of_the_defender, csrf_from, make_org, make_staff, sign_in
from vigil.diligence.collective.models import Initiative
from vigil.playbooks.service import import_playbook

FORM = {
    "name": "Fictional Cauca Mining Roundtable",
    "kind": "multi_stakeholder",
    "convenor": "Fictional Governor's Office",
    "description": "Meets every quarter.",
    "website": "https://cauca-roundtable.example/",
    "email": "",
    "contact_id": "",
    "countries": "CO",
    "sectors": ["mining"],
}


def post(client, page: str, path: str, data: dict):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data})


def test_record_publish_and_keep_what_was_typed(session, vault, client) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    coordinator = make_staff(session, world.org, "coordinator")
    session.commit()
    sign_in(client, coordinator)
    refused = post(
        client, "/staff/initiatives", "/staff/initiatives", {**FORM, "countries": "CO Narnia"}
    )
    assert refused.status_code == 422
    assert "two-letter ISO codes" in refused.text
    assert 'value="CO Narnia"' in refused.text and "Fictional Governor&#39;s Office" in refused.text
    assert re.search(r'value="mining" checked', refused.text)
    created = post(client, "/staff/initiatives", "/staff/initiatives", FORM)
    assert created.status_code == 303
    page = created.headers["location"].split("?")[0]
    bad_member = post(client, page, f"{page}/members", {"company_id": "abc", "role": "Chair"})
    assert bad_member.status_code == 422 and 'value="Chair"' in bad_member.text
    member = post(
        client,
        page,
        f"{page}/members",
        {"company_id": str(world.other.id), "role": "Chair", "since": "2021-04-01"},
    )
    assert member.status_code == 303
    bad = {"occurred_on": "2031-01-01", "country": "CO", "action": "A letter", "source_url": ""}
    refused = post(client, page, f"{page}/interventions", bad)
    assert refused.status_code == 422 and ">A letter</textarea>" in refused.text
    good = {**bad, "occurred_on": "2024-02-02", "source_url": "https://example.org/letter"}
    assert post(client, page, f"{page}/interventions", good).status_code == 303
    assert post(client, page, f"{page}/publish", {"published": "yes"}).status_code == 303
    shown = client.get(page).text
    assert world.other.name in shown and "A letter" in shown
    assert 'id="initiative-published">yes' in shown
    row = session.scalar(select(Initiative).where(Initiative.name == FORM["name"]))
    assert row.published and row.organisation_id == world.org.id


def test_analysts_record_but_do_not_publish_and_auditors_only_read(session, vault, client) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    analyst = make_staff(session, world.org, "analyst")
    auditor = make_staff(session, world.org, "auditor")
    session.commit()
    sign_in(client, analyst)
    page = f"/staff/initiatives/{row}"
    assert "Publication" not in client.get(page).text
    assert post(client, page, f"{page}/publish", {"published": "yes"}).status_code == 403
    client.cookies.clear()
    sign_in(client, auditor)
    assert client.get(page).status_code == 200
    assert 'action="/staff/initiatives"' not in client.get("/staff/initiatives").text
    assert post(client, "/staff/initiatives", "/staff/initiatives", FORM).status_code == 403


def test_another_organisation_sees_nothing(session, vault, client) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    stranger = make_staff(session, make_org(session), "coordinator")
    session.commit()
    sign_in(client, stranger)
    assert client.get(f"/staff/initiatives/{row}").status_code == 404
    assert "Fictional Andean" not in client.get("/staff/initiatives").text
    guide = f"/staff/incidents/{world.incident.id}/collective-action"
    assert client.get(guide).status_code == 404


def test_case_page_guide_and_alert_recipients(session, vault, client) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    consent_of_the_defender(session, world.incident, strategy="public")
    playbook = import_playbook(session, org_id=world.org.id, yaml_text=PLAYBOOK, actor_user_id=None)
    analyst = make_staff(session, world.org, "analyst")
    session.commit()
    sign_in(client, analyst)
    case = client.get(f"/staff/incidents/{world.incident.id}/case").text
    assert "Fictional Andean Water Roundtable — 0 of 5 factors weighed" in case
    guide = f"/staff/incidents/{world.incident.id}/collective-action"
    assert f'href="{guide}"' in case
    text = client.get(guide).text
    assert "No intervention in Colombia is recorded." in text
    action = f"{guide}/{row}"
    typed = {"legitimacy_rating": "favourable", "legitimacy_reason": "", "reprisal_rating": "mixed"}
    typed["reprisal_reason"] = "The contractor still patrols the road."
    refused = post(client, guide, action, typed)
    assert refused.status_code == 422
    assert "The contractor still patrols the road." in refused.text
    assert re.search(r'value="favourable" selected', refused.text)
    typed["legitimacy_reason"] = "Communities chose the convenor."
    assert post(client, guide, action, typed).status_code == 303
    text = client.get(guide).text
    assert "Communities chose the convenor." in text
    assert "2 of 5 factors weighed" in client.get(f"/staff/incidents/{world.incident.id}/case").text
    alerts = f"/staff/incidents/{world.incident.id}/alerts"
    drafted = post(client, alerts, alerts, {"playbook": str(playbook.id)})
    assert drafted.status_code == 303
    alert_page = client.get(drafted.headers["location"]).text
    reason = (
        "Fictional Andean Water Roundtable: collective-action initiative covering Mining in "
        "Colombia"
    )
    assert reason in alert_page
    box = re.search(
        r'<input type="checkbox" name="recipient" value="\d+" id="recipient-\d+" ?>', alert_page
    )
    assert box is not None  # unticked
