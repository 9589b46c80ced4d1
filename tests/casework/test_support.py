"""Support measures and the provider directory, on both databases."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.casework.test_casework import YES, _report
from tests.factories import make_org, make_staff
from vigil.casework.conversion import convert_report
from vigil.casework.models import SupportMeasure
from vigil.casework.support import (
    add_measure,
    add_provider,
    change_measure_status,
    clean_money,
    format_money,
    support_context,
)
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict, Invalid, NotFound

TODAY = date.today()


def _case(session, vault, org, analyst, name="Tomasa Planted", title="Threat"):  # type: ignore[no-untyped-def]
    report = _report(session, vault, org, name=name)
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        inclusion=YES,
        title=title,
        actor_user_id=analyst.user.id,
    )
    assert incident is not None
    return incident


def _measure(session, vault, org, incident, actor, **fields):  # type: ignore[no-untyped-def]
    values = {"kind": "legal_aid", "requested_on": TODAY - timedelta(days=10), **fields}
    return add_measure(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        actor_user_id=actor.user.id,
        **values,
    )


def _move(session, org, incident, measure, status, actor, on=None):  # type: ignore[no-untyped-def]
    return change_measure_status(
        session,
        org_id=org.id,
        incident_id=incident.id,
        measure_id=measure.id,
        status=status,
        on=on,
        actor_user_id=actor.user.id,
    )


def test_measure_goes_from_requested_to_approved_to_delivered(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    lawyer = add_provider(
        session,
        org_id=org.id,
        name="Colectivo de Abogados",
        kind="legal_aid",
        country="co",
        contact="+57 1 555 0100",
        actor_user_id=analyst.user.id,
    )
    measure = _measure(
        session,
        vault,
        org,
        incident,
        analyst,
        provider_id=lawyer.id,
        amount="1500.50",
        currency="usd",
        notes="Secret lawyer strategy.",
    )
    assert measure.status == "requested" and measure.currency == "USD"
    assert lawyer.country == "CO"
    _move(session, org, incident, measure, "approved", analyst, on=TODAY - timedelta(days=5))
    _move(session, org, incident, measure, "delivered", analyst)
    session.expire_all()
    stored = session.scalar(select(SupportMeasure).where(SupportMeasure.id == measure.id))
    assert stored is not None and stored.status == "delivered"
    assert stored.amount == Decimal("1500.50")
    assert stored.decided_on == TODAY - timedelta(days=5) and stored.delivered_on == TODAY
    assert b"Secret lawyer" not in stored.notes_sealed  # type: ignore[operator]
    assert vault.open(incident.data_key_id, stored.notes_sealed) == "Secret lawyer strategy."

    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("measure.%")).order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == [
        "measure.added",
        "measure.status_changed",
        "measure.status_changed",
    ]
    assert json.loads(events[-1].detail)["to"] == "delivered"
    assert all("Secret" not in e.detail for e in events)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "provider.added"))


@pytest.mark.parametrize(
    ("path", "refused_move"),
    [
        ((), "delivered"),  # not approved yet
        (("approved",), "refused"),  # approved measures are delivered, not refused
        (("approved",), "requested"),
        (("approved", "delivered"), "refused"),
        (("refused",), "approved"),
        ((), "lost"),
    ],
)
def test_measure_moves_outside_the_lifecycle_are_refused(session, vault, path, refused_move):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    measure = _measure(session, vault, org, incident, analyst)
    for status in path:
        _move(session, org, incident, measure, status, analyst)
    with pytest.raises(Conflict):
        _move(session, org, incident, measure, refused_move, analyst)
    assert measure.status == (path[-1] if path else "requested")


def test_refusal_is_a_decision_with_its_date(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    measure = _measure(session, vault, org, incident, analyst, kind="temporary_relocation")
    _move(session, org, incident, measure, "refused", analyst, on=TODAY - timedelta(days=1))
    assert measure.status == "refused" and measure.decided_on == TODAY - timedelta(days=1)
    assert measure.delivered_on is None


def test_measure_dates_and_kinds_are_checked(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    with pytest.raises(Invalid):
        _measure(session, vault, org, incident, analyst, kind="holiday")
    with pytest.raises(Invalid):
        _measure(session, vault, org, incident, analyst, requested_on=TODAY + timedelta(days=1))
    measure = _measure(session, vault, org, incident, analyst)
    with pytest.raises(Invalid):  # before the request
        _move(session, org, incident, measure, "approved", analyst, on=TODAY - timedelta(days=11))
    with pytest.raises(Invalid):  # in the future
        _move(session, org, incident, measure, "approved", analyst, on=TODAY + timedelta(days=1))
    _move(session, org, incident, measure, "approved", analyst, on=TODAY - timedelta(days=3))
    with pytest.raises(Invalid):  # delivered before it was approved
        _move(session, org, incident, measure, "delivered", analyst, on=TODAY - timedelta(days=4))
    assert measure.status == "approved"


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1500.50", "USD", (Decimal("1500.50"), "USD")),
        (" 1500 ", "cop", (Decimal("1500"), "COP")),
        ("250000", "JPY", (Decimal("250000"), "JPY")),
        ("12.345", "KWD", (Decimal("12.345"), "KWD")),
        (Decimal("99.9"), "EUR", (Decimal("99.9"), "EUR")),
        ("", "", (None, None)),
        (None, None, (None, None)),
    ],
)
def test_valid_amounts_and_currencies(amount, currency, expected):
    assert clean_money(amount, currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("1500.5", "JPY"),  # the yen has no decimals
        ("12.345", "USD"),  # the dollar has two
        ("0", "USD"),
        ("0.00", "USD"),
        ("-5", "USD"),
        ("1,500", "USD"),  # no grouping: 1,500 is ambiguous
        ("1.500,50", "EUR"),
        ("1e5", "USD"),
        ("NaN", "USD"),
        ("Infinity", "USD"),
        ("abc", "USD"),
        ("100", "XYZ"),  # not an ISO 4217 code
        ("100", "US"),
        ("100", ""),  # an amount needs its currency
        ("", "XYZ"),
        ("100000000000", "USD"),  # beyond what is stored
    ],
)
def test_invalid_amounts_and_currencies(amount, currency):
    with pytest.raises(Invalid):
        clean_money(amount, currency)


def test_amounts_keep_their_decimals_in_the_database(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    ids = [
        _measure(session, vault, org, incident, analyst, amount=a, currency=c).id
        for a, c in (("12.345", "KWD"), ("0.01", "USD"), ("99999999999", "COP"))
    ]
    session.expire_all()
    stored = [session.get(SupportMeasure, i) for i in ids]
    assert [m.amount for m in stored] == [  # type: ignore[union-attr]
        Decimal("12.345"),
        Decimal("0.01"),
        Decimal("99999999999"),
    ]
    assert format_money(Decimal("1500.5"), "USD") == "1,500.50 USD"
    assert format_money(Decimal("250000"), "JPY") == "250,000 JPY"


def test_provider_directory_rules(session, vault):
    org, other = make_org(session), make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    add_provider(
        session, org_id=org.id, name="Clínica Vida", kind="psychosocial", actor_user_id=None
    )
    with pytest.raises(Conflict):
        add_provider(session, org_id=org.id, name="clínica  vida", kind="other", actor_user_id=None)
    for bad in (
        {"name": " ", "kind": "other"},
        {"name": "X", "kind": "spa"},
        {"name": "X", "kind": "other", "country": "ZZ"},
    ):
        with pytest.raises(Invalid):
            add_provider(session, org_id=org.id, actor_user_id=None, **bad)  # type: ignore[arg-type]
    foreign = add_provider(
        session, org_id=other.id, name="Clínica Vida", kind="other", actor_user_id=None
    )
    with pytest.raises(Invalid):  # another organisation's provider
        _measure(session, vault, org, incident, analyst, provider_id=foreign.id)


def test_everything_done_for_the_defender_spans_their_cases_in_this_organisation(session, vault):
    org, other = make_org(session), make_org(session)
    analyst, outsider = make_staff(session, org), make_staff(session, other)
    first = _case(session, vault, org, analyst, title="First threat")
    second = _case(session, vault, org, analyst, title="Second threat")
    unrelated = _case(session, vault, org, analyst, name="Someone Else", title="Unrelated")
    elsewhere = _case(session, vault, other, outsider, title="Same name, other organisation")
    grant = _measure(
        session,
        vault,
        org,
        first,
        analyst,
        kind="emergency_grant",
        amount="800",
        currency="EUR",
        notes="First case only.",
    )
    relocation = _measure(session, vault, org, second, analyst, kind="temporary_relocation")
    _measure(session, vault, org, unrelated, analyst, kind="digital_security")
    _measure(session, vault, other, elsewhere, outsider, kind="physical_security")

    context = support_context(session, vault=vault, org_id=org.id, incident=second)
    assert [e["row"].id for e in context["measures"]] == [relocation.id]
    everything = {e["row"].id: e for e in context["defender_measures"]}
    assert set(everything) == {grant.id, relocation.id}
    assert everything[grant.id]["incident_title"] == "First threat"
    assert everything[grant.id]["amount"] == "800.00 EUR"
    assert everything[relocation.id]["here"] and not everything[grant.id]["here"]
    assert "First case only." not in repr(context["defender_measures"])

    first_view = support_context(session, vault=vault, org_id=org.id, incident=first)
    assert first_view["measures"][0]["notes"] == "First case only."
    assert {e["row"].id for e in first_view["defender_measures"]} == {grant.id, relocation.id}


def test_other_organisations_measures_are_not_found(session, vault):
    org, other = make_org(session), make_org(session)
    analyst, outsider = make_staff(session, org), make_staff(session, other)
    incident = _case(session, vault, org, analyst)
    sibling = _case(session, vault, org, analyst, name="Another Defender")
    measure = _measure(session, vault, org, incident, analyst)
    with pytest.raises(NotFound):
        _measure(session, vault, other, incident, outsider)
    with pytest.raises(NotFound):
        _move(session, other, incident, measure, "approved", outsider)
    with pytest.raises(NotFound):  # a measure of another case, through this one
        _move(session, org, sibling, measure, "approved", analyst)
    with pytest.raises(NotFound):
        support_context(session, vault=vault, org_id=other.id, incident=incident)
    assert measure.status == "requested"
