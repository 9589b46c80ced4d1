"""UN special procedures and escalations through the real chain (both databases).

The special procedures get no alert e-mail but a submission pack, made only with the
defender's consent to be named and holding only what that consent allows; an escalation
tells the next tier which organisations of the silent tier were informed, and when.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.alerts.test_alert_flow import _deliveries, _draft, _launch, story  # noqa: F401
from tests.factories import consent_of_the_defender, make_incident, make_org
from vigil.alerts.jobs import advance_alerts
from vigil.alerts.models import AlertEvent, AlertRecipient
from vigil.alerts.service import draft_alert
from vigil.alerts.submission import NO_NAMING_CONSENT, NO_UN_CONSENT, submission_pack
from vigil.contacts.models import Contact
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.core.errors import Conflict
from vigil.defenders.consent import ConsentScope, record_consent
from vigil.incidents.models import Act
from vigil.playbooks.service import install_default_playbooks

TODAY = date(2026, 4, 1)


@pytest.fixture
def alert(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    install_default_playbooks(session, org_id=org.id)
    incident = make_incident(session, org, vault=vault)
    consent_of_the_defender(session, incident)
    return draft_alert(session, org_id=org.id, incident_id=incident.id, actor_user_id=None)


def _pack(session, vault, alert):  # type: ignore[no-untyped-def]
    return submission_pack(
        session,
        vault,
        org_id=alert.organisation_id,
        alert_id=alert.id,
        actor_user_id=None,
        today=TODAY,
    )


def _may_name(session, alert, decision: str = "grant", scope=ConsentScope.share_with_stakeholders):  # type: ignore[no-untyped-def]
    _grant(session, alert.organisation_id, alert.incident_id, scope, decision)


def _grant(session, org_id, incident_id, scope, decision="grant"):  # type: ignore[no-untyped-def]
    for victim_id in session.scalars(select(Act.victim_id).where(Act.incident_id == incident_id)):
        record_consent(
            session,
            org_id=org_id,
            defender_id=victim_id,
            scope=scope,
            decision=decision,
            method="in_person",
            given_by="defender",
            actor_user_id=None,
        )


def test_no_pack_without_the_consent_to_be_named(session, vault, alert):
    with pytest.raises(Conflict) as refused:
        _pack(session, vault, alert)
    assert str(refused.value) == NO_UN_CONSENT
    _may_name(session, alert, scope=ConsentScope.share_un_regional)
    with pytest.raises(Conflict, match="named case"):
        _pack(session, vault, alert)
    _may_name(session, alert)
    _may_name(session, alert, "withdraw")
    with pytest.raises(Conflict) as refused:
        _pack(session, vault, alert)
    assert str(refused.value) == NO_NAMING_CONSENT


def test_the_pack_says_what_the_consent_allows_and_nothing_more(session, vault, alert):
    _may_name(session, alert, scope=ConsentScope.share_un_regional)
    _may_name(session, alert)
    _may_name(session, alert, scope=ConsentScope.share_location)  # else the country only
    pack = _pack(session, vault, alert)
    assert pack.filename == f"VIGIL-{alert.incident_id}-special-procedures.md"
    text = pack.text
    assert "Hidden Name" in text  # the name they need, with consent
    assert "Special Rapporteur on the situation of human rights defenders" in text
    assert "Death threat" in text and "Cauca" in text and "Colombia" in text
    assert "quiet diplomacy" in text and "## 2. Consent" in text
    # Not the case summary, nor the alias, nor a way to reach the person.
    assert "What happened." not in text and "Defender A" not in text
    audited = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "alert.submission_pack")
    ).all()
    assert len(audited) == 1 and "Hidden Name" not in json.dumps(audited[0].detail)


def test_special_procedures_get_no_email_but_the_timeline_points_to_the_pack(
    session,
    vault,
    settings,
    story,  # noqa: F811
):
    org, incident, _playbook = story
    _grant(session, org.id, incident.id, ConsentScope.share_un_regional)
    alert = _draft(session, story)
    start = utcnow()
    _launch(session, vault, settings, alert, now=start)
    advance_alerts(session, vault, settings, now=start + timedelta(hours=9))
    advance_alerts(session, vault, settings, now=start + timedelta(hours=25))
    advance_alerts(session, vault, settings, now=start + timedelta(hours=74))
    tier_three = _deliveries(session, alert, tier=3)
    addresses = [d.address for d in tier_three] if tier_three else []
    assert tier_three and not any("un-demo" in (a or "") for a in addresses)
    skipped = session.scalars(
        select(AlertEvent.detail).where(AlertEvent.alert_id == alert.id, AlertEvent.tier == 3)
    ).all()
    assert any("submission pack" in detail for detail in skipped)


def test_an_escalation_names_the_silent_tier_and_the_day_it_was_informed(
    session,
    vault,
    settings,
    story,  # noqa: F811
):
    org, incident, _playbook = story
    _grant(session, org.id, incident.id, ConsentScope.share_un_regional)
    alert = _draft(session, story)
    start = utcnow()
    _launch(session, vault, settings, alert, now=start)
    advance_alerts(session, vault, settings, now=start + timedelta(hours=9))
    advance_alerts(session, vault, settings, now=start + timedelta(hours=25))
    escalated = _deliveries(session, alert, purpose="escalation")
    assert escalated
    english = [d for d in escalated if d.language == "en"] or escalated
    content = json.loads(vault.open(english[0].data_key_id, english[0].content_sealed))
    silent = session.execute(
        select(Contact.organisation_name, Contact.name)
        .join(AlertRecipient, AlertRecipient.contact_id == Contact.id)
        .where(
            AlertRecipient.alert_id == alert.id,
            AlertRecipient.tier == 1,
            AlertRecipient.included.is_(True),
        )
    ).all()
    assert silent
    text = content["text"]
    for organisation, person in silent:
        assert organisation in text, organisation
        assert person not in text  # organisations, never the people written to
    assert str(start.day) in text
