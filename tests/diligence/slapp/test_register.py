"""What the public list and the market-entry report read: published lawsuits only, with the
defendants' public descriptions (never a defender's name or alias), months rather than days,
and the analysts' judgements without their reasons."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from tests.diligence.slapp.support import (
    SECRET_NAME,
    actor,
    make_company,
    make_defender,
    make_lawsuit,
)
from tests.factories import make_org
from vigil.diligence.slapp import screening, service
from vigil.diligence.slapp.register import published_lawsuits, slapp_cases_for

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _published(session, org, vault, **fields):  # type: ignore[no-untyped-def]
    defender = make_defender(session, vault, org)
    row = make_lawsuit(session, org, defender=defender, **fields)
    service.set_published(session, actor=actor(org), lawsuit_id=row.id, published=True, now=NOW)
    return row, defender


def test_unpublished_lawsuits_are_never_read(session, vault) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    make_lawsuit(session, org, defender=make_defender(session, vault, org))
    row, _ = _published(session, org, vault)
    assert [c.id for c in published_lawsuits(session)] == [row.id]
    service.set_published(session, actor=actor(org), lawsuit_id=row.id, published=False, now=NOW)
    assert published_lawsuits(session) == []
    assert slapp_cases_for(session, country="CO") == []


def test_public_fields_only(session, vault) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row, defender = _published(
        session,
        org,
        vault,
        filed_on="2025-05-10",
        decided_on="2026-02-27",
        claim_amount="1000",
        currency="USD",
        outcome="dismissed_early",
    )
    screening.record_judgement(
        session,
        actor=actor(org),
        lawsuit_id=row.id,
        indicator="b",
        judgement="met",
        reasoning=f"{SECRET_NAME} was sued twice",
        now=NOW,
    )
    (case,) = published_lawsuits(session)
    assert case.defendants == ["a community radio journalist"]
    assert (case.filed_month, case.decided_month) == (date(2025, 5, 1), date(2026, 2, 1))
    assert case.judgements == {"b": "met"} and case.met == 1
    flat = repr(dataclasses.asdict(case))
    assert SECRET_NAME not in flat and defender.alias not in flat and "sued twice" not in flat


def test_cases_for_a_country_and_sector(session, vault) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    mining = make_company(session, sector="mining")
    other = make_company(session)
    by_miner, _ = _published(session, org, vault, claimant_company_id=str(mining.id))
    linked, _ = _published(session, org, vault, claimant_company_id=str(other.id))
    service.link_company(session, actor=actor(org), lawsuit_id=linked.id, company_id=mining.id)
    plain, _ = _published(session, org, vault, claimant_company_id=str(other.id))
    _published(session, org, vault, country="PE", region="")
    assert {c.id for c in slapp_cases_for(session, country="co")} == {
        by_miner.id,
        linked.id,
        plain.id,
    }
    found = slapp_cases_for(session, country="CO", sector="mining")
    assert {c.id for c in found} == {by_miner.id, linked.id}
    assert slapp_cases_for(session, country="CO", sector="garments") == []
