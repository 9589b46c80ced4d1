"""Several types of attack per incident (issue 18 point 9), on SQLite and PostgreSQL: the
report form stores every ticked type, the case gets one act per type, the incident list
filters on any of them, the proposed playbook is the most urgent one, and the public numbers
count an incident once in each of its types."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from tests.factories import make_incident, make_org, make_staff, sign_in
from tests.intake.helpers import report_fields
from tests.public.helpers import MIN_CELL, publish, published, table, verified_incidents
from vigil.casework.conversion import InclusionAnswers, convert_report
from vigil.incidents.models import Act
from vigil.incidents.service import list_incidents
from vigil.intake.choices import receiving_organisations, vocabulary_codes
from vigil.intake.models import Report
from vigil.intake.schemas import parse_report_form
from vigil.intake.service import file_report
from vigil.playbooks.choice import choose_playbook, playbook_for_incident
from vigil.playbooks.service import install_default_playbooks
from vigil.vocabularies.service import get_term

YES = InclusionAnswers(is_defender=True, business_link=True, has_source=True, reasons="ok")


def _add_type(session, incident, code):  # type: ignore[no-untyped-def]
    first = incident.acts[0]
    term = get_term(session, vocabulary="attack_type", code=code)
    session.add(Act(incident_id=incident.id, attack_type_id=term.id, victim_id=first.victim_id))
    session.flush()
    session.refresh(incident)


def test_the_form_stores_every_ticked_type_and_shows_them_again(session, client):  # type: ignore[no-untyped-def]
    make_org(session)
    session.commit()
    fields = report_fields(client)
    fields["attack_type"] = ["death_threat", "forced_displacement"]  # type: ignore[assignment]
    response = client.post("/report", data=fields)
    assert response.status_code == 201, response.text
    report = session.scalars(select(Report)).one()
    assert report.attack_types == ["death_threat", "forced_displacement"]

    again = report_fields(client, narrative="")
    again["attack_type"] = ["extortion", "protest_repression"]  # type: ignore[assignment]
    page = client.post("/report", data=again).text
    assert 'id="attack_type-extortion" name="attack_type" value="extortion" checked' in page
    assert 'value="protest_repression" checked' in page
    assert 'value="death_threat" checked' not in page


def test_an_unknown_type_among_several_is_refused(session):  # type: ignore[no-untyped-def]
    form = parse_report_form(
        {"country": "CO", "narrative": "x", "attack_type": "extortion,not-a-code"},
        codes=vocabulary_codes(session),
        organisations=set(),
    )
    assert "attack_type" in form.errors


def test_a_report_with_two_types_becomes_a_case_with_one_act_each(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    form = parse_report_form(
        {
            "country": "CO",
            "narrative": "Threatened, then forced to leave the village.",
            "attack_type": "death_threat,forced_displacement,death_threat",
        },
        codes=vocabulary_codes(session),
        organisations=set(receiving_organisations(session)),
    )
    assert not form.errors
    report = file_report(
        session,
        vault=vault,
        org_id=org.id,
        form=form,
        submission_id=secrets.token_hex(6),
        attachments=[],
        locale="es",
    ).report
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        inclusion=YES,
        title="Threat and displacement",
        actor_user_id=analyst.user.id,
    )
    assert incident is not None
    assert [act.attack_type.code for act in incident.acts] == [
        "death_threat",
        "forced_displacement",
    ]
    assert len({act.victim_id for act in incident.acts}) == 1


def test_the_incident_list_filters_on_any_of_the_types(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    both = make_incident(session, org, vault=vault, attack_type="death_threat")
    _add_type(session, both, "extortion")
    only_threat = make_incident(session, org, vault=vault, attack_type="death_threat")
    for code, expected in (
        ("extortion", {both.id}),
        ("death_threat", {both.id, only_threat.id}),
        ("killing", set()),
    ):
        page = list_incidents(session, org_id=org.id, attack_type=code)
        assert {i.id for i in page.items} == expected and page.total == len(expected), code


def test_the_staff_list_and_api_filter_on_a_type(session, client, vault):  # type: ignore[no-untyped-def]

    org = make_org(session)
    incident = make_incident(session, org, vault=vault, title="Extorted and threatened")
    _add_type(session, incident, "extortion")
    make_incident(session, org, vault=vault, title="Only a threat")
    staff = make_staff(session, org)
    session.commit()
    sign_in(client, staff)
    page = client.get("/staff/incidents?attack_type=extortion").text
    assert "Extorted and threatened" in page and "Only a threat" not in page
    data = client.get("/api/v1/incidents?attack_type=extortion").json()
    assert [item["title"] for item in data["items"]] == ["Extorted and threatened"]
    assert data["items"][0]["attack_types"] == ["death_threat", "extortion"]
    # A NUL in the filter is a clear 422 on the API and an empty list on the staff page,
    # never a database error (PostgreSQL cannot compare text holding NUL).
    assert client.get("/api/v1/incidents?attack_type=%00").status_code == 422
    page = client.get("/staff/incidents?attack_type=%00")
    assert page.status_code == 200 and "Extorted and threatened" not in page.text


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["smear_campaign", "killing"], "killing"),  # urgency 0 beats 2
        (["judicial_criminal", "physical_assault"], "physical_assault"),  # 1 beats 2
        (["surveillance", "physical_assault"], "physical_assault"),  # tie: the graver type
        (["physical_assault", "surveillance"], "physical_assault"),  # whatever the order
        (["extortion", "smear_campaign"], "smear_campaign"),  # uncovered types drop out
    ],
)
def test_the_most_urgent_type_chooses_the_playbook(session, types, expected):  # type: ignore[no-untyped-def]
    org = make_org(session)
    install_default_playbooks(session, org_id=org.id)
    choice = choose_playbook(session, org_id=org.id, attack_types=types)
    assert choice is not None and choice.attack_type == expected


def test_no_playbook_for_types_none_covers(session):  # type: ignore[no-untyped-def]
    org = make_org(session)
    install_default_playbooks(session, org_id=org.id)
    assert choose_playbook(session, org_id=org.id, attack_types=["extortion"]) is None


def test_a_case_recorded_first_as_a_smear_then_a_killing_gets_the_killing_playbook(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    install_default_playbooks(session, org_id=org.id)
    incident = make_incident(session, org, vault=vault, attack_type="smear_campaign")
    _add_type(session, incident, "attempted_killing")
    choice = playbook_for_incident(session, org_id=org.id, incident_id=incident.id)
    assert choice is not None and choice.playbook.code == "killing"


def test_an_incident_counts_once_in_each_of_its_types_and_once_in_the_total(session, vault, client):  # type: ignore[no-untyped-def]
    org = make_org(session)
    incidents = verified_incidents(session, org, vault, MIN_CELL, attack_type="death_threat")
    for incident in incidents:
        _add_type(session, incident, "forced_displacement")
        _add_type(session, incident, "death_threat")  # a second act of the same type
    publish(session)
    data = published(client)
    assert data["total"] == MIN_CELL
    assert table(data, "attack_type") == {"death_threat": MIN_CELL, "forced_displacement": MIN_CELL}
    assert table(data, "country") == {"PE": MIN_CELL}


def test_an_unknown_attack_type_filter_matches_nothing(session, vault):  # type: ignore[no-untyped-def]
    """A filter value that is no term is answered like any value no incident has: an empty
    page (the API documents the filter as free text; schemathesis sends any string)."""
    org = make_org(session)
    make_incident(session, org, vault=vault, attack_type="death_threat")
    assert list_incidents(session, org_id=org.id, attack_type="no_such_type").total == 0
    # PostgreSQL refuses a NUL in any text it compares: the lookup must not reach it.
    assert list_incidents(session, org_id=org.id, attack_type="\x00").total == 0
    assert list_incidents(session, org_id=org.id, attack_type="death_threat").total == 1
