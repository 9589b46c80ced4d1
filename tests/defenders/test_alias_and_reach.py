"""The defender at the centre (issue 13, point 6): the report form asks for "a name we may
use for you", the defender's alias is that name or a pseudonym in the reporter's language
(never "Defender from report N"), and staff record on the case page the languages they speak
and when it is safe to contact them, the times sealed (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select, text

from tests.factories import csrf_from, make_org, make_staff, sign_in
from tests.intake.helpers import report_fields
from vigil.casework.conversion import InclusionAnswers, convert_report
from vigil.core.audit import AuditEvent
from vigil.defenders.aliases import WORDS, generate_alias
from vigil.defenders.models import Defender
from vigil.defenders.service import erase_defender_record, record_defender, reveal_contact_times
from vigil.incidents.models import Act
from vigil.intake.models import Report

TIMES = "weekdays 18-20 local, never on market day"


def _report_and_convert(session, vault, client, org, staff, *, language="en", **fields):  # type: ignore[no-untyped-def]
    headers = {"Accept-Language": language}
    page = client.get("/report", headers=headers)
    data = report_fields(client, **fields)
    data["csrf_token"] = csrf_from(page.text)
    response = client.post("/report", data=data, headers=headers)
    assert response.status_code == 201, response.text
    report = session.scalars(select(Report).order_by(Report.id.desc())).first()
    assert report.locale == language
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        inclusion=InclusionAnswers(True, True, True, ""),
        title="Threat near the mine",
        actor_user_id=staff.user.id,
    )
    assert incident is not None
    victim_id = session.scalar(select(Act.victim_id).where(Act.incident_id == incident.id))
    return report, incident, session.get(Defender, victim_id)


@pytest.fixture
def org_and_staff(session):  # type: ignore[no-untyped-def]
    org = make_org(session)
    staff = make_staff(session, org, role="analyst")
    session.commit()
    return org, staff


def test_the_form_asks_for_a_name_and_the_defender_is_called_by_it(
    session, vault, client, org_and_staff
):
    org, staff = org_and_staff
    form = client.get("/report", headers={"Accept-Language": "en"}).text
    assert "A name we may use for you (optional)" in form and 'name="chosen_alias"' in form
    spanish = client.get("/report", headers={"Accept-Language": "es"}).text
    assert 'name="chosen_alias"' in spanish and "A name we may use for you" not in spanish
    report, incident, defender = _report_and_convert(
        session, vault, client, org, staff, chosen_alias="  Garza del Río  "
    )
    assert defender.alias == "Garza del Río"
    # The answer is sealed with the report, like every other answer about the person.
    raw = session.execute(text("SELECT * FROM reports WHERE id = :id"), {"id": report.id}).one()
    assert not any(isinstance(v, str) and "Garza" in v for v in raw)
    assert not any(isinstance(v, bytes) and b"Garza" in v for v in raw)
    sign_in(client, staff)
    assert "Name we may use" in client.get(f"/staff/reports/{report.id}").text
    assert "Garza del Río" in client.get(f"/staff/incidents/{incident.id}/case").text


@pytest.mark.parametrize("language", ["es", "pt", "fr", "en"])
def test_without_a_chosen_name_the_alias_is_a_word_of_the_reporters_language(
    session, vault, client, org_and_staff, language
):
    org, staff = org_and_staff
    _report, incident, defender = _report_and_convert(
        session, vault, client, org, staff, language=language, defender_name=""
    )
    assert defender.alias in WORDS[language]
    assert "report" not in defender.alias.lower() and not re.search(r"\d", defender.alias)
    sign_in(client, staff)
    assert "Defender from report" not in client.get(f"/staff/incidents/{incident.id}/case").text


def test_generated_aliases_stay_unique_in_the_organisation(session, vault):
    org, other = make_org(session), make_org(session)
    words = WORDS["es"]
    assert len(set(words)) == len(words)
    for word in words[:-1]:  # every word but one is taken: the last one is chosen
        record_defender(session, vault=vault, org_id=org.id, alias=word)
    assert generate_alias(session, org_id=org.id, language="es") == words[-1]
    record_defender(session, vault=vault, org_id=org.id, alias=words[-1])
    # All taken: a number is added, and the next free number after that.
    second = generate_alias(session, org_id=org.id, language="es-CO")
    word, number = second.rsplit(" ", 1)
    assert word in words and number == "2"
    record_defender(session, vault=vault, org_id=org.id, alias=f"{word} 2")
    for other_word in words:
        record_defender(session, vault=vault, org_id=org.id, alias=f"{other_word} 2")
    assert generate_alias(session, org_id=org.id, language="es").endswith(" 3")
    # Another organisation's aliases do not count; an unknown language gets English words.
    assert generate_alias(session, org_id=other.id, language="es") in words
    assert generate_alias(session, org_id=other.id, language="qu") in WORDS["en"]


def _save_reach(client, incident_id: int, defender_id: int, **data: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/incidents/{incident_id}/case")
    return client.post(
        f"/staff/incidents/{incident_id}/defenders/{defender_id}/reach",
        data={**data, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )


def test_languages_and_sealed_contact_times_on_the_case_page(session, vault, client, org_and_staff):
    org, staff = org_and_staff
    _report, incident, defender = _report_and_convert(
        session, vault, client, org, staff, chosen_alias="Garza"
    )
    session.commit()
    sign_in(client, staff)
    page = client.get(f"/staff/incidents/{incident.id}/case").text
    assert f'id="defender-{defender.id}-reach"' in page and "How to reach the defenders" in page
    saved = _save_reach(
        client, incident.id, defender.id, languages="ES, qu; es", contact_times=f"  {TIMES} "
    )
    assert (
        saved.status_code == 303 and f"#defender-{defender.id}-reach" in saved.headers["location"]
    )
    session.expire_all()
    defender = session.get(Defender, defender.id)
    assert defender.languages == ["es", "qu"]
    assert reveal_contact_times(vault, defender) == TIMES
    # Sealed: the raw row holds no trace of the times, nor does the audit log.
    raw = session.execute(text("SELECT * FROM defenders WHERE id = :id"), {"id": defender.id}).one()
    assert not any(isinstance(v, str) and "market" in v for v in raw)
    assert not any(isinstance(v, bytes | memoryview) and b"market" in bytes(v) for v in raw)
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "defender.reach_updated")
    ).one()
    assert "market" not in event.detail and json.loads(event.detail)["contact_times"] is True
    page = client.get(f"/staff/incidents/{incident.id}/case").text
    assert 'value="es, qu"' in page and TIMES in page
    # Emptied: nothing sealed is left.
    assert (
        _save_reach(client, incident.id, defender.id, languages="", contact_times=" ").status_code
        == 303
    )
    session.expire_all()
    assert session.get(Defender, defender.id).contact_times_sealed is None


def test_reach_refuses_bad_input_other_defenders_and_readers(session, vault, client, org_and_staff):
    org, staff = org_and_staff
    _report, incident, defender = _report_and_convert(session, vault, client, org, staff)
    stranger = record_defender(session, vault=vault, org_id=org.id, alias="Not in this case")
    auditor = make_staff(session, org, role="auditor")
    session.commit()
    sign_in(client, staff)
    bad = _save_reach(client, incident.id, defender.id, languages="Spanish!", contact_times="")
    assert bad.status_code in (400, 422) and "codes such as es" in bad.text
    too_long = _save_reach(client, incident.id, defender.id, contact_times="x" * 301)
    assert too_long.status_code in (400, 422)
    assert _save_reach(client, incident.id, defender.id, contact_times="x" * 300).status_code == 303
    assert _save_reach(client, incident.id, stranger.id, languages="es").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/staff/now").text)})
    sign_in(client, auditor)
    page = client.get(f"/staff/incidents/{incident.id}/case").text
    assert f"/defenders/{defender.id}/reach" not in page and "x" * 300 in page
    assert _save_reach(client, incident.id, defender.id, languages="es").status_code == 403


def test_forgetting_erases_the_contact_times(session, vault):
    org = make_org(session)
    defender = record_defender(session, vault=vault, org_id=org.id, alias="Ceibo")
    from vigil.defenders.service import update_reach

    update_reach(session, vault=vault, defender=defender, languages=["es"], contact_times=TIMES)
    assert defender.contact_times_sealed is not None
    erase_defender_record(session, vault=vault, defender=defender)
    assert defender.contact_times_sealed is None and reveal_contact_times(vault, defender) == ""


def test_a_chosen_name_that_is_the_real_name_is_not_used_as_the_alias(
    session, vault, client, org_and_staff
):
    org, staff = org_and_staff
    _report, _incident, defender = _report_and_convert(
        session,
        vault,
        client,
        org,
        staff,
        language="es",
        defender_name="Quetzali Planted-Name",
        chosen_alias="quetzali  planted-name",
    )
    assert defender.alias in WORDS["es"]
