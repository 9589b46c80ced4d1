"""Crypto-shredding a defender: unreadable everywhere, audited, idempotent."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_incident, make_org, make_staff, sign_in
from vigil.core.audit import AuditEvent
from vigil.defenders.models import Defender
from vigil.defenders.service import forget_defender, reveal_name


def test_forgotten_defender_is_withheld_and_audited(session, vault, client):
    org = make_org(session)
    incident = make_incident(session, org, vault=vault)
    victim = incident.acts[0].victim
    assert reveal_name(vault, victim) == "Hidden Name"

    forget_defender(session, vault=vault, defender_id=victim.id)
    forget_defender(session, vault=vault, defender_id=victim.id)  # twice: no error
    session.commit()

    stored = session.get(Defender, victim.id)
    assert stored.name_sealed is None and stored.name_index is None
    assert reveal_name(vault, stored) == "withheld"
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "defender.forgotten")
    ).all()
    assert [e.object_id for e in events] == [str(victim.id)]

    analyst = make_staff(session, org)
    session.commit()
    sign_in(client, analyst)
    page = client.get(f"/staff/incidents/{incident.id}")
    assert page.status_code == 200
    assert "Hidden Name" not in page.text
