"""The rubric on the public pages: the company page shows the current published assessment
(score, breakdown with excerpts and links, date, the assessing organisation — never the
assessor) and nothing of a draft; a sector's comparison table and its CSV (formula guard);
the CSV of every current assessment; labels in the reader's language."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from html import unescape

from tests.diligence.policies.support import POLICY, actor, form, make_company
from tests.factories import make_org
from tests.public.register_factories import make_public_incident
from vigil.accounts.models import User
from vigil.diligence.policies import service
from vigil.diligence.policies.criteria import applicable
from vigil.diligence.policies.validation import CriterionInput

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
ON = date(2026, 5, 4)


def fourteen() -> dict[str, CriterionInput]:
    """Seven criteria met (2), four absent (0): 14 / 22."""
    codes = [c.code for c in applicable(tech=False)]
    return {
        code: CriterionInput("2", f"Quote {code}.", f"{POLICY}#{code}")
        if n < 7
        else CriterionInput("0", "", "")
        for n, code in enumerate(codes)
    }


def text_of(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</d', html, re.S)
    assert found, element_id
    return " ".join(re.sub("<[^>]+>", "", unescape(found.group(1))).split())


def test_the_company_page_shows_the_current_assessment_and_never_a_draft(session, client) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    who = actor(session, org)
    company = make_company(session, "Cobre Azul S.A.", "mining")
    make_public_incident(session, org, companies=(company,))
    draft = service.start_assessment(
        session, actor=who, company_id=company.id, data=form(fourteen(), on=ON), today=ON
    )
    session.commit()
    page = client.get(f"/companies/{company.id}").text
    assert text_of(page, "hrd-policy") == "Not yet assessed."
    assert "Quote commitment." not in page

    service.publish_assessment(session, actor=who, assessment_id=draft.id, now=NOW)
    service.start_assessment(  # a newer draft changes nothing public
        session,
        actor=who,
        company_id=company.id,
        data=form({"remedy": CriterionInput("0", "", "")}, on=ON),
        today=ON,
    )
    session.commit()
    html = unescape(client.get(f"/companies/{company.id}").text)
    assert text_of(html, "hrd-policy") == "14 / 22 (64 %)"
    assert text_of(html, "policy-score") == "14 / 22 (64 %)"
    assert text_of(html, "policy-organisation") == org.name
    assert "4 May 2026" in text_of(html, "policy-date") or "May 4, 2026" in text_of(
        html, "policy-date"
    )
    assert "<blockquote>Quote commitment.</blockquote>" in html
    assert f'href="{POLICY}#commitment"' in html
    assert "Controls on selling surveillance technology" not in html
    account_email = session.get(User, who.user_id).email
    assert account_email not in html


def test_labels_are_shown_in_the_readers_language(session, client) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    who = actor(session, org)
    company = make_company(session, "Cobre Azul S.A.", "mining")
    make_public_incident(session, org, companies=(company,))
    row = service.start_assessment(
        session, actor=who, company_id=company.id, data=form(fourteen(), on=ON), today=ON
    )
    service.publish_assessment(session, actor=who, assessment_id=row.id, now=NOW)
    session.commit()
    spanish = unescape(
        client.get(f"/companies/{company.id}", headers={"Accept-Language": "es"}).text
    )
    assert "Compromiso explícito con las personas defensoras de derechos humanos" in spanish
    french = unescape(
        client.get("/sectors/mining/policies", headers={"Accept-Language": "fr"}).text
    )
    assert "Tolérance zéro envers les représailles" in french


def test_a_sector_comparison_and_its_csv(session, client) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    who = actor(session, org)
    listed = make_company(session, "Cobre Azul S.A.", "mining")
    make_public_incident(session, org, companies=(listed,))
    hostile = make_company(session, "=cmd|' /C calc'!A0", "mining")
    farm = make_company(session, "Finca Verde", "agribusiness")
    hidden = make_company(session, "Borrador Minero", "mining")
    for company in (listed, hostile, farm):
        row = service.start_assessment(
            session, actor=who, company_id=company.id, data=form(fourteen(), on=ON), today=ON
        )
        service.publish_assessment(session, actor=who, assessment_id=row.id, now=NOW)
    service.start_assessment(
        session, actor=who, company_id=hidden.id, data=form(fourteen(), on=ON), today=ON
    )
    session.commit()

    sector = client.get("/sectors/mining").text
    assert 'href="/sectors/mining/policies"' in sector
    page = unescape(client.get("/sectors/mining/policies").text)
    assert f'<a href="/companies/{listed.id}">Cobre Azul S.A.</a>' in page
    assert "=cmd|' /C calc'!A0" in page  # shown as text (escaped), not linked: not in register
    assert "Finca Verde" not in page and "Borrador Minero" not in page
    assert page.count("14 / 22 (64 %)") == 2

    download = client.get("/sectors/mining/policies.csv")
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="hrd-policies-mining.csv"' in download.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(download.text)))
    assert lines[0][:3] == ["company_id", "company", "assessed_on"]
    names = sorted(line[1] for line in lines[1:])
    assert names == ["'=cmd|' /C calc'!A0", "Cobre Azul S.A."]
    assert {line[-1] for line in lines[1:]} == {"64"}
    everything = list(csv.reader(io.StringIO(client.get("/data/policies.csv").text)))
    assert sorted(line[1] for line in everything[1:]) == [*names, "Finca Verde"]
    assert client.get("/sectors/no-such-sector/policies").status_code == 404
    assert client.get("/sectors/no-such-sector/policies.csv").status_code == 404


def test_a_sector_without_published_assessments(session, client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/sectors/tourism/policies").text
    assert "No company of this sector has a published assessment yet." in page
    lines = client.get("/sectors/tourism/policies.csv").text.splitlines()
    assert len(lines) == 1
