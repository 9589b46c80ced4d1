"""Gender and identity as a question of its own with several answers (issue 18 point 9), on
SQLite and PostgreSQL: ticked on the report form, sealed with the report, carried to the
defender record, shown to staff, and forgotten with the person."""

from __future__ import annotations

import json
import secrets

from sqlalchemy import select

from tests.factories import make_org, make_staff, sign_in
from tests.intake.helpers import report_fields
from vigil.casework.conversion import InclusionAnswers, convert_report
from vigil.defenders.service import erase_defender_record, record_defender
from vigil.intake.choices import receiving_organisations, vocabulary_codes
from vigil.intake.models import Report
from vigil.intake.schemas import parse_report_form
from vigil.intake.service import file_report, open_answers

YES = InclusionAnswers(is_defender=True, business_link=True, has_source=True, reasons="ok")


def test_the_form_offers_several_identities_and_keeps_them_sealed(session, client, vault):  # type: ignore[no-untyped-def]
    make_org(session)
    session.commit()
    page = client.get("/report").text
    assert 'id="gender_identity-trans" name="gender_identity" value="trans"' in page
    fields = report_fields(client)
    fields["gender_identity"] = ["woman", "trans"]  # type: ignore[assignment]
    assert client.post("/report", data=fields).status_code == 201
    report = session.scalars(select(Report)).one()
    assert open_answers(vault, report)["gender_identity"] == "woman,trans"
    row = json.dumps([str(v) for v in session.execute(select(Report.__table__)).one()])
    assert "trans" not in row  # never in clear


def test_identities_reach_the_defender_record_and_the_staff_pages(session, client, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    form = parse_report_form(
        {
            "country": "CO",
            "narrative": "Threatened after the pride march.",
            "attack_type": "gender_based_harassment",
            "gender_identity": "non_binary,lesbian_gay_bisexual",
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
        locale="en",
    ).report
    session.commit()
    sign_in(client, analyst)
    page = client.get(f"/staff/reports/{report.id}").text
    assert "Gender and identity" in page and "Non-binary, Lesbian, gay, bisexual or queer" in page
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        inclusion=YES,
        title="Harassment",
        actor_user_id=analyst.user.id,
    )
    assert incident is not None
    victim = incident.acts[0].victim
    assert [t.code for t in victim.identities] == ["non_binary", "lesbian_gay_bisexual"]
    session.commit()
    case = client.get(f"/staff/incidents/{incident.id}").text
    assert "Non-binary, Lesbian, gay, bisexual or queer" in case


def test_an_unknown_identity_is_refused_and_identities_are_forgotten(session, vault):  # type: ignore[no-untyped-def]
    form = parse_report_form(
        {"country": "CO", "narrative": "x", "gender_identity": "woman,planted"},
        codes=vocabulary_codes(session),
        organisations=set(),
    )
    assert "gender_identity" in form.errors
    org = make_org(session)
    defender = record_defender(
        session, vault=vault, org_id=org.id, alias="D", identity_codes=["woman", "trans", "woman"]
    )
    assert [t.code for t in defender.identities] == ["woman", "trans"]
    erase_defender_record(session, vault=vault, defender=defender)
    assert defender.identities == []
