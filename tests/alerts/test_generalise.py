"""The "generalised" share level says the month, the top-level region and the kind of project
(never the alias, the day, a department inside a region or the project's name), and the alert
page warns when the circumstances alone would identify the person."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import (
    csrf_from,
    location_consent,
    make_incident,
    make_org,
    make_staff,
    sign_in,
)
from vigil.alerts.compose import Links, compose
from vigil.alerts.facts import facts_for
from vigil.alerts.generalise import RARE_BELOW, identifying_circumstances
from vigil.alerts.models import Alert
from vigil.companies.models import Company, Project
from vigil.core.i18n import LOCALES
from vigil.demo.alerts import load_alert_demo
from vigil.incidents.models import Act, Incident
from vigil.incidents.service import find_incident_by_ref
from vigil.organisations.models import Organisation
from vigil.playbooks.service import default_playbook_files, import_playbook
from vigil.vocabularies.service import get_term

LINKS = Links(
    "https://x.example/a", "https://x.example/i", "https://x.example/r", "https://x.example/u"
)
EVERYTHING = {
    "title": {"en": "t"},
    "tiers": [{"label": {"en": "Tier"}, "deadline_hours": 24}],
    "messages": {
        language: {
            "subject": "{{ case_reference }}",
            "body": "{{ defender }}|{{ occurred_on }}|{{ region }}|{{ project }}|{{ company }}",
        }
        for language in LOCALES
    },
}
GENERALISED = {
    "en": "a human rights defender|March 2026|Auvergne-Rhône-Alpes|"
    "a project in the mining sector in France|PlantedCompany S.A.",
    "es": "una persona defensora de derechos humanos|marzo de 2026|Auvergne-Rhône-Alpes|"
    "un proyecto del sector minería en Francia|PlantedCompany S.A.",
    "fr": "un·e défenseur·e des droits humains|mars 2026|Auvergne-Rhône-Alpes|"
    "un projet du secteur industrie minière, France|PlantedCompany S.A.",
    "pt": "uma pessoa defensora de direitos humanos|março de 2026|Auvergne-Rhône-Alpes|"
    "um projeto do setor de mineração, França|PlantedCompany S.A.",
}


def _case(session, vault, *, country: str = "FR", region: str | None = "FR-01"):  # type: ignore[no-untyped-def]
    """A case at a named mine in Ain (a department of Auvergne-Rhône-Alpes)."""
    org = make_org(session)
    company = Company(name="PlantedCompany S.A.")
    session.add(company)
    session.flush()
    mining = get_term(session, vocabulary="sector", code="mining")
    project = Project(
        name="PlantedProject mine", kind="mine", country=country, operator_id=company.id
    )
    project.sector_id = mining.id
    session.add(project)
    session.flush()
    incident = make_incident(session, org, vault=vault, company_id=company.id, country=country)
    incident.region, incident.project_id = region, project.id
    incident.occurred_on = date(2026, 3, 14)
    session.flush()
    location_consent(session, incident)  # the region is said only with this consent
    return org, incident


def _alert(session, org, incident, share_level: str) -> Alert:  # type: ignore[no-untyped-def]
    text = next(p for p in default_playbook_files() if p.stem == "death_threat").read_text()
    playbook = import_playbook(session, org_id=org.id, yaml_text=text, actor_user_id=None)
    alert = Alert(
        organisation_id=org.id,
        incident_id=incident.id,
        playbook_id=playbook.id,
        status="draft",
        share_level=share_level,
    )
    session.add(alert)
    session.flush()
    return alert


def _said(session, vault, alert, language: str) -> str:  # type: ignore[no-untyped-def]
    facts = facts_for(session, vault, alert)
    message = compose(
        EVERYTHING,
        facts,
        language=language,
        recipient_name="R",
        tier=1,
        purpose="alert",
        links=LINKS,
        alert_id=alert.id,
    )
    return message.text.split("\n\n")[0]  # the template's line, before the do-no-harm paragraph


@pytest.mark.parametrize("language", LOCALES)
def test_generalised_says_month_region_and_kind_of_project(session, vault, language):
    org, incident = _case(session, vault)
    alert = _alert(session, org, incident, "generalised")
    said = _said(session, vault, alert, language)
    assert said == GENERALISED[language]
    for secret in ("Defender A", "14", "Ain", "PlantedProject"):
        assert secret not in said


def test_the_alias_level_still_says_the_day_the_department_and_the_project(session, vault):
    org, incident = _case(session, vault)
    alert = _alert(session, org, incident, "alias")
    assert _said(session, vault, alert, "en") == (
        "Defender A|March 14, 2026|Ain|PlantedProject mine|PlantedCompany S.A."
    )


def test_generalised_says_the_year_when_only_the_year_is_known(session, vault):
    org, incident = _case(session, vault, country="CO", region="CO-CAU")
    incident.date_precision = "year"
    alert = _alert(session, org, incident, "generalised")
    said = _said(session, vault, alert, "es")
    # Cauca is already a top-level department: it stays; no sector → the country alone.
    assert said.split("|")[1:3] == ["2026", "Cauca"]
    project = session.get(Project, incident.project_id)
    project.sector_id = None
    session.flush()
    assert _said(session, vault, alert, "en").split("|")[3] == "a project in Colombia"


def _same_attack_elsewhere(session, vault, org, incident, **changes) -> Incident:  # type: ignore[no-untyped-def]
    other = make_incident(session, org, vault=vault, country=incident.country)
    other.region = changes.get("region", incident.region)
    other.organisation_id = changes.get("organisation_id", org.id)
    act = session.scalar(select(Act).where(Act.incident_id == other.id))
    if "attack_type" in changes:
        act.attack_type_id = get_term(
            session, vocabulary="attack_type", code=changes["attack_type"]
        ).id
    session.flush()
    return other


def test_the_warning_stops_at_the_third_incident_of_the_type_in_the_region(session, vault):
    org, incident = _case(session, vault)
    assert RARE_BELOW == 3
    assert identifying_circumstances(session, incident)  # the only one
    _same_attack_elsewhere(session, vault, org, incident, attack_type="surveillance")
    _same_attack_elsewhere(session, vault, org, incident, region="FR-02")
    _same_attack_elsewhere(session, vault, org, incident, organisation_id=make_org(session).id)
    assert identifying_circumstances(session, incident)  # none of those counts
    _same_attack_elsewhere(session, vault, org, incident)
    assert identifying_circumstances(session, incident)  # two: still rare
    _same_attack_elsewhere(session, vault, org, incident)
    assert not identifying_circumstances(session, incident)  # three: no longer rare


def test_no_warning_without_a_named_project_or_a_region(session, vault):
    _org, incident = _case(session, vault)
    incident.project_id = None
    assert not identifying_circumstances(session, incident)
    _org, other = _case(session, vault, region=None)
    assert not identifying_circumstances(session, other)


def test_the_alert_page_warns_until_the_generalised_level_is_chosen(session, vault, client):
    org, incident = _case(session, vault)
    alert = _alert(session, org, incident, "alias")
    analyst = make_staff(session, org, "analyst")
    session.commit()
    sign_in(client, analyst)
    page = client.get(f"/staff/alerts/{alert.id}")
    assert page.status_code == 200
    assert 'id="identifying-warning"' in page.text
    alert.share_level = "generalised"
    session.commit()
    page = client.get(f"/staff/alerts/{alert.id}")
    assert page.status_code == 200 and 'id="identifying-warning"' not in page.text
    assert "PlantedProject" not in page.text.split('id="preview-h"')[1]


def test_the_analyst_chooses_generalised_and_the_preview_hides_alias_day_and_project(
    session, client, settings, vault, demo_data
):
    load_alert_demo(session)
    org = session.scalar(select(Organisation).where(Organisation.slug == "red-andina"))
    incident = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000")
    analyst = make_staff(session, org, "analyst")
    session.commit()
    sign_in(client, analyst)
    case_url = f"/staff/incidents/{incident.id}/alerts"
    token = csrf_from(client.get(case_url).text)
    drafted = client.post(case_url, data={"playbook": "", "csrf_token": token})
    alert_url = drafted.headers["location"].split("?")[0]
    token = csrf_from(client.get(alert_url).text)
    saved = client.post(
        f"{alert_url}/message",
        data={"share_level": "generalised", "note": "", "csrf_token": token},
    )
    assert saved.status_code == 303
    previews = client.get(alert_url).text.split('id="preview-h"')[1]
    assert "a project in the mining sector in Colombia" in previews
    assert "October 2026" in previews and "October 3" not in previews
    for secret in ("Defender 000", "El Roble", "Tomasa"):
        assert secret not in previews
    assert f"case VIGIL-{incident.id}" in previews
