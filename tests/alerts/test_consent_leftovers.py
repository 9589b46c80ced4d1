"""Issue 18 consent leftovers (both databases), each rule at its edge:

- without every victim's ``share_location`` grant, messages, previews, answers and the UN
  submission pack say the country only, never the region; with it, the region;
- without ``use_as_evidence``, the submission pack offers no testimony or documents;
- a case without a linked victim gets no alert, unless an emergency exception holds;
- an emergency exception holds until its expiry (T-1 s yes, T no), can be renewed and
  withdrawn (audited); after that an alert is refused, a later tier is skipped and queued
  deliveries are cancelled; while it holds it stands in for per-recipient scopes the defender
  never decided on, never for the media nor against a withdrawal.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import (
    consent_of_the_defender,
    csrf_from,
    make_incident,
    make_org,
    make_staff,
    sign_in,
)
from vigil.alerts.answers import REGION, answer_warnings
from vigil.alerts.facts import (
    NO_VICTIM,
    _scope_allowed,
    alert_refusal,
    consent_check,
    facts_for,
    recipient_consented,
)
from vigil.alerts.jobs import hold_unconsented_deliveries
from vigil.alerts.message import preview
from vigil.alerts.service import add_recipient, draft_alert, launch_alert
from vigil.alerts.submission import submission_pack
from vigil.casework.emergency import (
    confirm_exception,
    has_confirmed_exception,
    renew_exception,
    request_exception,
    withdraw_exception,
)
from vigil.contacts.models import Contact
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.core.errors import Conflict
from vigil.defenders.consent import ConsentScope, record_consent
from vigil.incidents.models import Act
from vigil.outbox.models import Delivery
from vigil.playbooks.service import install_default_playbooks

COMPANY = {"kind": "company", "role": "security_lead"}
STATE = {"kind": "protection", "role": "protection_programme"}


def _case(session, vault, *, consent: bool = True):  # type: ignore[no-untyped-def]
    org = make_org(session)
    install_default_playbooks(session, org_id=org.id)
    incident = make_incident(session, org, vault=vault)
    if consent:
        consent_of_the_defender(session, incident)
    return org, incident


def _grant(session, incident, scope: str, decision: str = "grant"):  # type: ignore[no-untyped-def]
    for victim_id in session.scalars(select(Act.victim_id).where(Act.incident_id == incident.id)):
        record_consent(
            session,
            org_id=incident.organisation_id,
            defender_id=victim_id,
            scope=scope,
            decision=decision,
            method="in_person",
            given_by="defender",
            actor_user_id=None,
        )


def _draft(session, incident):  # type: ignore[no-untyped-def]
    return draft_alert(
        session, org_id=incident.organisation_id, incident_id=incident.id, actor_user_id=None
    )


def _exception(session, vault, org, incident):  # type: ignore[no-untyped-def]
    asker, colleague = make_staff(session, org), make_staff(session, org)
    exception = request_exception(
        session, vault, org_id=org.id, incident_id=incident.id,
        reason="Detained since Monday; family fears for his life.", actor_user_id=asker.user.id,
    )  # fmt: skip
    confirm_exception(
        session, org_id=org.id, incident_id=incident.id, exception_id=exception.id,
        actor_user_id=colleague.user.id, hours=72,
    )  # fmt: skip
    return exception, colleague


def _recipient(session, org, alert, **who):  # type: ignore[no-untyped-def]
    contact = Contact(organisation_id=org.id, name="Desk", email="desk@example.org")
    contact.kind, contact.role = who["kind"], who["role"]
    session.add(contact)
    session.flush()
    add_recipient(
        session, org_id=org.id, alert_id=alert.id, contact_id=contact.id, tier=1,
        actor_user_id=None,
    )  # fmt: skip
    return contact


def _launch(session, vault, settings, alert):  # type: ignore[no-untyped-def]
    return launch_alert(
        session, vault, settings, org_id=alert.organisation_id, alert_id=alert.id,
        actor_user_id=None, now=utcnow(),
    )  # fmt: skip


# --- location -----------------------------------------------------------------------------


def test_without_the_location_consent_messages_say_the_country_only(session, vault):
    org, incident = _case(session, vault)
    alert = _draft(session, incident)
    assert facts_for(session, vault, alert).region is None
    texts = [m.text for m in preview(session, vault, org_id=org.id, alert_id=alert.id)]
    assert texts and not any("Cauca" in t for t in texts)
    assert any("Colombia" in t for t in texts)
    assert REGION in answer_warnings(session, vault, alert=alert, text="Seen in Cauca.")

    _grant(session, incident, ConsentScope.share_location)
    assert facts_for(session, vault, alert).region == "CO-CAU"
    texts = [m.text for m in preview(session, vault, org_id=org.id, alert_id=alert.id)]
    assert any("Cauca" in t for t in texts)
    assert REGION not in answer_warnings(session, vault, alert=alert, text="Seen in Cauca.")

    _grant(session, incident, ConsentScope.share_location, "withdraw")
    assert facts_for(session, vault, alert).region is None


def _pack_text(session, vault, incident):  # type: ignore[no-untyped-def]
    alert = _draft(session, incident)
    return submission_pack(
        session, vault, org_id=incident.organisation_id, alert_id=alert.id,
        actor_user_id=None, today=utcnow().date(),
    ).text  # fmt: skip


def test_the_submission_pack_follows_the_location_and_evidence_scopes(session, vault):
    _org, incident = _case(session, vault)
    _grant(session, incident, ConsentScope.share_un_regional)
    _grant(session, incident, ConsentScope.share_with_stakeholders)
    text = _pack_text(session, vault, incident)
    assert "- Place: Colombia\n" in text and "Cauca" not in text
    assert "Supporting material" not in text and "documents can be provided" not in text

    _grant(session, incident, ConsentScope.share_location)
    _grant(session, incident, ConsentScope.use_as_evidence)
    text = _pack_text(session, vault, incident)
    assert "Cauca, Colombia" in text
    assert "## Supporting material" in text


# --- no victim ----------------------------------------------------------------------------


def test_a_case_without_a_victim_gets_no_alert_without_an_exception(session, vault):
    org, incident = _case(session, vault, consent=False)
    for act in incident.acts:
        act.victim_id = None
    session.flush()
    with pytest.raises(Conflict) as refused:
        _draft(session, incident)
    assert str(refused.value) == NO_VICTIM
    assert "link the defender to the case and record their consent first" in NO_VICTIM
    _exception(session, vault, org, incident)
    assert _draft(session, incident).strategy == "quiet"


# --- the emergency exception --------------------------------------------------------------


def test_the_exception_holds_until_its_expiry_and_no_longer(session, vault):
    org, incident = _case(session, vault, consent=False)
    exception, _colleague = _exception(session, vault, org, incident)
    assert exception.expires_at - exception.confirmed_at == timedelta(hours=72)
    end = exception.expires_at
    second = timedelta(seconds=1)
    assert has_confirmed_exception(session, incident_id=incident.id, at=end - second)
    assert alert_refusal(session, incident_id=incident.id, at=end - second) is None
    assert not has_confirmed_exception(session, incident_id=incident.id, at=end)
    assert "expired or been withdrawn" in (
        alert_refusal(session, incident_id=incident.id, at=end) or ""
    )
    # The company recipient of a later tier is skipped from the expiry on.
    assert recipient_consented(
        session, incident_id=incident.id, **COMPANY, at=end - second
    )  # fmt: skip
    assert not recipient_consented(session, incident_id=incident.id, **COMPANY, at=end)


def test_an_expired_exception_refuses_the_launch_and_renewal_extends_it(session, vault, settings):
    org, incident = _case(session, vault, consent=False)
    exception, colleague = _exception(session, vault, org, incident)
    alert = _draft(session, incident)
    _recipient(session, org, alert, **COMPANY)
    renewed = renew_exception(
        session, org_id=org.id, incident_id=incident.id, exception_id=exception.id,
        actor_user_id=colleague.user.id, hours=5,
    )  # fmt: skip
    assert timedelta(hours=4) < renewed.expires_at - utcnow() <= timedelta(hours=5)
    exception.expires_at = utcnow() - timedelta(seconds=1)
    session.flush()
    with pytest.raises(Conflict, match="expired or been withdrawn"):
        _launch(session, vault, settings, alert)
    with pytest.raises(Conflict, match="no longer holds"):
        renew_exception(
            session, org_id=org.id, incident_id=incident.id, exception_id=exception.id,
            actor_user_id=colleague.user.id,
        )  # fmt: skip


def test_a_withdrawn_exception_cancels_what_is_queued_and_is_audited(session, vault, settings):
    org, incident = _case(session, vault, consent=False)
    exception, colleague = _exception(session, vault, org, incident)
    alert = _draft(session, incident)
    _recipient(session, org, alert, **COMPANY)
    _launch(session, vault, settings, alert)
    queued = session.scalars(select(Delivery).where(Delivery.alert_id == alert.id)).all()
    assert queued and all(d.state == "queued" for d in queued)
    assert hold_unconsented_deliveries(session, now=utcnow()) == 0  # still holds

    withdraw_exception(
        session, org_id=org.id, incident_id=incident.id, exception_id=exception.id,
        actor_user_id=colleague.user.id,
    )  # fmt: skip
    assert hold_unconsented_deliveries(session, now=utcnow()) == len(queued)
    for delivery in queued:
        session.refresh(delivery)
    assert all(d.state == "cancelled" for d in queued)
    with pytest.raises(Conflict, match="expired or been withdrawn"):
        consent_check(session, incident_id=incident.id, share_level="alias")
    with pytest.raises(Conflict, match="already withdrawn"):
        withdraw_exception(
            session, org_id=org.id, incident_id=incident.id, exception_id=exception.id,
            actor_user_id=colleague.user.id,
        )  # fmt: skip
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.startswith("consent.emergency"))
    ).all()
    assert "consent.emergency_withdrawn" in actions


def test_the_exception_covers_recipient_scopes_but_never_the_media_nor_a_refusal(session, vault):
    org, incident = _case(session, vault, consent=False)
    now = utcnow()
    assert not recipient_consented(session, incident_id=incident.id, **STATE, at=now)
    _exception(session, vault, org, incident)
    assert recipient_consented(session, incident_id=incident.id, **STATE, at=now)
    # No contact kind maps to the media yet (recipient_types): the scope rule itself.
    victim = incident.acts[0].victim
    assert not _scope_allowed(session, victim, ConsentScope.share_media, now, incident.id)
    assert _scope_allowed(session, victim, ConsentScope.share_funders, now, incident.id)
    _grant(session, incident, ConsentScope.share_state_mechanism, "withdraw")
    assert not recipient_consented(session, incident_id=incident.id, **STATE, at=utcnow())


def test_the_case_page_renews_and_withdraws_the_exception(session, vault, client):
    org, incident = _case(session, vault, consent=False)
    exception, colleague = _exception(session, vault, org, incident)
    session.commit()
    sign_in(client, colleague)
    page = client.get(f"/staff/incidents/{incident.id}/case").text
    assert "Holds until" in page and f"emergency/{exception.id}/withdraw" in page
    token = csrf_from(page)
    base = f"/staff/incidents/{incident.id}/emergency/{exception.id}"
    assert client.post(f"{base}/renew", data={"csrf_token": token}).status_code == 303
    assert client.post(f"{base}/withdraw", data={"csrf_token": token}).status_code == 303
    session.expire_all()
    assert not has_confirmed_exception(session, incident_id=incident.id)
    page = client.get(f"/staff/incidents/{incident.id}/case").text
    assert "withdrawn by" in page and f"emergency/{exception.id}/renew" not in page
