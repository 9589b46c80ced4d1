"""Who may see and change what: every role × every kind of object × the actor's own
organisation or another one, checked against a table written out by hand here (not derived
from ``vigil.access``), then the same rule through each domain's loader on a real database."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.casework.test_casework import _report
from tests.factories import make_incident, make_org, make_staff
from vigil.access import (
    Actor,
    CaseView,
    Kind,
    Role,
    check_same_org,
    may_change,
    may_edit_playbooks,
    may_read_audit,
    may_see,
    may_write,
    record_case_read,
)
from vigil.alerts.models import Alert
from vigil.alerts.service import load_alert
from vigil.casework.service import load_case
from vigil.contacts.models import Contact
from vigil.contacts.service import get_contact
from vigil.core.audit import AuditEvent
from vigil.core.errors import NotFound
from vigil.incidents.service import case_for_reading
from vigil.intake.triage import get_report
from vigil.playbooks.service import get_version, install_default_playbooks
from vigil.surfaces.gate import Staff

OWN_ORG, OTHER_ORG = 1, 2

#: May this role change an object of this kind (in its own organisation)?
CHANGES = {
    Role.coordinator: {Kind.case, Kind.report, Kind.alert, Kind.contact, Kind.playbook},
    Role.analyst: {Kind.case, Kind.report, Kind.alert, Kind.contact},
    Role.auditor: set(),
}
#: May this role read the audit log? (Auditors and coordinators.)
READS_AUDIT = {Role.coordinator: True, Role.analyst: False, Role.auditor: True}


def test_the_table_covers_every_role_and_kind():
    assert set(CHANGES) == set(Role) and set(READS_AUDIT) == set(Role)
    assert {kind for kinds in CHANGES.values() for kind in kinds} == set(Kind)


@pytest.mark.parametrize("org_id", [OWN_ORG, OTHER_ORG], ids=["same-org", "other-org"])
@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("role", list(Role))
def test_decision(role: Role, kind: Kind, org_id: int):
    actor = Actor(user_id=7, org_id=OWN_ORG, role=role)
    row = SimpleNamespace(organisation_id=org_id)
    same = org_id == OWN_ORG
    assert may_see(actor, row) is same  # every role reads everything of its own organisation
    assert may_change(actor, kind, row) is (same and kind in CHANGES[role])
    assert may_change(actor, kind) is (kind in CHANGES[role])  # the role alone (buttons)
    assert may_see(actor, None) is False


@pytest.mark.parametrize("role", list(Role))
def test_role_predicates_and_the_gate_agree(role: Role):
    actor = Actor(user_id=7, org_id=OWN_ORG, role=role)
    assert may_write(actor) is (Kind.case in CHANGES[role])
    assert may_edit_playbooks(actor) is (Kind.playbook in CHANGES[role])
    assert may_read_audit(actor) is READS_AUDIT[role]
    staff = Staff(7, "a@b.example", "A", OWN_ORG, "Org", role)
    assert staff.actor == actor
    assert staff.can_write is may_write(actor)
    assert staff.may_read_audit is may_read_audit(actor)
    assert staff.may_edit_playbooks is may_edit_playbooks(actor)


def test_an_unknown_role_may_do_nothing():
    actor = Actor(user_id=7, org_id=OWN_ORG, role="volunteer")
    assert not (may_write(actor) or may_read_audit(actor) or may_edit_playbooks(actor))
    assert not any(may_change(actor, kind) for kind in Kind)


def test_check_same_org_hides_other_organisations_and_other_parents():
    row = SimpleNamespace(organisation_id=OWN_ORG, incident_id=5)
    assert check_same_org(row, org_id=OWN_ORG, missing="No such task.", incident_id=5) is row
    for org_id, incident_id in [(OTHER_ORG, 5), (OWN_ORG, 6)]:
        with pytest.raises(NotFound, match=r"^No such task\.$"):
            check_same_org(row, org_id=org_id, missing="No such task.", incident_id=incident_id)
    with pytest.raises(NotFound):
        check_same_org(None, org_id=OWN_ORG, missing="No such task.")


@pytest.fixture
def objects(session, vault):  # type: ignore[no-untyped-def]
    """One object of each kind in organisation A, and the loader each domain uses for it."""
    org_a, org_b = make_org(session), make_org(session)
    incident = make_incident(session, org_a, vault=vault)
    report = _report(session, vault, org_a)
    alert = Alert(organisation_id=org_a.id, incident_id=incident.id)
    contact = Contact(organisation_id=org_a.id, name="Ombudsman")
    session.add_all([alert, contact])
    [playbook, *_] = install_default_playbooks(session, org_id=org_a.id)
    session.flush()
    loaders: dict[Kind, tuple[object, Callable[[int], object], str]] = {
        Kind.case: (
            incident,
            lambda org: load_case(session, org_id=org, incident_id=incident.id),
            "No such incident.",
        ),
        Kind.report: (
            report,
            lambda org: get_report(session, org_id=org, report_id=report.id, actor_user_id=None),
            "No such report.",
        ),
        Kind.alert: (
            alert,
            lambda org: load_alert(session, org_id=org, alert_id=alert.id),
            "No such alert.",
        ),
        Kind.contact: (
            contact,
            lambda org: get_contact(session, org_id=org, contact_id=contact.id),
            "No such contact.",
        ),
        Kind.playbook: (
            playbook,
            lambda org: get_version(session, org_id=org, playbook_id=playbook.id),
            "No such playbook.",
        ),
    }
    assert set(loaders) == set(Kind)
    return org_a, org_b, loaders


@pytest.mark.parametrize("kind", list(Kind))
def test_each_loader_applies_the_rule(objects, kind: Kind):
    org_a, org_b, loaders = objects
    row, load, missing = loaders[kind]
    assert load(org_a.id) is row
    with pytest.raises(NotFound) as raised:
        load(org_b.id)
    assert str(raised.value) == missing  # the same words as a missing id: no oracle
    for role in Role:
        assert may_see(Actor(1, org_a.id, role), row) and not may_see(Actor(1, org_b.id, role), row)


def _case_reads(session, incident_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "incident", AuditEvent.object_id == str(incident_id))
            .order_by(AuditEvent.id)
        )
    )


def test_a_case_read_is_recorded_once_per_session(session, vault):
    org = make_org(session)
    reader = make_staff(session, org, Role.auditor)
    first, second = (
        make_incident(session, org, vault=vault),
        make_incident(session, org, vault=vault),
    )
    actor = Actor(user_id=reader.user.id, org_id=org.id, role=Role.auditor)
    before = len(_case_reads(session, first.id))
    case_for_reading(session, actor=actor, incident_id=first.id, view=CaseView.case)
    case_for_reading(session, actor=actor, incident_id=first.id, view=CaseView.alerts)
    assert not record_case_read(session, actor=actor, incident_id=first.id, view=CaseView.alert)
    assert _case_reads(session, first.id)[before:] == ["incident.case_viewed"]
    assert record_case_read(session, actor=actor, incident_id=second.id, view=CaseView.summary)


def test_reading_another_organisations_case_records_nothing(session, vault):
    org_a, org_b = make_org(session), make_org(session)
    incident = make_incident(session, org_a, vault=vault)
    intruder = Actor(user_id=make_staff(session, org_b).user.id, org_id=org_b.id, role="analyst")
    before = _case_reads(session, incident.id)
    with pytest.raises(NotFound, match=r"^No such incident\.$"):
        case_for_reading(session, actor=intruder, incident_id=incident.id, view=CaseView.case)
    assert _case_reads(session, incident.id) == before
