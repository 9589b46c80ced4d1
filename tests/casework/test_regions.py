"""A region is an ISO 3166-2 code or nothing: what a reporter types about a place stays
sealed with their report, and never reaches an incident's clear columns or an alert."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import text

from tests.factories import (
    consent_of_the_defender,
    location_consent,
    make_incident,
    make_org,
    make_staff,
    sign_in,
)
from vigil.alerts.message import preview
from vigil.alerts.service import draft_alert
from vigil.casework.conversion import InclusionAnswers, convert_report
from vigil.core.errors import Invalid
from vigil.incidents.schemas import IncidentCreate
from vigil.incidents.service import record_incident
from vigil.intake.choices import receiving_organisations, vocabulary_codes
from vigil.intake.schemas import parse_report_form
from vigil.intake.service import file_report, open_answers
from vigil.playbooks.service import install_default_playbooks

FREE_TEXT = "Vereda La Esperanza, behind the school"
YES = InclusionAnswers(is_defender=True, business_link=True, has_source=True, reasons="Fits.")


def _converted(session, vault, org, region: str):  # type: ignore[no-untyped-def]
    form = parse_report_form(
        {
            "country": "CO",
            "region": region,
            "narrative": "Death threat after the hearing.",
            "attack_type": "death_threat",
            "defender_name": "Tomasa Planted",
            "target_kind": "person",
            "year": "2026",
        },
        codes=vocabulary_codes(session),
        organisations=set(receiving_organisations(session)),
    )
    report = file_report(
        session,
        vault=vault,
        org_id=org.id,
        form=form,
        submission_id=secrets.token_hex(6),
        attachments=[],
        locale="es",
    ).report
    analyst = make_staff(session, org)
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        inclusion=YES,
        title="Death threat",
        actor_user_id=analyst.user.id,
    )
    return report, incident


def _row(session, table: str, row_id: int) -> str:  # type: ignore[no-untyped-def]
    return repr(
        session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id}).one()
    )


@pytest.mark.parametrize(
    ("typed", "code", "said"),
    [("Cauca", "CO-CAU", "in Cauca, Colombia"), (f"  {FREE_TEXT} ", None, "in Colombia")],
)
def test_the_typed_region_stays_sealed_and_alerts_say_only_a_subdivision(
    session, vault, typed, code, said
):
    org = make_org(session)
    report, incident = _converted(session, vault, org, typed)

    assert incident.region == code
    assert open_answers(vault, report)["region"] == typed.strip()  # analysts still read it
    assert FREE_TEXT not in _row(session, "reports", report.id)
    assert FREE_TEXT not in _row(session, "incidents", incident.id)
    install_default_playbooks(session, org_id=org.id)
    consent_of_the_defender(session, incident)
    location_consent(session, incident)  # without it the messages say the country only
    alert = draft_alert(session, org_id=org.id, incident_id=incident.id, actor_user_id=None)
    messages = preview(session, vault, org_id=org.id, alert_id=alert.id)
    assert {m.language for m in messages} == {"en", "es", "fr", "pt"}
    for message in messages:
        assert FREE_TEXT not in message.subject + message.text
        assert "Vereda" not in message.text
    english = next(m for m in messages if m.language == "en")
    assert said in english.text


@pytest.mark.parametrize(
    ("country", "region"), [("CO", FREE_TEXT), ("CO", "Cauca"), ("CO", "PE-CAJ"), ("CO", "CO")]
)
def test_an_incident_refuses_any_region_but_a_subdivision_code_of_its_country(
    session, vault, country, region
):
    org = make_org(session)
    data = IncidentCreate(title="Threat", country=country, region=region)
    with pytest.raises(Invalid, match="ISO 3166-2"):
        record_incident(session, vault=vault, org_id=org.id, data=data)


def test_an_incident_keeps_a_subdivision_code_upper_case(session, vault):
    org = make_org(session)
    data = IncidentCreate(title="Threat", country="co", region=" co-cau ")
    incident = record_incident(session, vault=vault, org_id=org.id, data=data)
    assert (incident.country, incident.region) == ("CO", "CO-CAU")


def test_staff_pages_name_the_region_and_show_what_the_reporter_typed(session, vault, client):
    org = make_org(session)
    report, incident = _converted(session, vault, org, "Cauca, vereda El Palo")
    analyst = make_staff(session, org)
    converted = make_incident(session, org, vault=vault)  # region CO-CAU
    session.commit()
    sign_in(client, analyst)

    assert incident.region is None  # more than a region: nothing in clear
    case_page = client.get(f"/staff/incidents/{converted.id}").text
    assert "Colombia, Cauca" in case_page and "CO-CAU" not in case_page
    report_page = client.get(f"/staff/reports/{report.id}").text
    assert "Cauca, vereda El Palo" in report_page  # sealed, shown to staff only
