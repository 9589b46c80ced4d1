"""The consent ledger on both databases: defaults, latest entry wins, immediate withdrawal,
strategy, audit without names, tenancy, append-only, the reporter's wish as first entry."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.casework.test_casework import YES, _report
from tests.factories import make_incident, make_org, make_staff
from vigil.casework.conversion import convert_report
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.defenders import consent
from vigil.defenders.consent import (
    ConsentEntry,
    SharingConsent,
    consent_history,
    current_consent,
    current_strategy,
    has_consent,
    record_consent,
    record_initial_consent_from_report,
    sharing_consent,
)
from vigil.defenders.models import Defender


def _victim(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault)
    return org, analyst.user.id, incident.acts[0].victim


def _record(session, org, actor, defender, scope, decision, method="in_person"):  # type: ignore[no-untyped-def]
    return record_consent(
        session,
        given_by="defender",
        org_id=org.id,
        defender_id=defender.id,
        scope=scope,
        decision=decision,
        method=method,
        actor_user_id=actor,
    )


def test_without_entries_only_storing_is_allowed_and_no_strategy_allows_sharing(session, vault):
    _org, _actor, defender = _victim(session, vault)
    assert current_consent(session, defender_id=defender.id) == {
        "store": True,
        "share_with_stakeholders": False,
        "publish_alias": False,
        "publish_name": False,
        "publish_photo": False,
        "publish_place": False,
        "publish_date": False,
        "share_state_mechanism": False,
        "share_un_regional": False,
        "share_funders": False,
        "share_media": False,
        "use_as_evidence": False,
        "share_location": False,
    }
    assert has_consent(session, defender_id=defender.id, scope="store")
    assert not has_consent(session, defender_id=defender.id, scope="publish_alias")
    # Quiet diplomacy is sharing too: with nothing recorded there is no strategy at all.
    assert current_strategy(session, defender_id=defender.id) is None
    assert sharing_consent(session, defender=defender) == SharingConsent(
        refused=False, strategy=None
    )
    with pytest.raises(Invalid):
        has_consent(session, defender_id=defender.id, scope="publish_everything")


def test_latest_entry_wins_and_withdrawal_flips_at_once(session, vault, session_factory):
    org, actor, defender = _victim(session, vault)
    _record(session, org, actor, defender, "publish_alias", "grant")
    assert has_consent(session, defender_id=defender.id, scope="publish_alias")
    _record(session, org, actor, defender, "publish_alias", "withdraw", "phone")
    assert not has_consent(session, defender_id=defender.id, scope="publish_alias")
    _record(session, org, actor, defender, "publish_alias", "grant", "secure_message")
    _record(session, org, actor, defender, "share_with_stakeholders", "grant")
    assert current_consent(session, defender_id=defender.id)["publish_alias"] is True
    session.commit()

    # Another request's session sees the withdrawal as soon as it is committed: nothing cached.
    with session_factory() as other:
        assert has_consent(other, defender_id=defender.id, scope="share_with_stakeholders")
        other.commit()  # the other request ends; its next one must not see a stale answer
        _record(session, org, actor, defender, "share_with_stakeholders", "withdraw")
        session.commit()
        assert not has_consent(other, defender_id=defender.id, scope="share_with_stakeholders")
        assert not current_consent(other, defender_id=defender.id)["share_with_stakeholders"]
    assert has_consent(session, defender_id=defender.id, scope="publish_alias")

    _record(session, org, actor, defender, "store", "withdraw")
    assert not has_consent(session, defender_id=defender.id, scope="store")
    history = consent_history(session, org_id=org.id, defender_id=defender.id)
    assert [(e.scope, e.decision) for e in history][:2] == [
        ("store", "withdraw"),
        ("share_with_stakeholders", "withdraw"),
    ]
    assert len(history) == 6 and history[0].recorded_by_id == actor
    assert history[0].granted is False and history[-1].granted is True


def test_strategy_latest_wins_and_is_separate_from_scopes(session, vault):
    org, actor, defender = _victim(session, vault)
    _record(session, org, actor, defender, "strategy", "public")
    assert current_strategy(session, defender_id=defender.id) == "public"
    _record(session, org, actor, defender, "strategy", "record_only", "through_reporter")
    assert current_strategy(session, defender_id=defender.id) == "record_only"
    assert current_consent(session, defender_id=defender.id)["publish_alias"] is False
    entry = consent_history(session, org_id=org.id, defender_id=defender.id)[0]
    assert entry.granted is None and entry.method == "through_reporter"


@pytest.mark.parametrize(
    ("scope", "decision", "method"),
    [
        ("publish_everything", "grant", "phone"),
        ("publish_name", "maybe", "phone"),
        ("strategy", "grant", "phone"),
        ("strategy", "loud", "phone"),
        ("publish_name", "grant", "telepathy"),
    ],
)
def test_unknown_codes_are_refused(session, vault, scope, decision, method):
    org, actor, defender = _victim(session, vault)
    with pytest.raises(Invalid):
        _record(session, org, actor, defender, scope, decision, method)
    assert consent_history(session, org_id=org.id, defender_id=defender.id) == []


def test_every_entry_is_audited_without_names(session, vault):
    org, actor, defender = _victim(session, vault)
    _record(session, org, actor, defender, "publish_name", "grant")
    _record(session, org, actor, defender, "publish_name", "withdraw", "phone")
    _record(session, org, actor, defender, "strategy", "quiet")
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "consent.recorded").order_by(AuditEvent.id)
    ).all()
    d = "defender"
    assert [json.loads(e.detail) for e in events] == [
        {"scope": "publish_name", "decision": "granted", "method": "in_person", "given_by": d},
        {"scope": "publish_name", "decision": "withdrawn", "method": "phone", "given_by": d},
        {"scope": "strategy", "strategy": "quiet", "method": "in_person", "given_by": d},
    ]
    for event in events:
        assert (event.object_type, event.object_id) == ("defender", str(defender.id))
        assert (event.organisation_id, event.actor_user_id) == (org.id, actor)
        assert "Hidden Name" not in event.detail and "Defender A" not in event.detail


def test_another_organisations_defender_is_not_found(session, vault):
    _org, actor, defender = _victim(session, vault)
    theirs = make_org(session)
    with pytest.raises(NotFound):
        _record(session, theirs, actor, defender, "publish_alias", "grant")
    with pytest.raises(NotFound):
        consent_history(session, org_id=theirs.id, defender_id=defender.id)
    with pytest.raises(NotFound):
        record_initial_consent_from_report(
            session, defender_id=defender.id, org_id=theirs.id, wish="quiet", report_id=1
        )
    assert not session.scalars(select(ConsentEntry)).all()


def test_the_ledger_is_append_only(session, vault):
    org, actor, defender = _victim(session, vault)
    public = {name for name in vars(consent) if not name.startswith("_")}
    assert not {
        n for n in public if n.split("_")[0] in {"update", "delete", "remove", "edit", "change"}
    }
    entry = _record(session, org, actor, defender, "publish_alias", "grant")
    session.commit()
    entry.decision = "withdraw"
    with pytest.raises(Conflict):
        session.flush()
    session.rollback()
    session.delete(session.get(ConsentEntry, entry.id))
    with pytest.raises(Conflict):
        session.flush()
    session.rollback()
    assert session.get(ConsentEntry, entry.id).decision == "grant"


def test_the_reporters_wish_becomes_the_first_entries(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    report = _report(session, vault, org)
    report.wish = "public"
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        inclusion=YES,
        title="Threat",
        actor_user_id=analyst.user.id,
    )
    defender_id = incident.acts[0].victim_id
    existing = consent_history(session, org_id=org.id, defender_id=defender_id)
    if not existing:  # conversion.py may not call it yet
        record_initial_consent_from_report(
            session,
            defender_id=defender_id,
            org_id=org.id,
            wish=report.wish,
            report_id=report.id,
            actor_user_id=analyst.user.id,
        )
    entries = consent_history(session, org_id=org.id, defender_id=defender_id)
    assert {(e.scope, e.decision) for e in entries} == {("store", "grant"), ("strategy", "public")}
    assert {(e.method, e.given_by, e.report_id, e.recorded_by_id) for e in entries} == {
        ("through_reporter", "reporter", report.id, analyst.user.id)
    }
    assert current_strategy(session, defender_id=defender_id) == "public"
    # A reporter's wish never grants publication, nor any sharing (not even quiet diplomacy).
    assert not has_consent(session, defender_id=defender_id, scope="publish_alias")
    victim = session.get(Defender, defender_id)
    assert sharing_consent(session, defender=victim).strategy is None

    # The defender's own later decisions are never overridden by another report.
    _record(session, org, analyst.user.id, victim, "store", "withdraw")
    _record(session, org, analyst.user.id, victim, "strategy", "quiet")
    assert (
        record_initial_consent_from_report(
            session, defender_id=defender_id, org_id=org.id, wish="public", report_id=report.id
        )
        == []
    )
    assert not has_consent(session, defender_id=defender_id, scope="store")
    assert current_strategy(session, defender_id=defender_id) == "quiet"
    with pytest.raises(Invalid):
        record_initial_consent_from_report(
            session, defender_id=defender_id, org_id=org.id, wish="loud", report_id=report.id
        )
