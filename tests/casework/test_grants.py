"""Emergency grants: request → approve (four eyes above the threshold) → disburse → report, on
both databases, each rule at its edge."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.casework.test_support import _case, _measure
from tests.factories import make_org, make_staff
from vigil.access import Actor
from vigil.casework.grants import (
    decide_grant,
    disburse_grant,
    parse_thresholds,
    report_grant,
    set_grant_thresholds,
    thresholds_as_lines,
)
from vigil.casework.money import to_minor
from vigil.casework.support import change_measure_status, support_context
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict, Forbidden, Invalid

TODAY = date.today()


def _actor(account, org) -> Actor:  # type: ignore[no-untyped-def]
    """make_staff's display name is its role."""
    return Actor(user_id=account.user.id, org_id=org.id, role=account.user.display_name)


def _setup(session, vault, threshold: str = "USD: 500"):  # type: ignore[no-untyped-def]
    org = make_org(session)
    requester = make_staff(session, org, role="coordinator")
    other = make_staff(session, org, role="coordinator")
    set_grant_thresholds(
        session,
        org_id=org.id,
        thresholds=parse_thresholds(threshold),
        actor_user_id=requester.user.id,
    )
    incident = _case(session, vault, org, requester)
    return org, requester, other, incident


def _grant(session, vault, org, incident, requester, amount="500.00", currency="USD"):  # type: ignore[no-untyped-def]
    return _measure(
        session,
        vault,
        org,
        incident,
        requester,
        kind="emergency_grant",
        amount=amount,
        currency=currency,
        notes="Rent for a month away from home.",
    )


def _decide(session, org, incident, grant, account, approve=True, on=None):  # type: ignore[no-untyped-def]
    return decide_grant(
        session,
        org_id=org.id,
        incident_id=incident.id,
        measure_id=grant.id,
        approve=approve,
        actor=_actor(account, org),
        on=on,
    )


def _actions(session, org) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.organisation_id == org.id, AuditEvent.action.like("grant.%"))
            .order_by(AuditEvent.id)
        )
    )


@pytest.mark.parametrize(
    ("amount", "requester_may_approve"),
    [("499.99", True), ("500.00", True), ("500.01", False)],
)
def test_requester_may_approve_only_up_to_the_threshold(
    session, vault, amount, requester_may_approve
):
    """The threshold is USD 500.00: one cent below or exactly at it the requester approves;
    one cent above it, only another coordinator can."""
    org, requester, other, incident = _setup(session, vault)
    grant = _grant(session, vault, org, incident, requester, amount=amount)
    if requester_may_approve:
        _decide(session, org, incident, grant, requester)
        assert grant.status == "approved" and grant.approved_by_id == requester.user.id
    else:
        with pytest.raises(Forbidden, match="another coordinator"):
            _decide(session, org, incident, grant, requester)
        assert grant.status == "requested"
        _decide(session, org, incident, grant, other)
        assert grant.status == "approved" and grant.approved_by_id == other.user.id


def test_currency_without_threshold_always_needs_a_second_coordinator(session, vault):
    org, requester, other, incident = _setup(session, vault)
    grant = _grant(session, vault, org, incident, requester, amount="1", currency="EUR")
    with pytest.raises(Forbidden):
        _decide(session, org, incident, grant, requester)
    context = support_context(session, vault=vault, org_id=org.id, incident=incident)
    assert context["measures"][0]["second_approver"] is True
    # Refusing sends no money: the requester may refuse their own grant.
    _decide(session, org, incident, grant, requester, approve=False)
    assert grant.status == "refused" and grant.approved_by_id is None
    with pytest.raises(Conflict, match="already decided"):
        _decide(session, org, incident, grant, other)


def test_only_coordinators_decide(session, vault):
    org, requester, _other, incident = _setup(session, vault)
    analyst = make_staff(session, org)
    grant = _grant(session, vault, org, incident, requester, amount="10")
    with pytest.raises(Forbidden, match="coordinator"):
        _decide(session, org, incident, grant, analyst)
    assert grant.status == "requested"


def test_grant_goes_request_approve_disburse_report_with_audit(session, vault):
    org, requester, other, incident = _setup(session, vault)
    grant = _grant(session, vault, org, incident, requester, amount="1200")
    common = {"org_id": org.id, "incident_id": incident.id, "measure_id": grant.id}
    with pytest.raises(Conflict, match="approved before it is disbursed"):
        disburse_grant(session, method="bank_transfer", actor_user_id=other.user.id, **common)
    with pytest.raises(Conflict, match="disbursed before its use is reported"):
        report_grant(session, vault=vault, report="x", actor_user_id=other.user.id, **common)
    _decide(session, org, incident, grant, other, on=TODAY - timedelta(days=1))
    with pytest.raises(Conflict, match="disbursed before its use is reported"):
        report_grant(session, vault=vault, report="x", actor_user_id=other.user.id, **common)
    with pytest.raises(Invalid):  # not a method on the list
        disburse_grant(session, method="crypto", actor_user_id=requester.user.id, **common)
    with pytest.raises(Invalid):  # before the approval
        disburse_grant(
            session,
            method="cash",
            on=TODAY - timedelta(days=2),
            actor_user_id=requester.user.id,
            **common,
        )
    disburse_grant(session, method="mobile_money", actor_user_id=requester.user.id, **common)
    assert grant.status == "disbursed" and grant.delivered_on == TODAY
    with pytest.raises(Conflict):  # disbursed twice
        disburse_grant(session, method="cash", actor_user_id=requester.user.id, **common)
    with pytest.raises(Invalid):
        report_grant(session, vault=vault, report="  ", actor_user_id=requester.user.id, **common)
    report_grant(
        session,
        vault=vault,
        report="Two months' rent in a safe town.",
        actor_user_id=requester.user.id,
        **common,
    )
    assert grant.status == "reported" and grant.reported_on == TODAY
    assert b"safe town" not in (grant.report_sealed or b"")
    entry = support_context(session, vault=vault, org_id=org.id, incident=incident)["measures"][0]
    assert entry["report"] == "Two months' rent in a safe town."
    assert entry["grant_steps"] == ()
    assert _actions(session, org) == ["grant.approved", "grant.disbursed", "grant.reported"]
    details = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action.like("grant.%"))
    ).all()
    assert "safe town" not in repr(details) and "Rent" not in repr(details)


def test_a_grant_needs_amount_currency_and_purpose_and_skips_the_generic_moves(session, vault):
    org, requester, _other, incident = _setup(session, vault)
    for missing in ({"amount": ""}, {"notes": ""}, {"currency": "XYZ"}):
        values = {
            "kind": "emergency_grant",
            "amount": "100",
            "currency": "USD",
            "notes": "Medicine",
            **missing,
        }
        with pytest.raises(Invalid):
            _measure(session, vault, org, incident, requester, **values)
    grant = _grant(session, vault, org, incident, requester, amount="0.1")
    assert isinstance(grant.amount, Decimal) and to_minor(grant.amount, "USD") == 10
    with pytest.raises(Conflict, match="its own steps"):
        change_measure_status(
            session,
            org_id=org.id,
            incident_id=incident.id,
            measure_id=grant.id,
            status="approved",
            actor_user_id=requester.user.id,
        )
    legal = _measure(session, vault, org, incident, requester)
    with pytest.raises(Conflict, match="Only an emergency grant"):
        _decide(session, org, incident, legal, requester)


def test_thresholds_are_read_in_minor_units(session):
    assert parse_thresholds("usd: 500\nJPY: 20000\n\nKWD: 1.250") == {
        "USD": 50000,
        "JPY": 20000,
        "KWD": 1250,
    }
    assert thresholds_as_lines({"USD": 50000, "JPY": 20000}) == "JPY: 20000\nUSD: 500.00"
    for bad in ("XYZ: 5", "USD 5", "USD: 5.001", "JPY: 1.5", "USD: -5", "USD: 1e3"):
        with pytest.raises(Invalid):
            parse_thresholds(bad)
