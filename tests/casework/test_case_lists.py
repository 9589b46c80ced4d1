"""The casework lists practitioners use (issue 18, point 10), on both databases: every support
kind (medical apart from psychosocial; the old combined code still reads but is not offered),
every closure reason stored and shown, and a handover to another organisation recorded with
who agreed (never on a reporter's word). "Defender unreachable" stays refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.casework.test_casework import resolved_case
from tests.casework.test_support import _case, _measure
from tests.factories import make_org, make_staff, sign_in
from tests.surfaces.staff.test_cases import _post
from vigil.casework.handover import Handover, handovers_of
from vigil.casework.models import CaseHandover, ClosureReason, SupportMeasure
from vigil.casework.service import request_closure
from vigil.casework.support import OFFERED_KINDS, PROVIDER_KINDS, add_provider, support_label
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict, Invalid

NEW_KINDS = (
    "medical",
    "psychosocial",
    "protective_accompaniment",
    "security_plan_training",
    "security_equipment",
    "trial_observation",
    "collective_protection",
    "international_relocation",
)
NEW_REASONS = (
    "released",
    "charges_dropped",
    "state_protection",
    "long_term_relocation",
)
TODAY = date.today()
HANDOVER = Handover(
    organisation="Red de Protección Sur",
    handed_on=TODAY - timedelta(days=1),
    items="Risk assessment and the security plan; no contact details.",
    agreed_by="defender",
)


def _close(session, org, incident, analyst, reason, **extra):  # type: ignore[no-untyped-def]
    return request_closure(
        session,
        org_id=org.id,
        incident_id=incident.id,
        reason=reason,
        note="",
        actor_user_id=analyst.user.id,
        **extra,
    )


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_each_new_support_kind_is_stored_and_labelled(session, vault, kind):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    measure = _measure(session, vault, org, incident, analyst, kind=kind)
    session.expire_all()
    assert session.get(SupportMeasure, measure.id).kind == kind
    assert kind in OFFERED_KINDS and kind in PROVIDER_KINDS
    assert support_label(kind) != kind


def test_the_combined_medical_code_reads_but_is_not_offered(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    assert "medical_psychosocial" not in OFFERED_KINDS
    with pytest.raises(Invalid):
        _measure(session, vault, org, incident, analyst, kind="medical_psychosocial")
    with pytest.raises(Invalid):
        add_provider(
            session, org_id=org.id, name="C", kind="medical_psychosocial", actor_user_id=None
        )
    old = _measure(session, vault, org, incident, analyst, kind="medical")
    old.kind = "medical_psychosocial"  # a row recorded before the split
    session.flush()
    assert "before the split" in support_label("medical_psychosocial")


@pytest.mark.parametrize("reason", NEW_REASONS)
def test_each_new_closure_reason_closes_and_is_stored(session, vault, reason):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = resolved_case(session, vault, org, analyst)
    assert _close(session, org, incident, analyst, reason).closed
    session.expire_all()
    assert incident.status == "closed" and incident.closure_reason == reason


def test_unreachable_stays_refused_among_the_new_reasons(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = resolved_case(session, vault, org, analyst)
    assert "defender_unreachable" in ClosureReason.__members__
    with pytest.raises(Conflict):
        _close(session, org, incident, analyst, "defender_unreachable")
    assert incident.status == "resolved"


def test_a_handover_is_recorded_sealed_with_who_agreed(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = resolved_case(session, vault, org, analyst)
    with pytest.raises(Invalid, match="Record the handover"):
        _close(session, org, incident, analyst, "handed_over")
    outcome = _close(session, org, incident, analyst, "handed_over", handover=HANDOVER, vault=vault)
    assert outcome.closed and incident.closure_reason == "handed_over"
    row = session.scalar(select(CaseHandover).where(CaseHandover.incident_id == incident.id))
    assert row.receiving_organisation == "Red de Protección Sur"
    assert row.handed_on == TODAY - timedelta(days=1) and row.agreed_by == "defender"
    assert b"security plan" not in row.items_sealed  # sealed at rest
    shown = handovers_of(session, vault=vault, incident=incident)
    assert shown[0]["handed"] == HANDOVER.items
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "incident.handed_over"))
    assert "security plan" not in str(audit.detail)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"agreed_by": "reporter"}, Conflict),
        ({"agreed_by": ""}, Conflict),
        ({"agreed_by": "representative"}, Invalid),  # without the relation
        ({"organisation": " "}, Invalid),
        ({"items": ""}, Invalid),
        ({"handed_on": None}, Invalid),
        ({"handed_on": TODAY + timedelta(days=1)}, Invalid),
    ],
)
def test_a_handover_needs_the_defenders_side_and_every_detail(session, vault, change, error):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = resolved_case(session, vault, org, analyst)
    handover = Handover(**{**HANDOVER.__dict__, **change})
    with pytest.raises(error):
        _close(session, org, incident, analyst, "handed_over", handover=handover, vault=vault)
    assert incident.status == "resolved" and incident.closure_reason is None
    assert session.scalar(select(CaseHandover.id)) is None


def test_case_page_offers_and_shows_the_new_kinds_reasons_and_handover(session, vault, client):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = resolved_case(session, vault, org, analyst)
    session.commit()
    sign_in(client, analyst)
    page = client.get(f"/staff/incidents/{incident.id}/case").text
    for kind in NEW_KINDS:
        assert f'<option value="{kind}">' in page
    assert 'value="medical_psychosocial"' not in page
    for reason in (*NEW_REASONS, "handed_over"):
        assert f'<option value="{reason}">' in page
    added = _post(client, f"/staff/incidents/{incident.id}/measures", {"kind": "trial_observation"})
    assert added.status_code == 303
    closed = _post(
        client,
        f"/staff/incidents/{incident.id}/closure",
        {
            "reason": "handed_over",
            "handover_organisation": "Red de Protección Sur",
            "handover_on": (TODAY - timedelta(days=1)).isoformat(),
            "handover_items": "The security plan only.",
            "handover_agreed_by": "representative",
            "handover_relation": "her sister",
        },
    )
    assert closed.status_code == 303
    page = client.get(f"/staff/incidents/{incident.id}/case").text
    assert "Trial observation" in page
    assert "Handed to another organisation" in page
    assert "Red de Protección Sur" in page and "The security plan only." in page
    assert "her sister" in page
