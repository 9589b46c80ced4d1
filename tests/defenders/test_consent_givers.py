"""Who consented for whom (both databases): only the defender's own side gives permission —
the defender, a representative whose relation is recorded, a community's assembly or
authority — while the reporter's word is kept but allows nothing, and a refusal counts from
anyone. The most restrictive strategy wins."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from tests.factories import make_incident, make_org, make_staff
from vigil.core.audit import AuditEvent
from vigil.core.errors import Invalid
from vigil.defenders.consent import (
    ConsentEntry,
    has_consent,
    most_restrictive,
    record_consent,
    sharing_consent,
)


def _victim(session, vault, kind: str = "person"):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    defender = make_incident(session, org, vault=vault).acts[0].victim
    defender.kind = kind
    session.flush()
    return org, analyst.user.id, defender


def _record(session, org, actor, defender, scope, decision, **how):  # type: ignore[no-untyped-def]
    how.setdefault("method", "in_person")
    how.setdefault("given_by", "defender")
    return record_consent(
        session,
        org_id=org.id,
        defender_id=defender.id,
        scope=scope,
        decision=decision,
        actor_user_id=actor,
        **how,
    )


OWN = [
    ("person", {"given_by": "defender"}),
    ("person", {"given_by": "representative", "relation": "Mother (defender detained)"}),
    ("community", {"given_by": "community", "relation": "Community assembly, 3 May"}),
    ("community", {"given_by": "representative", "relation": "Governor of the resguardo"}),
]
NOT_OWN = [
    {"given_by": "reporter", "method": "in_person"},
    {"given_by": "reporter", "method": "phone"},
    # The reporter relaying the defender's words is still the reporter's word.
    {"given_by": "defender", "method": "through_reporter"},
    {"given_by": "representative", "relation": "Brother", "method": "through_reporter"},
]


@pytest.mark.parametrize(("kind", "how"), OWN)
def test_each_own_way_of_consenting_gives_permission(session, vault, kind, how):
    org, actor, defender = _victim(session, vault, kind)
    _record(session, org, actor, defender, "strategy", "public", **how)
    _record(session, org, actor, defender, "share_with_stakeholders", "grant", **how)
    assert sharing_consent(session, defender=defender).strategy == "public"
    assert has_consent(session, defender_id=defender.id, scope="share_with_stakeholders")
    entry = session.scalars(select(ConsentEntry).order_by(ConsentEntry.id.desc())).first()
    assert (entry.given_by, entry.relation) == (how["given_by"], how.get("relation"))


@pytest.mark.parametrize("how", NOT_OWN)
def test_the_reporters_word_never_gives_permission(session, vault, how):
    org, actor, defender = _victim(session, vault)
    for scope, decision in [
        ("strategy", "quiet"),
        ("share_with_stakeholders", "grant"),
        ("publish_alias", "grant"),
    ]:
        _record(session, org, actor, defender, scope, decision, **how)
    assert sharing_consent(session, defender=defender).strategy is None
    assert not has_consent(session, defender_id=defender.id, scope="share_with_stakeholders")
    assert not has_consent(session, defender_id=defender.id, scope="publish_alias")


def test_a_third_partys_later_word_suspends_the_defenders_own_consent(session, vault):
    org, actor, defender = _victim(session, vault)
    _record(session, org, actor, defender, "strategy", "public")
    _record(session, org, actor, defender, "strategy", "quiet", given_by="reporter")
    assert sharing_consent(session, defender=defender).strategy is None
    _record(session, org, actor, defender, "strategy", "quiet", method="phone")
    assert sharing_consent(session, defender=defender).strategy == "quiet"


@pytest.mark.parametrize(
    "refusal",
    [
        ("strategy", "record_only", {"given_by": "reporter", "method": "through_reporter"}),
        ("strategy", "record_only", {"given_by": "defender"}),
        ("store", "withdraw", {"given_by": "reporter"}),
    ],
)
def test_a_refusal_counts_whoever_relays_it(session, vault, refusal):
    org, actor, defender = _victim(session, vault)
    _record(session, org, actor, defender, "strategy", "public")
    scope, decision, how = refusal
    _record(session, org, actor, defender, scope, decision, **how)
    assert sharing_consent(session, defender=defender).refused


def test_a_withdrawal_from_the_reporter_counts(session, vault):
    org, actor, defender = _victim(session, vault)
    _record(session, org, actor, defender, "share_with_stakeholders", "grant")
    _record(
        session, org, actor, defender, "share_with_stakeholders", "withdraw", given_by="reporter"
    )
    assert not has_consent(session, defender_id=defender.id, scope="share_with_stakeholders")


def test_a_forgotten_defender_refuses_everything(session, vault):
    org, actor, defender = _victim(session, vault)
    _record(session, org, actor, defender, "strategy", "public")
    defender.forgotten_at = defender.created_at
    assert sharing_consent(session, defender=defender).refused


@pytest.mark.parametrize(
    ("kind", "how"),
    [
        ("person", {"given_by": "representative"}),
        ("person", {"given_by": "representative", "relation": "   "}),
        ("community", {"given_by": "community", "relation": ""}),
        ("person", {"given_by": "community", "relation": "Assembly"}),  # a person decides
        ("group", {"given_by": "community", "relation": "Assembly"}),
        ("person", {"given_by": "neighbour"}),
    ],
)
def test_who_decided_must_be_recorded(session, vault, kind, how):
    org, actor, defender = _victim(session, vault, kind)
    with pytest.raises(Invalid):
        _record(session, org, actor, defender, "strategy", "quiet", **how)
    assert session.scalars(select(ConsentEntry)).all() == []


def test_the_database_refuses_a_representative_without_relation(session, vault):
    org, _actor, defender = _victim(session, vault)
    row = {
        "organisation_id": org.id,
        "defender_id": defender.id,
        "scope": "strategy",
        "decision": "quiet",
        "method": "phone",
        "given_by": "representative",
    }
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(insert(ConsentEntry).values(**row))
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(insert(ConsentEntry).values(**{**row, "given_by": "cousin"}))
    session.execute(insert(ConsentEntry).values(**{**row, "relation": "Sister"}))


def test_the_relation_is_kept_but_never_audited(session, vault):
    org, actor, defender = _victim(session, vault)
    _record(session, org, actor, defender, "strategy", "quiet", given_by="defender", relation="x")
    _record(
        session, org, actor, defender, "strategy", "quiet", given_by="representative",
        relation="Her brother Tomás",
    )  # fmt: skip
    entries = session.scalars(select(ConsentEntry).order_by(ConsentEntry.id)).all()
    assert [e.relation for e in entries] == [None, "Her brother Tomás"]
    details = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "consent.recorded")
    ).all()
    assert [json.loads(d)["given_by"] for d in details] == ["defender", "representative"]
    assert not any("Tomás" in d for d in details)


@pytest.mark.parametrize(
    ("strategies", "wins"),
    [
        (["public", "quiet"], "quiet"),
        (["quiet", "public"], "quiet"),
        (["public", "public"], "public"),
        (["public", "record_only", "quiet"], "record_only"),
    ],
)
def test_the_most_restrictive_strategy_wins(strategies, wins):
    assert most_restrictive(strategies) == wins
