"""A case page people can work from (issue 13, point 7): the summary header and sections, the
incident edited with its history, the decision form returned as typed when something is
missing, urgent reports assigned on conversion, and the time to first action."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.casework.test_casework import NEXT_WEEK, YES, _report
from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.alerts.models import Alert
from vigil.casework.conversion import convert_report
from vigil.casework.models import InclusionCheck
from vigil.casework.service import add_note, assess_risk, link_company
from vigil.checkins.models import CheckIn, CheckInSchedule
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.defenders.service import record_defender
from vigil.incidents.models import Incident, IncidentEdit
from vigil.intake.models import Report


def _post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/staff/reports").text)
    return client.post(path, data={"csrf_token": token, **data})


def _case(session, vault, org, analyst, *, imminent=False):  # type: ignore[no-untyped-def]
    report = _report(session, vault, org)
    report.imminent = imminent
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        inclusion=YES,
        title="Death threat, Cauca",
        actor_user_id=analyst.user.id,
    )
    assert incident is not None
    return incident


def _assess(session, vault, org, analyst, incident, level):  # type: ignore[no-untyped-def]
    assess_risk(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        level=level,
        factors={},
        reasons="",
        review_on=NEXT_WEEK,
        actor_user_id=analyst.user.id,
    )


def test_case_page_opens_on_a_summary_and_keeps_merging_apart(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    _assess(session, vault, org, analyst, incident, "ordinary")
    _assess(session, vault, org, analyst, incident, "extreme")
    incident.assignee_id = analyst.user.id
    schedule = CheckInSchedule(
        organisation_id=org.id, incident_id=incident.id, every_hours=24, next_due_at=utcnow()
    )
    session.add(schedule)
    session.flush()
    session.add(CheckIn(schedule_id=schedule.id, method="analyst", safe=False))
    alert = Alert(organisation_id=org.id, incident_id=incident.id)
    session.add(alert)
    session.commit()
    sign_in(client, analyst)
    page = client.get(f"/staff/incidents/{incident.id}/case").text

    summary = page.split('id="case-summary"')[1].split("</section>")[0]
    alias = incident.acts[0].victim.alias
    assert f'id="case-defenders">{alias}<' in summary
    assert 'id="case-risk">Extreme risk' in summary
    assert "higher than the previous assessment" in summary
    assert f'id="case-assignee">{analyst.user.display_name}<' in summary
    assert "asked for help" in summary.split('id="case-last-check-in"')[1]
    assert f"Alert {alert.id} · Draft" in summary
    assert '<a href="#tasks-h">0</a>' in summary
    # Sections reachable by plain anchors, routine work first, merging last and marked.
    nav = page.split('id="case-sections"')[1].split("</nav>")[0]
    for anchor in ("#work", "#conversation", "#risk-h", "#support", "#details", "#danger"):
        assert f'href="{anchor}"' in nav
    order = [page.index(marker) for marker in ('id="case-summary"', 'id="work"', 'id="danger"')]
    assert order == sorted(order)
    danger = page.split('id="danger"')[1]
    assert "/duplicate" in danger and "cannot be undone" in danger.lower()
    assert page.count("/duplicate") == 1  # nowhere else on the page
    assert 'id="case-status-form"' in page and 'id="risk-form"' in page


def test_risk_trend_says_lower_and_same_and_nothing_with_one_assessment(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    _assess(session, vault, org, analyst, incident, "extreme")
    session.commit()
    sign_in(client, analyst)
    url = f"/staff/incidents/{incident.id}/case"
    assert 'id="risk-trend"' not in client.get(url).text
    _assess(session, vault, org, analyst, incident, "extreme")
    session.commit()
    assert "same as the previous assessment" in client.get(url).text
    _assess(session, vault, org, analyst, incident, "extraordinary")
    session.commit()
    assert "lower than the previous assessment" in client.get(url).text


def test_incident_is_edited_with_a_sealed_audited_history(session, vault, client, app):
    org, theirs = make_org(session), make_org(session)
    analyst = make_staff(session, org)
    auditor = make_staff(session, org, role="auditor")
    foreign = make_staff(session, theirs)
    incident = _case(session, vault, org, analyst)
    sister = record_defender(
        session, vault=vault, org_id=org.id, alias="Sister Ana", kind="person", name="Ana"
    )
    session.commit()
    sign_in(client, analyst)
    base = f"/staff/incidents/{incident.id}"
    done = _post(
        client,
        f"{base}/edit",
        {"title": "Death threats, Cauca", "occurred_on": "2026-03-02", "date_precision": "day"},
    )
    assert done.status_code == 303
    added = _post(
        client, f"{base}/acts", {"attack_type": "online_harassment", "victim": str(sister.id)}
    )
    assert added.status_code == 303
    _post(
        client,
        f"{base}/sources",
        {
            "kind": "media",
            "reliability": "high",
            "url": "https://news.example/a",
            "description": "",
        },
    )
    page = client.get(base).text
    assert "<h1>Death threats, Cauca</h1>" in page
    assert "Sister Ana" in page.split("<h2>Acts</h2>")[1].split("<h2>Sources</h2>")[0]
    history = page.split('id="incident-history"')[1].split("</ol>")[0]
    assert "<del>Death threat, Cauca</del> → <ins>Death threats, Cauca</ins>" in history
    assert "Act added" in history and "Sister Ana" in history
    assert "Source added" in history and "https://news.example/a" in history
    assert analyst.user.display_name in history
    # The case page shows the same history.
    assert "Death threats, Cauca</ins>" in client.get(f"{base}/case").text

    # Values are sealed; the audit entry names the fields only.
    sealed = session.scalars(select(IncidentEdit.values_sealed)).all()
    assert len(sealed) == 3 and all(b"Death threat" not in value for value in sealed)
    details = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "incident.edited")
    ).all()
    assert len(details) == 3 and "Cauca" not in str(details) and "title" in str(details)

    # The last act stays; an empty title is refused with the page, nothing saved.
    session.expire_all()
    act_ids = [act.id for act in session.get(Incident, incident.id).acts]
    assert _post(client, f"{base}/acts/{act_ids[0]}/remove", {}).status_code == 303
    last = _post(client, f"{base}/acts/{act_ids[1]}/remove", {})
    assert last.status_code == 422 and "at least one act" in last.text
    empty = _post(client, f"{base}/edit", {"title": "  ", "date_precision": "day"})
    assert empty.status_code == 422 and 'id="edit-error"' in empty.text
    session.expire_all()
    assert session.get(Incident, incident.id).title == "Death threats, Cauca"
    assert session.scalar(select(func.count()).select_from(IncidentEdit)) == 4

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as reader:
        sign_in(reader, auditor)
        assert 'id="incident-edit-form"' not in reader.get(base).text
        assert _post(reader, f"{base}/edit", {"title": "x"}).status_code == 403
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as outsider:
        sign_in(outsider, foreign)
        assert _post(outsider, f"{base}/edit", {"title": "x"}).status_code == 404
        assert (
            _post(outsider, f"{base}/acts", {"attack_type": "online_harassment"}).status_code == 404
        )


def test_a_failed_inclusion_check_returns_the_form_as_typed(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    report = _report(session, vault, org)
    session.commit()
    sign_in(client, analyst)
    url = f"/staff/reports/{report.id}/convert"
    typed = {
        "is_defender": "yes",
        "has_source": "yes",
        "reasons": "Community leader, threatened after the hearing.",
        "title": "Threat after the hearing",
        "role": "instigator",
        "reliability": "high",
        "decision": "include",
    }
    response = _post(client, url, typed)
    assert response.status_code == 422
    form = response.text.split('id="convert-form"')[1].split("</form>")[0]
    assert 'value="Threat after the hearing"' in form
    assert "Community leader, threatened after the hearing.</textarea>" in form
    assert '<option value="instigator" selected>' in form
    assert '<option value="high" selected>' in form
    assert 'name="is_defender" value="yes" checked' in form
    business = form.split('id="criterion-business_link"')[1].split("</label>")[0]
    assert "not ticked" in business and "checked" not in business
    assert "not ticked" not in form.split('id="criterion-is_defender"')[1].split("</label>")[0]
    session.expire_all()
    assert session.get(Report, report.id).status == "received"  # nothing recorded
    assert session.scalar(select(func.count()).select_from(InclusionCheck)) == 0

    # Rejecting needs the reason; including needs a title: each marked where it is missing.
    no_reason = _post(client, url, {"is_defender": "yes", "decision": "reject"})
    assert no_reason.status_code == 422 and 'id="reasons-error"' in no_reason.text
    old_form = _post(client, url, {"is_defender": "yes"})  # no decision: rejection, no reason
    assert old_form.status_code == 422 and 'id="reasons-error"' in old_form.text
    all_ticked = {"is_defender": "yes", "business_link": "yes", "has_source": "yes"}
    no_title = _post(client, url, {**all_ticked, "decision": "include"})
    assert no_title.status_code == 422 and 'id="title-error"' in no_title.text
    assert (
        _post(client, url, {**all_ticked, "title": "T", "decision": "include"}).status_code == 303
    )


def test_converting_an_urgent_report_assigns_the_analyst(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    urgent = _case(session, vault, org, analyst, imminent=True)
    ordinary = _case(session, vault, org, analyst)
    session.commit()
    assert urgent.assignee_id == analyst.user.id and ordinary.assignee_id is None
    sign_in(client, analyst)
    page = client.get(f"/staff/incidents/{urgent.id}/case").text
    assert f'id="case-assignee">{analyst.user.display_name}<' in page
    assert 'id="case-assignee">Nobody<' in client.get(f"/staff/incidents/{ordinary.id}/case").text


def test_first_action_is_the_first_staff_action_and_fills_the_dashboard(session, vault, client):
    from vigil.companies.service import CompanyIn, upsert_company

    org = make_org(session)
    coordinator = make_staff(session, org, role="coordinator")
    incident = _case(session, vault, org, coordinator)
    assert incident.first_action_at is None  # opening the case is not acting on it
    company, _created = upsert_company(
        session, data=CompanyIn(key="t:fa", name="Minera Ejemplo", jurisdiction="CO")
    )
    link_company(
        session,
        org_id=org.id,
        incident_id=incident.id,
        company_id=company.id,
        actor_user_id=coordinator.user.id,
    )
    assert incident.first_action_at is None  # bookkeeping, not help
    incident.created_at = utcnow() - timedelta(hours=3)
    add_note(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        body="Called the defender.",
        actor_user_id=coordinator.user.id,
    )
    first = incident.first_action_at
    assert first is not None
    _assess(session, vault, org, coordinator, incident, "extreme")
    assert incident.first_action_at == first  # only the first one counts
    session.commit()
    sign_in(client, coordinator)
    row = client.get("/staff/dashboard").text
    row = row.split("Time to first action on a case")[1].split("</tr>")[0]
    assert '<td class="num">1</td><td class="num">3.0</td>' in row
