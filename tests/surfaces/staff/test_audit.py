"""Coordinators and auditors browse their own organisation's audit log; nobody else does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import make_org, make_staff, sign_in
from vigil.core.audit import AuditEvent, record_event
from vigil.core.audit_head import read_head
from vigil.core.db import utcnow


def mark(session, org_id, marker: str, *, action: str = "test.marked", actor=None) -> None:
    record_event(
        session,
        action=action,
        organisation_id=org_id,
        actor_user_id=actor,
        object_type="case",
        object_id=marker,
    )


def test_coordinator_sees_only_own_organisations_entries(session, client):
    mine, theirs = make_org(session), make_org(session)
    coordinator = make_staff(session, mine, "coordinator")
    colleague = make_staff(session, mine, "analyst")
    stranger = make_staff(session, theirs, "coordinator")
    mark(session, mine.id, "mine-1", actor=colleague.user.id)
    mark(session, theirs.id, "theirs-1", actor=stranger.user.id)
    # Another organisation's entry about our own member still belongs to the other organisation.
    mark(session, theirs.id, "theirs-about-colleague", actor=colleague.user.id)
    # Entries without an organisation show only when the actor is one of ours.
    mark(session, None, "orphan-ours", action="signin.failed", actor=colleague.user.id)
    mark(session, None, "orphan-theirs", action="signin.failed", actor=stranger.user.id)
    mark(session, None, "orphan-nobody", action="signin.failed")
    session.commit()
    sign_in(client, coordinator)

    page = client.get("/staff/audit")
    assert page.status_code == 200
    assert "mine-1" in page.text
    assert "orphan-ours" in page.text
    assert colleague.user.email in page.text
    for foreign in ("theirs-1", "theirs-about-colleague", "orphan-theirs", "orphan-nobody"):
        assert foreign not in page.text
    assert stranger.user.email not in page.text
    assert 'href="/staff/audit"' in page.text  # nav link for coordinators


def test_filters_by_action_actor_and_dates(session, client):
    org = make_org(session)
    coordinator = make_staff(session, org, "coordinator")
    analyst = make_staff(session, org, "analyst")
    mark(session, org.id, "viewed-1", action="incident.viewed", actor=analyst.user.id)
    mark(session, org.id, "recorded-1", action="incident.recorded", actor=coordinator.user.id)
    mark(session, org.id, "exported-1", action="export.created", actor=analyst.user.id)
    session.commit()
    sign_in(client, coordinator)

    exact = client.get("/staff/audit?action=incident.viewed").text
    assert "viewed-1" in exact and "recorded-1" not in exact and "exported-1" not in exact
    family = client.get("/staff/audit?action=incident").text
    assert "viewed-1" in family and "recorded-1" in family and "exported-1" not in family
    assert "recorded-1" not in client.get("/staff/audit?action=inc").text  # families, not prefixes

    by_actor = client.get(f"/staff/audit?actor={analyst.user.id}").text
    assert "viewed-1" in by_actor and "exported-1" in by_actor and "recorded-1" not in by_actor

    today = utcnow().date()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    assert "viewed-1" in client.get(f"/staff/audit?since={today}&until={today}").text
    assert "viewed-1" not in client.get(f"/staff/audit?since={tomorrow}").text
    assert "viewed-1" not in client.get(f"/staff/audit?until={yesterday}").text
    assert client.get("/staff/audit?since=yesterday").status_code == 422

    fragment = client.get(
        "/staff/audit?action=export.created&since=&until=", headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert "exported-1" in fragment.text and "viewed-1" not in fragment.text
    assert "<html" not in fragment.text


def test_pages_keep_the_filters(session, client):
    org = make_org(session)
    coordinator = make_staff(session, org, "coordinator")
    for n in range(55):
        mark(session, org.id, f"entry-{n:02d}-", action="test.paged")
    session.commit()
    sign_in(client, coordinator)

    first = client.get("/staff/audit?action=test.paged").text
    assert "entry-54-" in first and "entry-04-" not in first
    assert 'href="?action=test.paged&amp;page=2"' in first
    second = client.get("/staff/audit?action=test.paged&page=2").text
    assert "entry-04-" in second and "entry-54-" not in second
    assert 'rel="next"' not in second


def test_viewing_the_log_is_itself_audited(session, client, settings):
    org = make_org(session)
    auditor = make_staff(session, org, "auditor")
    session.commit()
    sign_in(client, auditor)

    assert client.get("/staff/audit?action=signin").status_code == 200
    viewed = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "audit.viewed", AuditEvent.actor_user_id == auditor.user.id
        )
    ).all()
    assert len(viewed) == 1
    assert viewed[0].organisation_id == org.id
    assert '"action": "signin"' in viewed[0].detail
    # Signed with the installation's audit key (derived from VIGIL_MASTER_KEY here, id "env")
    # and anchored in its data directory's head file once the request committed.
    assert viewed[0].key_id == "env"
    head = read_head(settings.data_dir / "audit-head.json")
    assert (head.entry_id, head.mac) == (viewed[0].id, viewed[0].entry_mac)


def test_analyst_gets_not_found(session, client):
    org = make_org(session)
    analyst = make_staff(session, org, "analyst")
    session.commit()
    sign_in(client, analyst)

    assert client.get("/staff/audit").status_code == 404
    assert 'href="/staff/audit"' not in client.get("/staff/incidents").text


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/staff/audit")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
