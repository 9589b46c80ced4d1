"""Staff pages of import runs: coordinators list their organisation's runs, read one with its
problems by line, and roll it back (refused with the records named when they are in use);
analysts and auditors cannot; another organisation's run is never shown. An imported
incident's case page says where it came from."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import csrf_from, make_incident, make_org, make_staff, sign_in
from tests.imports.test_rollback import incident_run
from vigil.imports.models import ImportRun, RunState
from vigil.imports.runs import record_problem, start_run
from vigil.incidents.models import Incident, IncidentEdit


def test_a_coordinator_lists_reads_and_rolls_back_a_run(session, client, vault):
    org, other = make_org(session), make_org(session)
    coordinator = make_staff(session, org, "coordinator")
    run, incidents = incident_run(session, org, vault)
    record_problem(session, run=run, line=7, kind="invalid", message="an age of 4145", column="Age")
    theirs = start_run(
        session, organisation_id=other.id, kind="contacts", source_name="their-contacts.csv",
        file_sha256="f" * 64,
    )  # fmt: skip
    registry = start_run(
        session, organisation_id=None, kind="ftm", source_name="registry.ijson",
        file_sha256="e" * 64,
    )  # fmt: skip
    incident_ids = [incident.id for incident in incidents]
    session.commit()
    sign_in(client, coordinator)

    listing = client.get("/staff/imports")
    assert listing.status_code == 200
    assert f'href="/staff/imports/{run.id}"' in listing.text and "killings.csv" in listing.text
    assert "their-contacts.csv" not in listing.text and "registry.ijson" not in listing.text
    assert 'href="/staff/imports"' in listing.text  # the navigation shows it to coordinators

    page = client.get(f"/staff/imports/{run.id}")
    assert page.status_code == 200
    assert "2 read, 2 created, 0 skipped, 0 invalid" in page.text
    assert "<td>7</td><td>Age</td><td>invalid</td><td>an age of 4145</td>" in page.text
    for foreign in (theirs, registry):
        assert client.get(f"/staff/imports/{foreign.id}").status_code == 404
        response = client.post(
            f"/staff/imports/{foreign.id}/rollback", data={"csrf_token": csrf_from(page.text)}
        )
        assert response.status_code == 404

    response = client.post(
        f"/staff/imports/{run.id}/rollback", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/imports/{run.id}?done=rolled_back"
    after = client.get(response.headers["location"])
    assert "Rolled back: every record the run created was deleted." in after.text
    assert "Roll back this run" not in after.text
    session.expire_all()
    assert session.get(ImportRun, run.id).state == RunState.rolled_back
    assert session.scalars(select(Incident.id).where(Incident.id.in_(incident_ids))).all() == []


def test_a_refused_rollback_names_the_records_and_deletes_nothing(session, client, vault):
    org = make_org(session)
    coordinator = make_staff(session, org, "coordinator")
    run, incidents = incident_run(session, org, vault, count=1)
    incident_id = incidents[0].id
    session.add(IncidentEdit(incident_id=incident_id, fields="title"))
    session.commit()
    sign_in(client, coordinator)
    page = client.get(f"/staff/imports/{run.id}")
    response = client.post(
        f"/staff/imports/{run.id}/rollback", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 409
    assert f"incident #{incident_id} is used by incident_edits" in response.text
    session.expire_all()
    assert session.get(Incident, incident_id) is not None
    assert session.get(ImportRun, run.id).state == RunState.finished


@pytest.mark.parametrize("role", ["analyst", "auditor"])
def test_other_roles_cannot_see_or_roll_back_runs(session, client, vault, role):
    org = make_org(session)
    member = make_staff(session, org, role)
    run, incidents = incident_run(session, org, vault, count=1)
    incident_id = incidents[0].id
    session.commit()
    sign_in(client, member)
    assert client.get("/staff/imports").status_code == 403
    home = client.get("/staff/playbooks")
    assert 'href="/staff/imports"' not in home.text
    assert client.get(f"/staff/imports/{run.id}").status_code == 403
    response = client.post(
        f"/staff/imports/{run.id}/rollback", data={"csrf_token": csrf_from(home.text)}
    )
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Incident, incident_id) is not None


def test_the_case_page_says_where_an_imported_incident_came_from(session, client, vault):
    org = make_org(session)
    coordinator = make_staff(session, org, "coordinator")
    run, incidents = incident_run(session, org, vault, count=1)
    by_hand = make_incident(session, org, vault=vault, title="By hand")
    session.commit()
    sign_in(client, coordinator)
    page = client.get(f"/staff/incidents/{incidents[0].id}/case").text
    assert f"Imported from killings.csv, line 2, import run #{run.id} (" in page
    assert f'href="/staff/imports/{run.id}"' in page
    assert "Imported from" not in client.get(f"/staff/incidents/{by_hand.id}/case").text
