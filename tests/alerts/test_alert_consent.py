"""No alert without the defender's own consent (both databases): the reporter's wish alone is
refused at drafting, writing and launching; each own way of consenting allows it; with
several victims the most restrictive strategy wins; an emergency exception needs a reason
and a *different* staff member's confirmation, is audited and shows on the case page."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.casework.test_casework import YES, _report
from tests.factories import (
    consent_of_the_defender,
    csrf_from,
    make_incident,
    make_org,
    make_staff,
    sign_in,
)
from vigil.alerts.facts import consent_check
from vigil.alerts.message import write_message
from vigil.alerts.models import Alert
from vigil.alerts.service import add_recipient, draft_alert, launch_alert
from vigil.casework.conversion import convert_report
from vigil.casework.emergency import (
    EmergencyException,
    confirm_exception,
    has_confirmed_exception,
    request_exception,
)
from vigil.contacts.models import Contact
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.defenders.consent import ConsentEntry, record_consent
from vigil.defenders.service import record_defender
from vigil.incidents.models import Act
from vigil.playbooks.service import install_default_playbooks

OWN_CONSENT = "own consent"
REASON = "Detained since Monday by an armed group; family fears for his life."


def _case(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    install_default_playbooks(session, org_id=org.id)
    return org, make_incident(session, org, vault=vault)


def _strategy(session, incident, defender_id, decision, **how):  # type: ignore[no-untyped-def]
    how.setdefault("method", "in_person")
    how.setdefault("given_by", "defender")
    record_consent(
        session,
        org_id=incident.organisation_id,
        defender_id=defender_id,
        scope="strategy",
        decision=decision,
        actor_user_id=None,
        **how,
    )


def _draft(session, incident):  # type: ignore[no-untyped-def]
    return draft_alert(
        session, org_id=incident.organisation_id, incident_id=incident.id, actor_user_id=None
    )


def _second_victim(session, vault, incident):  # type: ignore[no-untyped-def]
    other = record_defender(
        session, vault=vault, org_id=incident.organisation_id, alias="Defender B", name="Other"
    )
    first = incident.acts[0]
    session.add(Act(incident_id=incident.id, attack_type_id=first.attack_type_id, victim=other))
    session.flush()
    return first.victim_id, other.id


def test_an_alert_is_refused_on_the_reporters_wish_alone(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    install_default_playbooks(session, org_id=org.id)
    report = _report(session, vault, org)
    report.wish = "public"
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        inclusion=YES,
        title="Threat",
        actor_user_id=analyst.user.id,
    )
    incident.status = "verified"
    session.flush()
    with pytest.raises(Conflict, match=OWN_CONSENT):
        _draft(session, incident)
    assert session.scalar(select(func.count()).select_from(Alert)) == 0


def test_a_reporters_later_word_stops_writing_and_launching(session, vault, settings):
    org, incident = _case(session, vault)
    victim_id = incident.acts[0].victim_id
    consent_of_the_defender(session, incident)
    alert = _draft(session, incident)
    contact = Contact(organisation_id=org.id, name="Desk", role="security_lead", email="d@x.org")
    session.add(contact)
    session.flush()
    add_recipient(
        session, org_id=org.id, alert_id=alert.id, contact_id=contact.id, tier=1,
        actor_user_id=None,
    )  # fmt: skip
    _strategy(session, incident, victim_id, "public", given_by="reporter")
    with pytest.raises(Conflict, match=OWN_CONSENT):
        write_message(
            session, vault, org_id=org.id, alert_id=alert.id, note="", share_level="alias",
            actor_user_id=None,
        )  # fmt: skip
    with pytest.raises(Conflict, match=OWN_CONSENT):
        launch_alert(
            session, vault, settings, org_id=org.id, alert_id=alert.id, actor_user_id=None,
            now=utcnow(),
        )  # fmt: skip
    assert alert.status == "draft" and alert.launched_at is None


@pytest.mark.parametrize(
    ("kind", "how"),
    [
        ("person", {"given_by": "defender"}),
        ("person", {"given_by": "representative", "relation": "Wife (defender detained)"}),
        ("community", {"given_by": "community", "relation": "Cabildo, decision of 3 May"}),
    ],
)
def test_each_way_of_consenting_allows_the_alert(session, vault, kind, how):
    _org, incident = _case(session, vault)
    incident.acts[0].victim.kind = kind
    _strategy(session, incident, incident.acts[0].victim_id, "public", **how)
    assert _draft(session, incident).strategy == "public"


@pytest.mark.parametrize(
    ("first", "second", "outcome"),
    [
        ("public", "quiet", "quiet"),
        ("quiet", "public", "quiet"),
        ("public", "public", "public"),
        ("public", "record_only", "only be recorded"),
        ("public", None, OWN_CONSENT),
    ],
)
def test_the_most_restrictive_strategy_of_the_victims_wins(session, vault, first, second, outcome):
    _org, incident = _case(session, vault)
    one, two = _second_victim(session, vault, incident)
    _strategy(session, incident, one, first)
    if second:
        _strategy(session, incident, two, second)
    if outcome in ("quiet", "public"):
        assert _draft(session, incident).strategy == outcome
    else:
        with pytest.raises(Conflict, match=outcome):
            _draft(session, incident)


def test_the_emergency_exception_needs_a_reason_and_a_second_person(session, vault):
    org, incident = _case(session, vault)
    asker, colleague = make_staff(session, org), make_staff(session, org, "coordinator")
    _strategy(session, incident, incident.acts[0].victim_id, "public", given_by="reporter")

    def ask(reason: str) -> EmergencyException:
        return request_exception(
            session, vault, org_id=org.id, incident_id=incident.id, reason=reason,
            actor_user_id=asker.user.id,
        )  # fmt: skip

    def confirm(exception: EmergencyException, who) -> EmergencyException:  # type: ignore[no-untyped-def]
        return confirm_exception(
            session, org_id=org.id, incident_id=incident.id, exception_id=exception.id,
            actor_user_id=who.user.id,
        )  # fmt: skip

    with pytest.raises(Invalid):
        ask("   ")
    exception = ask(REASON)
    with pytest.raises(Conflict, match=OWN_CONSENT):
        _draft(session, incident)  # asked for, not yet confirmed
    with pytest.raises(Conflict, match="Another staff member"):
        confirm(exception, asker)
    assert not has_confirmed_exception(session, incident_id=incident.id)
    with pytest.raises(NotFound):
        confirm_exception(
            session, org_id=make_org(session).id, incident_id=incident.id,
            exception_id=exception.id, actor_user_id=colleague.user.id,
        )  # fmt: skip
    confirm(exception, colleague)
    with pytest.raises(Conflict, match="already"):
        confirm(exception, colleague)
    # Under the exception the alert goes out, but quietly, whatever the reporter wished.
    assert _draft(session, incident).strategy == "quiet"

    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.startswith("consent.emergency"))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_user_id, e.object_id) for e in events] == [
        ("consent.emergency_requested", asker.user.id, str(incident.id)),
        ("consent.emergency_confirmed", colleague.user.id, str(incident.id)),
    ]
    assert all(json.loads(e.detail) == {"exception": exception.id} for e in events)
    assert vault.open(incident.data_key_id, exception.reason_sealed) == REASON
    assert b"Detained" not in exception.reason_sealed


def test_the_exception_never_overrides_record_only_and_the_database_wants_two_people(
    session, vault
):
    org, incident = _case(session, vault)
    asker, colleague = make_staff(session, org), make_staff(session, org)
    exception = request_exception(
        session, vault, org_id=org.id, incident_id=incident.id, reason=REASON,
        actor_user_id=asker.user.id,
    )  # fmt: skip
    confirm_exception(
        session, org_id=org.id, incident_id=incident.id, exception_id=exception.id,
        actor_user_id=colleague.user.id,
    )  # fmt: skip
    _strategy(session, incident, incident.acts[0].victim_id, "record_only", given_by="reporter")
    with pytest.raises(Conflict, match="only be recorded"):
        consent_check(session, incident_id=incident.id, share_level="alias")
    # Naming still needs the defender's own grant, exception or not.
    _strategy(session, incident, incident.acts[0].victim_id, "quiet", given_by="reporter")
    assert consent_check(session, incident_id=incident.id, share_level="alias") == "quiet"
    with pytest.raises(Conflict, match="named"):
        consent_check(session, incident_id=incident.id, share_level="name")
    with pytest.raises(IntegrityError), session.begin_nested():
        exception.confirmed_by_id = asker.user.id
        session.flush()


def _post(client, incident_id: int, path: str, data: dict):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(f"/staff/incidents/{incident_id}/case").text)
    return client.post(f"/staff/incidents/{incident_id}/{path}", data={"csrf_token": token, **data})


def test_the_exception_on_the_case_page(session, vault, client, app):
    org, incident = _case(session, vault)
    analyst, coordinator = make_staff(session, org), make_staff(session, org, "coordinator")
    session.commit()
    sign_in(client, analyst)
    assert _post(client, incident.id, "emergency", {"reason": REASON}).status_code == 303
    exception = session.scalar(select(EmergencyException))
    page = client.get(f"/staff/incidents/{incident.id}/case").text
    assert REASON in page and "Awaiting a second staff member" in page
    confirm_url = f"emergency/{exception.id}/confirm"
    assert f'/{confirm_url}"' not in page  # no button for the one who asked
    assert _post(client, incident.id, confirm_url, {}).status_code == 409

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        sign_in(other, coordinator)
        assert f'/{confirm_url}"' in other.get(f"/staff/incidents/{incident.id}/case").text
        assert _post(other, incident.id, confirm_url, {}).status_code == 303
        page = other.get(f"/staff/incidents/{incident.id}/case").text
    session.expire_all()
    assert session.get(EmergencyException, exception.id).confirmed_by_id == coordinator.user.id
    assert REASON in page and "confirmed by" in page and "Awaiting" not in page


@pytest.mark.parametrize(
    ("role", "allowed"), [("coordinator", True), ("analyst", True), ("auditor", False)]
)
def test_every_role_that_may_or_may_not_record_consent_or_an_exception(
    session, vault, client, role, allowed
):
    org, incident = _case(session, vault)
    staff = make_staff(session, org, role)
    session.commit()
    sign_in(client, staff)
    entry = {
        "defender": str(incident.acts[0].victim_id),
        "scope": "strategy",
        "decision": "quiet",
        "method": "phone",
        "given_by": "representative",
        "relation": "Daughter",
    }
    expected = 303 if allowed else 403
    assert _post(client, incident.id, "consent", entry).status_code == expected
    asked = _post(client, incident.id, "emergency", {"reason": REASON})
    assert asked.status_code == expected
    session.expire_all()
    recorded = session.scalar(select(func.count()).select_from(EmergencyException))
    assert recorded == (1 if allowed else 0)
    if allowed:  # the representative's decision now allows a quiet alert
        assert consent_check(session, incident_id=incident.id, share_level="alias") == "quiet"
        missing = {**entry, "relation": ""}
        assert _post(client, incident.id, "consent", missing).status_code == 422
    else:
        assert session.scalar(select(func.count()).select_from(ConsentEntry)) == 0
        with pytest.raises(Conflict, match=OWN_CONSENT):
            consent_check(session, incident_id=incident.id, share_level="alias")
