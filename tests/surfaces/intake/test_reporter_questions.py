"""The report form asks who is reporting, whether the defender knows and agrees, who else is
at risk and what is needed now (both databases): the answers are stored sealed with the
report, shown to staff, kept as typed when the form comes back with an error, and a
"defender does not know" makes the staff page say that nothing here is their consent."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_org, make_staff, sign_in
from tests.intake.helpers import report_fields
from vigil.intake.models import Report

ANSWERS = {
    "reporter_relation": "family",
    "defender_knows": "does_not_know",
    "others_at_risk": "Her two sons, Planted-Son, who walk to school alone.",
    "needs_now": "A safe place to sleep this week and a lawyer.",
}


def test_the_form_asks_the_four_questions(session, client):  # type: ignore[no-untyped-def]
    make_org(session)
    session.commit()
    page = client.get("/report").text
    for name in ANSWERS:
        assert f'name="{name}"' in page
    assert 'value="does_not_know"' in page and 'value="colleague"' in page


def test_answers_are_stored_sealed_and_shown_to_staff_with_the_consent_warning(session, client):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    session.commit()
    response = client.post("/report", data=report_fields(client, **ANSWERS))
    assert response.status_code == 201, response.text
    report = session.scalars(select(Report)).one()
    row = " ".join(str(v) for v in session.execute(select(Report.__table__)).one())
    for secret in ("Planted-Son", "lawyer", "does_not_know"):
        assert secret not in row
    assert b"Planted-Son" not in report.answers_sealed
    sign_in(client, analyst)
    page = client.get(f"/staff/reports/{report.id}").text
    assert "A family member" in page
    assert "No, they do not know about this report" in page
    assert "Planted-Son" in page and "A safe place to sleep" in page
    assert 'id="defender-not-agreed"' in page
    assert "never the defender&#39;s consent" in page or "never the defender's consent" in page


def test_a_defender_who_agrees_gets_no_warning(session, client):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    session.commit()
    fields = report_fields(client, reporter_relation="defender", defender_knows="agrees")
    assert client.post("/report", data=fields).status_code == 201
    report = session.scalars(select(Report)).one()
    sign_in(client, analyst)
    page = client.get(f"/staff/reports/{report.id}").text
    assert "The person or group targeted, themselves" in page
    assert 'id="defender-not-agreed"' not in page


def test_the_form_comes_back_with_every_answer_after_an_error(session, client):  # type: ignore[no-untyped-def]
    make_org(session)
    session.commit()
    fields = report_fields(client, narrative="", **ANSWERS)
    response = client.post("/report", data=fields)
    assert response.status_code == 400
    page = response.text
    assert '<option value="family" selected>' in page
    assert '<option value="does_not_know" selected>' in page
    assert ANSWERS["others_at_risk"] in page and ANSWERS["needs_now"] in page
    assert "Quetzali Planted-Name" in page
    assert session.scalar(select(Report.id)) is None


def test_an_unknown_choice_is_refused_and_the_rest_kept(session, client):  # type: ignore[no-untyped-def]
    make_org(session)
    session.commit()
    fields = report_fields(client, reporter_relation="boss", defender_knows="agrees")
    response = client.post("/report", data=fields)
    assert response.status_code == 400
    assert "Please choose one of the options." in response.text
    assert '<option value="agrees" selected>' in response.text
