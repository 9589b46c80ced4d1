"""The HRD-policy rubric's staff pages, JavaScript off: an analyst starts an assessment from
the company's page, gets a refused form back as typed with the mistake next to its field,
saves, publishes and sees the history; an auditor reads but cannot write or publish; another
organisation never sees a draft."""

from __future__ import annotations

from html import unescape

from tests.diligence.policies.support import POLICY, TODAY, form, make_company, typed
from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.access import Actor
from vigil.diligence.policies import service
from vigil.diligence.policies.models import PolicyAssessment


def fields(score: int = 1) -> dict[str, str]:
    data = {"policy_url": POLICY, "assessed_on": TODAY.isoformat()}
    for code, typed_in in typed(score).items():
        data[f"{code}.score"] = typed_in.score
        data[f"{code}.excerpt"] = typed_in.excerpt
        data[f"{code}.evidence_url"] = typed_in.evidence_url
    return data


def as_actor(account, org, role: str = "analyst") -> Actor:  # type: ignore[no-untyped-def]
    return Actor(user_id=account.user.id, org_id=org.id, role=role)


def test_an_analyst_drafts_and_publishes_from_the_company_page(session, client) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org, "analyst")
    company = make_company(session, "Cobre Azul S.A.", "mining")
    session.commit()
    sign_in(client, analyst)
    company_page = client.get(f"/staff/companies/{company.id}").text
    assert f'href="/staff/companies/{company.id}/policies"' in company_page
    history = client.get(f"/staff/companies/{company.id}/policies").text
    assert "No assessment yet." in history and 'id="start-assessment"' in history
    blank = client.get(f"/staff/companies/{company.id}/policies/new")
    assert "Explicit commitment to human rights defenders" in blank.text
    assert "Controls on selling surveillance technology" not in blank.text  # mining
    data = {"csrf_token": csrf_from(blank.text), **fields(1)}
    data.update({"remedy.score": "2", "remedy.excerpt": "", "leverage.excerpt": "We speak up."})

    refused = client.post(f"/staff/companies/{company.id}/policies", data=data)
    assert refused.status_code == 422
    html = unescape(refused.text)
    assert 'id="remedy-excerpt-error">A score above 0 needs an excerpt quoted' in html
    assert 'aria-invalid="true" aria-describedby="remedy-excerpt-error"' in html
    assert "We speak up.</textarea>" in html  # everything typed comes back
    assert 'value="https://policy.example/hrd#remedy"' in html
    assert '<option value="2" selected>2</option>' in html
    assert session.query(PolicyAssessment).count() == 0

    data["remedy.excerpt"] = "We provide remedy."
    created = client.post(f"/staff/companies/{company.id}/policies", data=data)
    assert created.status_code == 303
    page = created.headers["location"].split("?")[0]
    draft = unescape(client.get(created.headers["location"]).text)
    assert "The draft assessment was saved." in draft and "12 / 22 (55 %)" in draft
    published = client.post(f"{page}/publish", data={"csrf_token": csrf_from(draft)})
    assert published.status_code == 303
    read = unescape(client.get(page).text)
    assert 'id="state">published' in read and "We provide remedy." in read
    assert 'action="' + page + '"' not in read  # frozen: no form to change it
    history = unescape(client.get(f"/staff/companies/{company.id}/policies").text)
    assert "<strong>current</strong>" in history and "12 / 22 (55 %)" in history


def test_publishing_an_incomplete_draft_shows_what_is_missing(session, client) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org, "coordinator")
    company = make_company(session, "A Medias SA", "mining")
    criteria = typed(1)
    del criteria["senior_oversight"]
    row = service.start_assessment(
        session,
        actor=as_actor(analyst, org, "coordinator"),
        company_id=company.id,
        data=form(criteria),
        today=TODAY,
    )
    session.commit()
    sign_in(client, analyst)
    page = client.get(f"/staff/policies/{row.id}").text
    refused = client.post(f"/staff/policies/{row.id}/publish", data={"csrf_token": csrf_from(page)})
    assert refused.status_code == 422
    assert (
        'id="senior_oversight-score-error">Score this criterion before publishing.' in refused.text
    )
    session.refresh(row)
    assert row.state == "draft"


def test_an_auditor_reads_but_cannot_draft_or_publish(session, client) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst, auditor = make_staff(session, org, "analyst"), make_staff(session, org, "auditor")
    company = make_company(session, "Vista SA", "mining")
    row = service.start_assessment(
        session,
        actor=as_actor(analyst, org),
        company_id=company.id,
        data=form(typed(1)),
        today=TODAY,
    )
    session.commit()
    sign_in(client, auditor)
    history = client.get(f"/staff/companies/{company.id}/policies")
    assert history.status_code == 200 and 'id="start-assessment"' not in history.text
    page = client.get(f"/staff/policies/{row.id}")
    assert page.status_code == 200 and "11 / 22 (50 %)" in unescape(page.text)
    assert "Publish the assessment" not in page.text
    token = csrf_from(client.get(f"/staff/companies/{company.id}").text)
    assert client.get(f"/staff/companies/{company.id}/policies/new").status_code == 403
    created = client.post(
        f"/staff/companies/{company.id}/policies", data={"csrf_token": token, **fields(1)}
    )
    assert created.status_code == 403
    saved = client.post(f"/staff/policies/{row.id}", data={"csrf_token": token, **fields(2)})
    assert saved.status_code == 403
    assert (
        client.post(f"/staff/policies/{row.id}/publish", data={"csrf_token": token}).status_code
        == 403
    )
    session.refresh(row)
    assert row.state == "draft"


def test_another_organisation_never_sees_a_draft(session, client) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = make_org(session), make_org(session)
    author, outsider = make_staff(session, ours), make_staff(session, theirs)
    company = make_company(session, "Secreta SA", "mining")
    row = service.start_assessment(
        session,
        actor=as_actor(author, ours),
        company_id=company.id,
        data=form(typed(1)),
        today=TODAY,
    )
    session.commit()
    sign_in(client, outsider)
    assert client.get(f"/staff/policies/{row.id}").status_code == 404
    token = csrf_from(client.get(f"/staff/companies/{company.id}").text)
    saved = client.post(f"/staff/policies/{row.id}", data={"csrf_token": token, **fields(2)})
    assert saved.status_code == 404
    published = client.post(f"/staff/policies/{row.id}/publish", data={"csrf_token": token})
    assert published.status_code == 404
    history = client.get(f"/staff/companies/{company.id}/policies").text
    assert "No assessment yet." in history
