"""Confirming a proposal makes one incident with both sources, each keeping its own account;
only analysts and coordinators of the organisation decide, once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_org, make_staff
from tests.imports.linking.builders import told
from vigil.access import Actor
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict, Forbidden, NotFound
from vigil.imports.linking.disagreements import source_disagreements
from vigil.imports.linking.merging import confirm_link, reject_link
from vigil.imports.linking.models import LinkState, ProposedLink
from vigil.imports.linking.proposing import propose_links
from vigil.incidents.editing import incident_history
from vigil.incidents.models import IncidentStatus

DAY = date(2025, 3, 2)


def proposal(session, vault, org):
    first = told(
        session, vault, org, name="Hernán Bedoya", day=DAY, description="Article of 3 March"
    )
    second = told(
        session,
        vault,
        org,
        name="BEDOYA Hernan",
        day=DAY + timedelta(2),
        url="https://ngo-b.example/list",
        description="Listed in the annual report",
        region="CO-CHO",
        attack="attempted_killing",
    )
    propose_links(session, org_id=org.id)
    link = session.scalars(select(ProposedLink).where(ProposedLink.organisation_id == org.id)).one()
    return first, second, link


def actor_of(session, org, role="analyst"):
    account = make_staff(session, org, role=role)
    return Actor(user_id=account.user.id, org_id=org.id, role=role)


def test_confirming_merges_and_keeps_both_sources_dates_and_wording(session, vault):
    org = make_org(session)
    first, second, link = proposal(session, vault, org)
    actor = actor_of(session, org)
    kept = confirm_link(session, vault=vault, actor=actor, link_id=link.id, keep_id=first.id)
    assert kept.id == first.id
    accounts = {
        (s.description, s.reported_on, s.reported_region, s.reported_attack_type)
        for s in kept.sources
    }
    assert accounts == {
        ("Article of 3 March", DAY, "CO-ANT", "killing"),
        ("Listed in the annual report", DAY + timedelta(2), "CO-CHO", "attempted_killing"),
    }
    assert kept.occurred_on == DAY  # the kept incident's own facts are unchanged
    assert second.status == IncidentStatus.duplicate and second.duplicate_of_id == first.id
    assert second.sources == []
    assert (link.state, link.reviewer_id, link.kept_incident_id) == (
        LinkState.confirmed,
        actor.user_id,
        first.id,
    )
    assert link.reviewed_at is not None
    assert [e.fields for e in incident_history(session, vault=vault, incident=kept)] == [
        ["sources_merged"]
    ]
    actions = set(
        session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "incident",
                AuditEvent.object_id.in_([str(first.id), str(second.id)]),
            )
        )
    )
    assert {"incident.merged", "incident.merged_from"} <= actions


def test_the_merged_incident_shows_where_sources_disagree(session, vault):
    org = make_org(session)
    first, _, link = proposal(session, vault, org)
    kept = confirm_link(session, vault=vault, actor=actor_of(session, org), link_id=link.id)
    assert kept.id == first.id  # by default, the incident recorded first is kept
    found = {d.field: sorted(text for _, text in d.accounts) for d in source_disagreements(kept)}
    assert found == {
        "reported_on": ["2025-03-02", "2025-03-04"],
        "reported_region": ["CO-ANT", "CO-CHO"],
        "reported_attack_type": ["attempted_killing", "killing"],
    }


def test_acts_against_other_people_move_to_the_kept_incident(session, vault):
    from vigil.defenders.service import record_defender
    from vigil.incidents.editing import add_act

    org = make_org(session)
    first, second, link = proposal(session, vault, org)
    other = record_defender(session, vault=vault, org_id=org.id, alias="B", name="Luz Marina")
    add_act(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=second.id,
        attack_type="death_threat",
        victim_id=other.id,
        actor_user_id=None,
    )
    kept = confirm_link(session, vault=vault, actor=actor_of(session, org), link_id=link.id)
    assert sorted(a.victim_id for a in kept.acts) == sorted([first.acts[0].victim_id, other.id])
    assert len(second.acts) == 1  # the matched victim's act was the same act, told twice


def test_a_decision_is_taken_once(session, vault):
    org = make_org(session)
    _, _, link = proposal(session, vault, org)
    actor = actor_of(session, org)
    reject_link(session, actor=actor, link_id=link.id)
    with pytest.raises(Conflict):
        confirm_link(session, vault=vault, actor=actor, link_id=link.id)


@pytest.mark.parametrize(
    ("role", "allowed"), [("analyst", True), ("coordinator", True), ("auditor", False)]
)
def test_who_may_decide(session, vault, role, allowed):
    org = make_org(session)
    _, _, link = proposal(session, vault, org)
    actor = actor_of(session, org, role)
    if allowed:
        assert reject_link(session, actor=actor, link_id=link.id).state == LinkState.rejected
    else:
        with pytest.raises(Forbidden):
            reject_link(session, actor=actor, link_id=link.id)


def test_another_organisation_cannot_see_or_decide(session, vault):
    org, other = make_org(session), make_org(session)
    _, _, link = proposal(session, vault, org)
    stranger = actor_of(session, other)
    with pytest.raises(NotFound):
        confirm_link(session, vault=vault, actor=stranger, link_id=link.id)
    with pytest.raises(NotFound):
        reject_link(session, actor=stranger, link_id=link.id)
