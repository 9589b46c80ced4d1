"""Each hint fires at its documented edge and not just below it, lists its evidence, and
reads only what the organisation may see."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from tests.diligence.slapp.support import (
    BASE,
    actor,
    make_company,
    make_defender,
    make_lawsuit,
    own,
)
from tests.factories import make_incident, make_org
from vigil.diligence.slapp import hints, service
from vigil.diligence.slapp.thresholds import ORGANISATION_FACTOR, PERSON_THRESHOLDS

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _hint(session, row, name):  # type: ignore[no-untyped-def]
    found = {h.indicator.value: h for h in hints.screening_hints(session, lawsuit=row, today=TODAY)}
    return found[name]


@pytest.mark.parametrize(("amount", "fires"), [("49999.99", False), ("50000", True)])
def test_a_fires_at_the_threshold_against_a_person(session, vault, amount, fires) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    assert PERSON_THRESHOLDS["EUR"] == 50_000
    row = make_lawsuit(
        session,
        org,
        defender=make_defender(session, vault, org),
        claim_amount=amount,
        currency="EUR",
    )
    hint = _hint(session, row, "a")
    assert hint.suggested is fires
    assert "50,000.00 EUR" in hint.explanation


@pytest.mark.parametrize(("amount", "fires"), [("199999.99", False), ("200000.00", True)])
def test_a_against_an_organisation_only_is_four_times_higher(session, vault, amount, fires) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    assert ORGANISATION_FACTOR == 4
    defender = make_defender(session, vault, org, kind="organisation")
    row = make_lawsuit(session, org, defender=defender, claim_amount=amount, currency="EUR")
    assert _hint(session, row, "a").suggested is fires


def test_a_is_silent_without_amount_or_known_threshold(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    assert not _hint(session, make_lawsuit(session, org), "a").suggested
    row = make_lawsuit(session, org, claim_amount="1000000000", currency="JPY")
    hint = _hint(session, row, "a")
    assert not hint.suggested and "JPY" in hint.explanation


def test_b_one_proceeding_by_the_group_is_not_enough(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    parent, child = make_company(session), make_company(session)
    own(session, parent, child)
    row = make_lawsuit(session, org, claimant_company_id=str(child.id))
    make_lawsuit(session, org, claimant_company_id=str(make_company(session).id))  # unrelated
    hint = _hint(session, row, "b")
    assert not hint.suggested and hint.evidence == []


def test_b_two_proceedings_by_the_group_fire_and_are_listed(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    parent, child, sibling = make_company(session), make_company(session), make_company(session)
    own(session, parent, child)
    own(session, parent, sibling, kind="parent_subsidiary")
    row = make_lawsuit(session, org, claimant_company_id=str(child.id))
    other = make_lawsuit(
        session,
        org,
        claimant_name="Sibling Ltd",
        claimant_company_id=str(sibling.id),
        country="PE",
        region="",
    )
    hint = _hint(session, row, "b")
    assert hint.suggested and "2 proceedings" in hint.explanation
    assert [e.href for e in hint.evidence] == [f"/staff/lawsuits/{other.id}"]
    assert "Sibling Ltd" in hint.evidence[0].text


def test_b_by_the_same_claimant_name_without_a_company(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org, claimant_name="Señor Poderoso")
    assert not _hint(session, row, "b").suggested
    make_lawsuit(session, org, claimant_name="senor  PODEROSO")
    assert _hint(session, row, "b").suggested


def test_b_ended_group_edges_do_not_count(session) -> None:  # type: ignore[no-untyped-def]
    from vigil.companies.models import CompanyRelationship

    org = make_org(session)
    parent, child = make_company(session), make_company(session)
    session.add(
        CompanyRelationship(
            kind="ownership",
            from_company_id=parent.id,
            to_company_id=child.id,
            end_date=date(2026, 11, 30),
        )
    )
    session.flush()
    row = make_lawsuit(session, org, claimant_company_id=str(child.id))
    make_lawsuit(session, org, claimant_company_id=str(parent.id))
    assert not _hint(session, row, "b").suggested


def test_b_sees_other_organisations_published_cases_only(session, vault) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = make_org(session), make_org(session)
    company = make_company(session)
    row = make_lawsuit(session, mine, claimant_company_id=str(company.id))
    their = make_lawsuit(
        session,
        theirs,
        claimant_company_id=str(company.id),
        defender=make_defender(session, vault, theirs),
    )
    assert not _hint(session, row, "b").suggested  # unpublished elsewhere: invisible
    service.set_published(
        session, actor=actor(theirs), lawsuit_id=their.id, published=True, now=NOW
    )
    hint = _hint(session, row, "b")
    assert hint.suggested
    assert hint.evidence[0].href is None and "another organisation" in hint.evidence[0].text


def test_c_fires_on_a_linked_threat_only(session, vault) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org)
    detention = make_incident(session, org, vault=vault, attack_type="arbitrary_detention")
    service.link_incident(session, actor=actor(org), lawsuit_id=row.id, incident_id=detention.id)
    assert not _hint(session, row, "c").suggested
    threat = make_incident(session, org, vault=vault, attack_type="threat_intimidation")
    service.link_incident(session, actor=actor(org), lawsuit_id=row.id, incident_id=threat.id)
    hint = _hint(session, row, "c")
    assert hint.suggested
    assert [e.href for e in hint.evidence] == [f"/staff/incidents/{threat.id}"]


def test_c_fires_on_a_threat_involving_the_claimants_group(session, vault) -> None:  # type: ignore[no-untyped-def]
    org, other_org = make_org(session), make_org(session)
    parent, child = make_company(session), make_company(session)
    own(session, parent, child)
    row = make_lawsuit(session, org, claimant_company_id=str(child.id))
    make_incident(session, other_org, vault=vault, company_id=parent.id)  # another organisation's
    assert not _hint(session, row, "c").suggested
    make_incident(session, org, vault=vault, company_id=parent.id, status="rejected")
    assert not _hint(session, row, "c").suggested
    make_incident(session, org, vault=vault, company_id=parent.id)  # a death threat
    assert _hint(session, row, "c").suggested


@pytest.mark.parametrize(("count", "fires"), [(1, False), (2, True)])
def test_d_repeated_postponements(session, count, fires) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org, postponements=str(count))
    assert _hint(session, row, "d").suggested is fires


def test_d_related_proceedings_in_another_country(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org)
    same = make_lawsuit(session, org, region="CO-ANT")
    service.link_related(session, actor=actor(org), lawsuit_id=row.id, other_id=same.id)
    assert not _hint(session, row, "d").suggested
    abroad = make_lawsuit(session, org, country="GB", region="")
    service.link_related(session, actor=actor(org), lawsuit_id=row.id, other_id=abroad.id)
    hint = _hint(session, row, "d")
    assert hint.suggested and "CO, GB" in hint.evidence[0].text


def test_d_a_related_proceeding_withdrawn_by_the_claimant(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org)
    dropped = make_lawsuit(session, org, outcome="withdrawn_by_claimant", region="CO-ANT")
    service.link_related(session, actor=actor(org), lawsuit_id=row.id, other_id=dropped.id)
    assert _hint(session, row, "d").suggested


def test_nexus_and_imbalance(session, vault) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org, claim_type="damages")
    assert not _hint(session, row, "nexus").suggested
    assert not _hint(session, row, "imbalance").suggested
    company = make_company(session)
    service.update_lawsuit(
        session,
        actor=actor(org),
        lawsuit_id=row.id,
        data=replace(BASE, claim_type="defamation", claimant_company_id=str(company.id)),
    )
    assert _hint(session, row, "nexus").suggested
    assert not _hint(session, row, "imbalance").suggested  # no defendant yet
    service.add_defendant(
        session,
        actor=actor(org),
        lawsuit_id=row.id,
        defender_id=make_defender(session, vault, org, kind="community").id,
        description="a community",
    )
    assert _hint(session, row, "imbalance").suggested
