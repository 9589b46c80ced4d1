"""Country lists hold real countries only (pycountry's ISO 3166-1, named in the reader's
language), and the region is chosen from the chosen country's ISO 3166-2 subdivisions: with
JavaScript off through a button that brings the list back with everything typed, with htmx
through a fragment. A subdivision of another country is refused, saying so, with every other
answer kept. Older reports whose region is free text still read as typed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.factories import csrf_from, make_org, make_staff, sign_in
from tests.intake.helpers import report_fields
from vigil.core.places import country_choices, region_choices, region_label
from vigil.incidents.models import Incident
from vigil.intake.models import Report
from vigil.intake.service import open_answers

#: CLDR territories that are no country: groupings, pseudo-locales, "unknown".
NOT_COUNTRIES = (
    "Pseudo-Accents",
    "Pseudo-Bidi",
    "Eurozone",
    "European Union",
    "United Nations",
    "Outlying Oceania",
    "Unknown Region",
    "world",
)


def _options(html: str, select_id: str) -> dict[str, str]:
    match = re.search(rf'<select id="{select_id}".*?</select>', html, re.S)
    assert match, f"no select #{select_id}"
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', match.group(0)))


@pytest.mark.parametrize(("language", "peru"), [("en", "Peru"), ("es", "Perú"), ("fr", "Pérou")])
def test_the_country_list_holds_real_countries_named_in_the_readers_language(
    session, client, language, peru
):
    make_org(session)
    session.commit()
    client.get(f"/language/{language}")
    countries = _options(client.get("/report").text, "country")
    assert countries["PE"] == peru
    assert countries["CO"] and countries["AX"]  # Åland: a territory, not a grouping
    assert not {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "001"} & set(countries)
    for name in NOT_COUNTRIES:
        assert name not in countries.values()
    assert len(countries) - 1 == 249 == len(country_choices(language))  # minus "Choose…"


def test_the_country_list_is_sorted_as_a_reader_expects():
    names = [name for _, name in country_choices("en")]
    assert names.index("Åland Islands") < names.index("Albania")
    assert "Pseudo-Accents" not in names and "Eurozone" not in names


def test_without_javascript_the_button_lists_the_chosen_countrys_regions_keeping_answers(
    session, client
):
    make_org(session)
    session.commit()
    first = client.get("/report").text
    assert 'id="region-hint"' in first and '<select id="region"' not in first
    fields = report_fields(client, country="PE", region="", show_regions="Show")
    response = client.post("/report", data=fields)
    assert response.status_code == 200
    regions = _options(response.text, "region")
    assert regions["PE-ARE"] == "Arequipa" and regions["PE-CUS"] == "Cusco"
    assert not [code for code in regions if code and not code.startswith("PE-")]
    assert "A handwritten threat was left at the door" in response.text  # nothing lost
    assert session.scalars(select(Report)).first() is None  # nothing filed yet


def test_htmx_swaps_in_the_regions_of_the_country_chosen(client):
    response = client.get("/report/regions?country=pe", headers={"HX-Request": "true"})
    assert response.status_code == 200
    regions = _options(response.text, "region")
    assert regions["PE-LIM"] == "Lima" and len(regions) - 1 == len(region_choices("PE"))
    assert "show_regions" not in response.text and "<html" not in response.text
    nothing = client.get("/report/regions?country=EU", headers={"HX-Request": "true"})
    assert nothing.status_code == 200 and '<select id="region"' not in nothing.text


def test_a_region_of_peru_is_filed_as_its_code_and_shown_by_name(session, client, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    session.commit()
    response = client.post("/report", data=report_fields(client, country="PE", region="pe-are"))
    assert response.status_code == 201, response.text
    report = session.scalars(select(Report)).one()
    assert open_answers(vault, report)["region"] == "PE-ARE"
    sign_in(client, analyst)
    page = client.get(f"/staff/reports/{report.id}").text
    answers = re.search(r'<dl class="answers">.*?</dl>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "Arequipa" in answers and "PE-ARE" not in answers


def test_a_region_of_another_country_is_refused_with_every_answer_kept(session, client):
    make_org(session)
    session.commit()
    client.get("/language/es")
    fields = report_fields(client, country="PE", region="CO-CAU")
    response = client.post("/report", data=fields)
    assert response.status_code == 400
    assert "Cauca no es una región de Perú" in response.text
    assert 'aria-invalid="true"' in response.text
    assert "A handwritten threat was left at the door" in response.text
    assert _options(response.text, "region")["PE-ARE"] == "Arequipa"  # the right list now
    assert 'value="Quetzali Planted-Name"' in response.text
    assert session.scalars(select(Report)).first() is None


def test_older_free_text_regions_read_as_typed():
    assert region_label("Vereda La Esperanza", "es") == "Vereda La Esperanza"
    assert region_label("co-cau", "en") == "Cauca"
    assert region_label("", "en") == region_label(None, "en") == ""


def _convert(client, report_id: int, region: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/reports/{report_id}").text
    data = {
        "csrf_token": csrf_from(page),
        "is_defender": "yes",
        "business_link": "yes",
        "has_source": "yes",
        "title": "Death threat in the south",
        "region": region,
    }
    return page, client.post(f"/staff/reports/{report_id}/convert", data=data)


def test_the_incident_region_is_chosen_from_the_reports_country(session, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    session.commit()
    filed = client.post("/report", data=report_fields(client, country="PE", region="PE-ARE"))
    assert filed.status_code == 201
    report = session.scalars(select(Report)).one()
    sign_in(client, analyst)

    page, refused = _convert(client, report.id, "CO-CAU")
    options = _options(page, "incident-region")
    assert options["PE-CUS"] == "Cusco" and not [c for c in options if c.startswith("CO-")]
    assert re.search(r'<option value="PE-ARE" selected>', page)  # the reporter's answer
    assert refused.status_code == 422 and "ISO 3166-2" in refused.text
    session.expire_all()
    assert session.get(Report, report.id).incident_id is None

    _, converted = _convert(client, report.id, "PE-CUS")
    assert converted.status_code == 303
    session.expire_all()
    incident = session.get(Incident, session.get(Report, report.id).incident_id)
    assert (incident.country, incident.region) == ("PE", "PE-CUS")
