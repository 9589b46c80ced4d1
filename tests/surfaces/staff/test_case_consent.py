"""The consent form of the case page through HTTP (roles, tenancy), and its partial."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import csrf_from, make_incident, make_org, make_staff, sign_in
from vigil.core.audit import AuditEvent
from vigil.core.errors import NotFound
from vigil.defenders.consent import consent_history, current_strategy, has_consent, record_consent
from vigil.surfaces.staff.case_consent import consent_context
from vigil.web.templating import templates


def _post(client, incident_id: int, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/staff/reports").text)
    return client.post(
        f"/staff/incidents/{incident_id}/consent", data={"csrf_token": token, **data}
    )


def _entry(defender_id: int, scope: str, decision: str, method: str = "in_person") -> dict:
    return {
        "defender": str(defender_id),
        "scope": scope,
        "decision": decision,
        "method": method,
        "given_by": "defender",
    }


def test_analyst_records_and_withdraws_consent_from_the_case(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault)
    defender_id = incident.acts[0].victim_id
    session.commit()
    sign_in(client, analyst)

    done = _post(client, incident.id, _entry(defender_id, "publish_alias", "grant"))
    assert done.status_code == 303
    assert done.headers["location"] == f"/staff/incidents/{incident.id}/case?done=consent"
    assert has_consent(session, defender_id=defender_id, scope="publish_alias")
    _post(client, incident.id, _entry(defender_id, "publish_alias", "withdraw", "phone"))
    assert not has_consent(session, defender_id=defender_id, scope="publish_alias")
    _post(client, incident.id, _entry(defender_id, "strategy", "public", "secure_message"))
    assert current_strategy(session, defender_id=defender_id) == "public"

    history = consent_history(session, org_id=org.id, defender_id=defender_id)
    assert [(e.scope, e.decision, e.recorded_by_id) for e in history] == [
        ("strategy", "public", analyst.user.id),
        ("publish_alias", "withdraw", analyst.user.id),
        ("publish_alias", "grant", analyst.user.id),
    ]
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "consent.recorded")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).one()
    assert json.loads(event.detail) == {
        "scope": "strategy",
        "strategy": "public",
        "method": "secure_message",
        "given_by": "defender",
        "incident": incident.id,
    }
    bad = _post(client, incident.id, _entry(defender_id, "publish_everything", "grant"))
    assert bad.status_code == 422
    missing = _post(client, incident.id, {"defender": str(defender_id), "scope": "store"})
    assert missing.status_code == 422


def test_roles_and_tenancy_of_the_consent_form(session, vault, client, app):
    org, theirs = make_org(session), make_org(session)
    analyst = make_staff(session, org)
    auditor = make_staff(session, org, role="auditor")
    foreign = make_staff(session, theirs)
    incident = make_incident(session, org, vault=vault)
    other_case = make_incident(session, org, vault=vault)
    their_case = make_incident(session, theirs, vault=vault)
    defender_id = incident.acts[0].victim_id
    session.commit()

    sign_in(client, analyst)
    # A defender of another incident, even of the same organisation, is not in this one.
    for stranger in (other_case.acts[0].victim_id, their_case.acts[0].victim_id):
        refused = _post(client, incident.id, _entry(stranger, "publish_name", "grant"))
        assert refused.status_code == 404
    assert _post(client, incident.id, _entry(0, "store", "grant")).status_code == 404
    bogus = {**_entry(defender_id, "store", "grant"), "defender": "x1"}
    assert _post(client, incident.id, bogus).status_code == 404
    assert _post(client, their_case.id, _entry(defender_id, "store", "grant")).status_code == 404

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as reader:
        sign_in(reader, auditor)
        refused = _post(reader, incident.id, _entry(defender_id, "publish_name", "grant"))
        assert refused.status_code == 403
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as outsider:
        sign_in(outsider, foreign)
        refused = _post(outsider, incident.id, _entry(defender_id, "publish_name", "grant"))
        assert refused.status_code == 404
    for victim in (defender_id, other_case.acts[0].victim_id, their_case.acts[0].victim_id):
        assert not has_consent(session, defender_id=victim, scope="publish_name")
    assert consent_history(session, org_id=org.id, defender_id=defender_id) == []


def _render(context: dict, incident, role: str = "analyst") -> str:  # type: ignore[no-untyped-def]
    staff = SimpleNamespace(can_write=role in ("analyst", "coordinator"), user_id=1)
    return templates.env.get_template("staff/casework/_consent.html").render(
        **context,
        incident=incident,
        staff=staff,
        request=None,
        csrf_token=lambda _request: "token",
    )


def test_the_partial_lists_the_history_with_aliases_only(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault)
    defender_id = incident.acts[0].victim_id

    empty = _render(
        consent_context(session, vault=vault, org_id=org.id, incident=incident), incident
    )
    assert "No entry yet" in empty and 'id="consent-form"' in empty
    # Nothing recorded: no strategy, and the page says no alert may go out on that basis.
    assert "Not recorded · <strong>No alert may be sent on this basis" in empty

    for scope, decision in [("publish_alias", "grant"), ("strategy", "record_only")]:
        record_consent(
            session,
            given_by="defender",
            org_id=org.id,
            defender_id=defender_id,
            scope=scope,
            decision=decision,
            method="in_person",
            actor_user_id=analyst.user.id,
        )
    context = consent_context(session, vault=vault, org_id=org.id, incident=incident)
    assert [d["defender"].id for d in context["consent_defenders"]] == [defender_id]
    html = _render(context, incident)
    assert "Defender A" in html and "Hidden Name" not in html
    assert f'id="consent-{defender_id}-strategy">Record only<' in html
    assert f'id="consent-{defender_id}-publish_alias">Allowed<' in html
    assert f'id="consent-{defender_id}-publish_name">Not allowed<' in html
    history = html.split(f'id="consent-history-{defender_id}"')[1].split("</ol>")[0]
    assert history.index("Strategy: Record only") < history.index("Publish the alias: Granted")
    assert "In person" in history and "analyst" in history
    assert "Strategy: Record only</strong> · The defender · In person" in history
    # Who decided is never preselected: the analyst must say it.
    assert html.count('name="given_by" required><option value="" selected disabled>') == 2
    record_consent(
        session,
        org_id=org.id,
        defender_id=defender_id,
        scope="strategy",
        decision="quiet",
        method="phone",
        given_by="representative",
        relation="Mother",
        actor_user_id=analyst.user.id,
    )
    html = _render(
        consent_context(session, vault=vault, org_id=org.id, incident=incident), incident
    )
    assert "Strategy: Quiet diplomacy</strong> · A representative (Mother) · By phone" in html
    assert f'id="consent-{defender_id}-strategy">Quiet diplomacy<' in html
    assert f'action="/staff/incidents/{incident.id}/consent"' in html

    read_only = _render(context, incident, role="auditor")
    assert "Publish the alias: Granted" in read_only and "<form" not in read_only

    with pytest.raises(NotFound):
        consent_context(session, vault=vault, org_id=make_org(session).id, incident=incident)
