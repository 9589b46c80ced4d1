"""The public list of SLAPP cases: only what a coordinator published; defendants by their
public description and never by name or alias, in any language; the claimant, court, months,
claim, outcome and judged indicators; an accessible table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.diligence.slapp.support import SECRET_NAME, actor, make_defender, make_lawsuit
from tests.factories import make_org
from vigil.access import Actor
from vigil.diligence.slapp import screening, service

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _world(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    defender = make_defender(session, vault, org)
    shown = make_lawsuit(
        session,
        org,
        defender=defender,
        claimant_name="Aurífera Ficticia S.A.",
        claim_amount="1500000",
        currency="USD",
        filed_on="2025-03-17",
        outcome="dismissed_early",
    )
    hidden = make_lawsuit(session, org, defender=defender, claimant_name="Unpublished Claimant Ltd")
    service.set_published(session, actor=actor(org), lawsuit_id=shown.id, published=True, now=NOW)
    for indicator, judgement in (("a", "met"), ("b", "not_met"), ("c", "met")):
        screening.record_judgement(
            session,
            actor=actor(org),
            lawsuit_id=shown.id,
            indicator=indicator,
            judgement=judgement,
            reasoning=f"{SECRET_NAME} internal reasons",
            now=NOW,
        )
    session.commit()
    return defender, shown, hidden


@pytest.mark.parametrize("language", ["en", "es", "fr", "pt"])
def test_published_cases_only_and_no_defendant_name(session, vault, client, language) -> None:  # type: ignore[no-untyped-def]
    defender, _shown, _hidden = _world(session, vault)
    page = client.get("/slapp", headers={"Accept-Language": language})
    assert page.status_code == 200
    assert f'lang="{language}"' in page.text
    body = page.content
    assert "Aurífera Ficticia S.A.".encode() in body
    assert b"a community radio journalist" in body
    assert b"Unpublished Claimant" not in body
    for secret in (SECRET_NAME, defender.alias, "internal reasons"):
        assert secret.encode() not in body


def test_the_table_says_outcome_month_claim_and_judgements(session, vault, client) -> None:  # type: ignore[no-untyped-def]
    _world(session, vault)
    text = client.get("/slapp", headers={"Accept-Language": "en"}).text
    assert '<table id="slapp-cases">' in text and '<th scope="col">' in text
    assert "Dismissed at an early stage" in text and "March 2025" in text
    assert "Mar 17, 2025" not in text  # the month only
    assert "1,500,000" in text and "USD" in text
    assert "2 of 4 judged met by the analyst on December 2026" in text
    assert "none is an automatic verdict" in text
    es = client.get("/slapp", headers={"Accept-Language": "es"}).text
    assert "marzo" in es and "2025" in es


def test_an_unpublished_case_disappears(session, vault, client) -> None:  # type: ignore[no-untyped-def]
    _defender, shown, _hidden = _world(session, vault)
    assert "Aurífera".encode() in client.get("/slapp").content
    coordinator = Actor(user_id=None, org_id=shown.organisation_id, role="coordinator")  # type: ignore[arg-type]
    service.set_published(session, actor=coordinator, lawsuit_id=shown.id, published=False, now=NOW)
    session.commit()
    assert "Aurífera".encode() not in client.get("/slapp").content
