"""The suitability guide for a case (SQLite and PostgreSQL): hints come from Vigil's own
records (interventions in the case's country, members in the case or its leverage map, recent
cases), every rating but "unknown" needs a reason, reasons are sealed and kept as history,
auditors cannot rate, and another organisation reaches nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.diligence.collective.support import initiative, make_world
from tests.factories import make_org
from vigil.access import Actor
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.diligence.collective.models import SuitabilityRating
from vigil.diligence.collective.service import InterventionInput, add_intervention, add_member
from vigil.diligence.collective.suitability import (
    FactorInput,
    case_guide,
    rated_counts,
    record_suitability,
)


def _intervene(session, world, initiative_id, on: date, country: str = "CO") -> None:  # type: ignore[no-untyped-def]
    add_intervention(
        session,
        org_id=world.org.id,
        initiative_id=initiative_id,
        data=InterventionInput(on, country, "Joint letter", "", "https://example.org/a"),
        actor_user_id=None,
        today=date(2026, 12, 7),
    )


def test_hints_count_interventions_and_members_in_the_case(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    _intervene(session, world, row, date(2022, 3, 1))
    _intervene(session, world, row, date(2025, 1, 9))
    _intervene(session, world, row, date(2019, 1, 1), country="PE")  # another country
    for company in (world.named, world.other):
        add_member(
            session,
            org_id=world.org.id,
            initiative_id=row,
            company_id=company.id,
            actor_user_id=None,
        )
    (guide,) = case_guide(session, vault=vault, incident=world.incident, now=utcnow())
    assert guide.initiative.id == row
    assert guide.hints["interventions"] == ["2 previous interventions in Colombia since 2022."]
    assert guide.hints["ability"][0] == (
        f"1 member is a company in this case or its leverage map: {world.named.name}."
    )
    assert guide.hints["ability"][1] == "2 members."
    assert world.named.name in guide.hints["reprisal"][0]
    assert guide.hints["legitimacy"] == ["Convened by Fictional Ministry of Mines."]
    assert guide.hints["context"] == ["1 case recorded in Colombia in the past 12 months."]


def test_hints_when_nothing_is_known(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    initiative(session, world)
    (guide,) = case_guide(session, vault=vault, incident=world.incident, now=utcnow())
    assert guide.hints["interventions"] == ["No intervention in Colombia is recorded."]
    assert guide.hints["ability"][0] == "No member is a company in this case or its leverage map."
    assert guide.hints["reprisal"] == ["No member is named in this case itself."]


def test_the_guide_lists_only_initiatives_covering_the_case(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault, sector="agribusiness")
    initiative(session, world, "Mining only")
    initiative(session, world, "Farms", sectors=("agribusiness",))
    initiative(session, world, "Peru farms", countries="PE", sectors=("agribusiness",))
    guides = case_guide(session, vault=vault, incident=world.incident, now=utcnow())
    assert [g.initiative.name for g in guides] == ["Farms"]


def test_factors_are_recorded_with_reasons_and_kept_as_history(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    analyst = world.actor("analyst")
    args = {
        "vault": vault,
        "actor": analyst,
        "incident_id": world.incident.id,
        "initiative_id": row,
    }
    first = {
        "legitimacy": FactorInput("favourable", "Communities sit on its board."),
        "reprisal": FactorInput("unfavourable", "A member's contractor made the threat."),
        "context": FactorInput("unknown", ""),
        "ability": FactorInput("", ""),  # not rated this time
    }
    assert record_suitability(session, factors=first, now=utcnow(), **args) == 3
    # The same judgement again is not a new row; a changed one is.
    again = {**first, "legitimacy": FactorInput("mixed", "The board met once in 2025.")}
    assert record_suitability(session, factors=again, now=utcnow(), **args) == 1
    (guide,) = case_guide(session, vault=vault, incident=world.incident, now=utcnow())
    assert guide.latest["legitimacy"].rating == "mixed"
    assert guide.latest["legitimacy"].reason == "The board met once in 2025."
    assert guide.latest["reprisal"].reason == "A member's contractor made the threat."
    assert "ability" not in guide.latest
    assert [f for f, _j in guide.history].count("legitimacy") == 2
    assert rated_counts(session, incident_id=world.incident.id) == {row: 3}
    sealed = session.scalars(select(SuitabilityRating.reason_sealed)).all()
    assert all(b"contractor" not in (s or b"") for s in sealed)  # never in clear
    audit = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "incident.suitability_rated")
    ).all()
    assert len(audit) == 2


@pytest.mark.parametrize(
    "given",
    [
        FactorInput("favourable", ""),
        FactorInput("mixed", "   "),
        FactorInput("unfavourable", "x" * 2001),
        FactorInput("excellent", "why"),
    ],
)
def test_a_rating_without_a_reason_is_refused(session, vault, given) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    with pytest.raises(Invalid):
        record_suitability(
            session,
            vault=vault,
            actor=world.actor(),
            incident_id=world.incident.id,
            initiative_id=row,
            factors={"context": FactorInput("favourable", "ok"), "ability": given},
            now=utcnow(),
        )
    assert session.scalars(select(SuitabilityRating)).all() == []


def test_a_reason_of_2000_characters_and_an_unknown_factor(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    args = {"vault": vault, "actor": world.actor(), "incident_id": world.incident.id}
    ok = {"ability": FactorInput("mixed", "y" * 2000)}
    assert record_suitability(session, initiative_id=row, factors=ok, now=utcnow(), **args) == 1
    with pytest.raises(Invalid):
        record_suitability(
            session,
            initiative_id=row,
            factors={"popularity": FactorInput("mixed", "z")},
            now=utcnow(),
            **args,
        )


def test_roles_tenancy_and_coverage(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    elsewhere = initiative(session, world, "Peru only", countries="PE")
    factors = {"context": FactorInput("unknown", "")}
    base = {"vault": vault, "incident_id": world.incident.id, "factors": factors, "now": utcnow()}
    with pytest.raises(Forbidden):
        record_suitability(session, actor=world.actor("auditor"), initiative_id=row, **base)
    other = make_org(session)
    with pytest.raises(NotFound):
        record_suitability(
            session, actor=Actor(1, other.id, "coordinator"), initiative_id=row, **base
        )
    with pytest.raises(NotFound):
        record_suitability(session, actor=world.actor(), initiative_id=elsewhere, **base)
    assert record_suitability(session, actor=world.actor("coordinator"), initiative_id=row, **base)
