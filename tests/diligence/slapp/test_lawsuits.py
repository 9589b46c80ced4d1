"""Recording lawsuits: the form's rules (currency, amount, country and region, dates), the
organisation's walls (another organisation's lawsuit, defender or incident is out of reach),
the roles (auditors read, analysts record, coordinators publish) and the audit trail."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.diligence.slapp.support import BASE, actor, make_defender, make_lawsuit
from tests.factories import make_incident, make_org
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.diligence.slapp import service
from vigil.diligence.slapp.lawsuit_input import check_currency

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize("code", ["EUR", "usd", " COP ", "PEN", "GBP"])
def test_iso_4217_currencies_are_accepted(code: str) -> None:
    assert check_currency(code) == code.strip().upper()


@pytest.mark.parametrize("code", ["", "EU", "EURO", "ZZZ", "E1R", "$"])
def test_anything_else_is_not_a_currency(code: str) -> None:
    with pytest.raises(Invalid, match="ISO 4217"):
        check_currency(code)


def test_amount_and_currency_are_stored_exactly(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org, claim_amount="250,000.5", currency="eur")
    assert (row.claim_amount, row.currency) == (Decimal("250000.50"), "EUR")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"currency": "XYZ", "claim_amount": "10"}, "ISO 4217"),
        ({"claim_amount": "10"}, "currency of the claim"),
        ({"claim_amount": "-1", "currency": "EUR"}, "must be a number"),
        ({"claim_amount": "ten", "currency": "EUR"}, "must be a number"),
        ({"country": "XX"}, "country"),
        ({"region": "PE-CAJ"}, "ISO 3166-2"),
        ({"claim_type": "libel-ish"}, "claim type"),
        ({"outcome": "won"}, "outcome"),
        ({"filed_on": "2025-05-10", "decided_on": "2025-05-09"}, "before the filing"),
        ({"filed_on": "10/05/2025"}, "YYYY-MM-DD"),
        ({"claimant_name": "  "}, "Name the claimant"),
        ({"claimant_company_id": "999999"}, "registry"),
        ({"postponements": "-1"}, "postponements"),
    ],
)
def test_a_broken_rule_is_refused(session, fields, message) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    with pytest.raises(Invalid, match=message):
        service.create_lawsuit(session, actor=actor(org), data=replace(BASE, **fields))


def test_the_decision_may_be_on_the_filing_day(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org, filed_on="2025-05-10", decided_on="2025-05-10")
    assert row.decided_on == row.filed_on


def test_another_organisation_sees_nothing(session, vault) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = make_org(session), make_org(session)
    row = make_lawsuit(session, mine)
    with pytest.raises(NotFound):
        service.get_lawsuit(session, org_id=theirs.id, lawsuit_id=row.id)
    with pytest.raises(NotFound):
        service.update_lawsuit(session, actor=actor(theirs), lawsuit_id=row.id, data=BASE)
    assert service.list_lawsuits(session, org_id=theirs.id) == []
    their_defender = make_defender(session, vault, theirs)
    with pytest.raises(Invalid, match="defender of your organisation"):
        service.add_defendant(
            session,
            actor=actor(mine),
            lawsuit_id=row.id,
            defender_id=their_defender.id,
            description="a journalist",
        )
    their_incident = make_incident(session, theirs, vault=vault)
    with pytest.raises(Invalid, match="incident of your organisation"):
        service.link_incident(
            session, actor=actor(mine), lawsuit_id=row.id, incident_id=their_incident.id
        )
    their_lawsuit = make_lawsuit(session, theirs)
    with pytest.raises(NotFound):
        service.link_related(
            session, actor=actor(mine), lawsuit_id=row.id, other_id=their_lawsuit.id
        )


@pytest.mark.parametrize(
    ("role", "may_record"), [("coordinator", True), ("analyst", True), ("auditor", False)]
)
def test_who_records(session, role, may_record) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    if may_record:
        assert service.create_lawsuit(session, actor=actor(org, role), data=BASE).id
    else:
        with pytest.raises(Forbidden):
            service.create_lawsuit(session, actor=actor(org, role), data=BASE)


@pytest.mark.parametrize(
    ("role", "may"), [("coordinator", True), ("analyst", False), ("auditor", False)]
)
def test_only_coordinators_publish(session, vault, role, may) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org, defender=make_defender(session, vault, org))
    if may:
        service.set_published(
            session, actor=actor(org, role), lawsuit_id=row.id, published=True, now=NOW
        )
        assert row.published and row.published_at == NOW
    else:
        with pytest.raises(Forbidden):
            service.set_published(
                session, actor=actor(org, role), lawsuit_id=row.id, published=True, now=NOW
            )
        assert not row.published


def test_no_publication_without_a_defendant(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org)
    with pytest.raises(Conflict, match="defendant"):
        service.set_published(session, actor=actor(org), lawsuit_id=row.id, published=True, now=NOW)


def test_a_defendant_needs_a_public_description(session, vault) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org)
    defender = make_defender(session, vault, org)
    with pytest.raises(Invalid, match="without a name"):
        service.add_defendant(
            session, actor=actor(org), lawsuit_id=row.id, defender_id=defender.id, description=" "
        )
    service.add_defendant(
        session, actor=actor(org), lawsuit_id=row.id, defender_id=defender.id, description="x" * 200
    )
    with pytest.raises(Conflict):
        service.add_defendant(
            session, actor=actor(org), lawsuit_id=row.id, defender_id=defender.id, description="y"
        )


def test_related_proceedings_link_both_ways_once(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    first, second = make_lawsuit(session, org), make_lawsuit(session, org)
    service.link_related(session, actor=actor(org), lawsuit_id=second.id, other_id=first.id)
    service.link_related(session, actor=actor(org), lawsuit_id=first.id, other_id=second.id)
    assert service.related_ids(session, lawsuit_id=first.id) == {second.id}
    assert service.related_ids(session, lawsuit_id=second.id) == {first.id}
    with pytest.raises(Invalid):
        service.link_related(session, actor=actor(org), lawsuit_id=first.id, other_id=first.id)
    service.link_related(
        session, actor=actor(org), lawsuit_id=first.id, other_id=second.id, linked=False
    )
    assert service.related_ids(session, lawsuit_id=second.id) == set()


def test_changes_are_audited_without_names(session, vault) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    defender = make_defender(session, vault, org)
    row = make_lawsuit(session, org, defender=defender)
    service.update_lawsuit(
        session, actor=actor(org), lawsuit_id=row.id, data=replace(BASE, outcome="settled")
    )
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "lawsuit", AuditEvent.object_id == str(row.id)
        )
    ).all()
    actions = [e.action for e in events]
    assert actions == ["slapp.created", "slapp.defendant_added", "slapp.updated"]
    assert all("Quintero" not in e.detail and "journalist" not in e.detail for e in events)
    assert '"outcome"' in events[-1].detail
