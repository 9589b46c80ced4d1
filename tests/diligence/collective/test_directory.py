"""The collective-action directory in the service layer (SQLite and PostgreSQL): an
initiative's scope decides which cases it covers (country and sector, an empty list meaning
"every"), only published initiatives are read outside the organisation, another
organisation's initiatives are never found, and a refused form changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.diligence.collective.support import initiative, make_world
from tests.factories import make_org
from vigil.access import Actor
from vigil.core.audit import AuditEvent
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.diligence.collective import service
from vigil.diligence.collective.directory import initiatives_covering
from vigil.diligence.collective.service import (
    InitiativeInput,
    InterventionInput,
    add_intervention,
    add_member,
    get_initiative,
    initiatives_for,
    set_initiative_published,
)


def names(rows) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.name for r in rows}


def test_scope_matches_country_and_sector_at_the_edges(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    initiative(session, world, "Colombian mining", countries="CO", sectors=("mining",))
    initiative(session, world, "Peruvian mining", countries="PE", sectors=("mining",))
    initiative(session, world, "Colombian farms", countries="CO", sectors=("agribusiness",))
    initiative(session, world, "Global mining", countries="", sectors=("mining",))
    initiative(session, world, "Colombia, any sector", countries="co", sectors=())
    initiative(
        session, world, "Andes two sectors", countries="PE CO", sectors=("logging", "mining")
    )
    org = world.org.id
    found = names(initiatives_for(session, org_id=org, country="CO", sector="mining"))
    assert found == {
        "Colombian mining",
        "Global mining",
        "Colombia, any sector",
        "Andes two sectors",
    }
    assert names(initiatives_for(session, org_id=org, country="co", sector="agribusiness")) == {
        "Colombian farms",
        "Colombia, any sector",
    }
    assert names(initiatives_for(session, org_id=org, country="EC", sector="mining")) == {
        "Global mining"
    }
    # A case without a sector: no initiative is ruled out by its sectors.
    assert len(initiatives_for(session, org_id=org, country="CO", sector=None)) == 5


def test_only_published_initiatives_leave_the_organisation(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    kept = initiative(session, world, "Fictional Unpublished Roundtable")
    shown = initiative(session, world, "Fictional Published Roundtable")
    add_member(
        session,
        org_id=world.org.id,
        initiative_id=shown,
        company_id=world.other.id,
        role="Founding member",
        since=date(2020, 5, 1),
        actor_user_id=None,
    )
    coordinator = Actor(user_id=0, org_id=world.org.id, role="coordinator")
    set_initiative_published(session, actor=coordinator, initiative_id=shown, published=True)
    found = initiatives_covering(session, country="CO", sector="mining")
    assert [s.name for s in found] == ["Fictional Published Roundtable"]
    summary = found[0]
    assert summary.members[0].name == world.other.name
    assert summary.members[0].role == "Founding member"
    assert summary.countries == ["CO"] and summary.sectors == ["mining"]
    assert not hasattr(summary, "contact_id")  # the directory contact stays inside
    assert kept not in {s.id for s in found}
    set_initiative_published(session, actor=coordinator, initiative_id=shown, published=False)
    assert initiatives_covering(session, country="CO", sector="mining") == []


@pytest.mark.parametrize("role", ["analyst", "auditor"])
def test_only_coordinators_publish(session, vault, role) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    with pytest.raises(Forbidden):
        set_initiative_published(
            session, actor=Actor(0, world.org.id, role), initiative_id=row, published=True
        )


def test_another_organisation_never_sees_it(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    other = make_org(session)
    assert initiatives_for(session, org_id=other.id, country="CO", sector="mining") == []
    with pytest.raises(NotFound):
        get_initiative(session, org_id=other.id, initiative_id=row)
    with pytest.raises(NotFound):
        set_initiative_published(
            session, actor=Actor(0, other.id, "coordinator"), initiative_id=row, published=True
        )
    with pytest.raises(NotFound):  # nor can it point its own initiative at our contact
        service.create_initiative(
            session,
            org_id=other.id,
            data=InitiativeInput(name="X", contact_id=world.contact.id),
            actor_user_id=None,
        )


@pytest.mark.parametrize(
    "data",
    [
        InitiativeInput(name=""),
        InitiativeInput(name="x" * 301),
        InitiativeInput(name="Ok", kind="club"),
        InitiativeInput(name="Ok", countries="CO XX"),
        InitiativeInput(name="Ok", countries="COL"),
        InitiativeInput(name="Ok", sectors=("gold",)),
        InitiativeInput(name="Ok", website="javascript:alert(1)"),
        InitiativeInput(name="Ok", email="not an address"),
    ],
)
def test_refused_input_changes_nothing(session, vault, data) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    with pytest.raises(Invalid):
        service.update_initiative(
            session, org_id=world.org.id, initiative_id=row, data=data, actor_user_id=None
        )
    session.expire_all()
    assert get_initiative(session, org_id=world.org.id, initiative_id=row).name.startswith(
        "Fictional"
    )
    assert service.scope_of(session, row) == (["CO"], ["mining"])


def test_name_of_300_characters_is_accepted(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = service.create_initiative(
        session, org_id=world.org.id, data=InitiativeInput(name="n" * 300), actor_user_id=None
    )
    assert len(row.name) == 300


def test_interventions_need_a_past_date_and_a_source(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    today = date(2026, 12, 7)
    good = InterventionInput(
        occurred_on=today,
        country="CO",
        action="Public letter to the operator",
        outcome="Security contractor replaced",
        source_url="https://roundtable.example/letter",
    )
    made = add_intervention(
        session, org_id=world.org.id, initiative_id=row, data=good, actor_user_id=None, today=today
    )
    assert made.country == "CO"
    for bad in (
        InterventionInput(**{**good.__dict__, "occurred_on": date(2026, 12, 8)}),
        InterventionInput(**{**good.__dict__, "source_url": ""}),
        InterventionInput(**{**good.__dict__, "action": " "}),
        InterventionInput(**{**good.__dict__, "country": "CO PE"}),
    ):
        with pytest.raises(Invalid):
            add_intervention(
                session,
                org_id=world.org.id,
                initiative_id=row,
                data=bad,
                actor_user_id=None,
                today=today,
            )
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "initiative")
    ).all()
    assert "initiative.intervention_added" in actions and "initiative.created" in actions
