"""Withdrawing one recipient type's consent scope after launch (issue 18, both databases):
the queued deliveries to that type are cancelled with the reason (on the alert page) and
audited; the other recipients' deliveries and the alert itself go on. And the draft page
previews each recipient type's own message."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.alerts.test_consent_leftovers import (
    COMPANY,
    STATE,
    _case,
    _draft,
    _grant,
    _launch,
    _recipient,
)
from tests.factories import csrf_from, make_staff, sign_in
from vigil.alerts.jobs import hold_unconsented_deliveries
from vigil.alerts.models import AlertStatus
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.defenders.consent import ConsentScope
from vigil.incidents.models import Act
from vigil.outbox.models import Delivery


def _launched(session, vault, settings):  # type: ignore[no-untyped-def]
    org, incident = _case(session, vault)
    _grant(session, incident, ConsentScope.share_state_mechanism)
    alert = _draft(session, incident)
    company = _recipient(session, org, alert, **COMPANY)
    state = _recipient(session, org, alert, **STATE)
    _launch(session, vault, settings, alert)
    return org, incident, alert, company, state


def _states(session, alert, contact) -> set[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return set(
        session.scalars(
            select(Delivery.state).where(
                Delivery.alert_id == alert.id, Delivery.contact_id == contact.id
            )
        )
    )


def test_withdrawing_one_scope_cancels_only_that_types_deliveries(session, vault, settings):
    _org, incident, alert, company, state = _launched(session, vault, settings)
    assert _states(session, alert, state) == {"queued"}
    assert hold_unconsented_deliveries(session, now=utcnow()) == 0  # the grant still holds

    _grant(session, incident, ConsentScope.share_state_mechanism, decision="withdraw")
    cancelled = hold_unconsented_deliveries(session, now=utcnow())

    assert cancelled >= 1
    assert _states(session, alert, state) == {"cancelled"}
    assert _states(session, alert, company) == {"queued"}  # the others go on
    assert session.get(type(alert), alert.id).status == AlertStatus.active
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "alert.recipients_withheld",
            AuditEvent.object_id == str(alert.id),
        )
    )
    assert json.loads(event.detail) == {
        "types": ["state_mechanism"],
        "cancelled_deliveries": cancelled,
    }


def test_the_consent_form_cancels_at_once_and_the_alert_page_says_why(
    session, vault, settings, client
):  # type: ignore[no-untyped-def]
    org, incident, alert, company, state = _launched(session, vault, settings)
    sign_in(client, make_staff(session, org, "analyst"))
    victim = session.scalar(select(Act.victim_id).where(Act.incident_id == incident.id))
    token = csrf_from(client.get("/staff/reports").text)
    answer = client.post(
        f"/staff/incidents/{incident.id}/consent",
        data={
            "csrf_token": token,
            "defender": str(victim),
            "scope": ConsentScope.share_state_mechanism,
            "decision": "withdraw",
            "method": "in_person",
            "given_by": "defender",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    # No worker ran: the withdrawal itself cancelled the state mechanism's deliveries.
    assert _states(session, alert, state) == {"cancelled"}
    assert _states(session, alert, company) == {"queued"}
    page = client.get(f"/staff/alerts/{alert.id}")
    assert "the defender withdrew consent for this kind of recipient" in page.text


def test_the_draft_preview_shows_each_recipient_types_own_message(session, vault, client):  # type: ignore[no-untyped-def]
    """Issue 18 point 5 on the draft page: the analyst reads what each type will get."""
    org, incident = _case(session, vault)
    _grant(session, incident, ConsentScope.share_state_mechanism)
    alert = _draft(session, incident)
    _recipient(session, org, alert, **COMPANY)
    _recipient(session, org, alert, kind="embassy", role="embassy_officer")
    sign_in(client, make_staff(session, org, "analyst"))
    page = client.get(f"/staff/alerts/{alert.id}").text
    assert 'id="preview-type-general"' in page and 'id="preview-en"' in page
    assert 'id="preview-type-company"' in page and 'id="preview-company-en"' in page
    assert 'id="preview-type-embassy"' in page and 'id="preview-embassy-en"' in page
    assert "Message to embassies" in page

    def article(ident: str) -> str:
        start = page.index(f'id="{ident}"')
        return page[start : page.index("</article>", start)]

    # The bodies differ: each type gets the playbook's own text for it.
    assert article("preview-company-en") != article("preview-en")
    assert article("preview-embassy-en") != article("preview-company-en")
