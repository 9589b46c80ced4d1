"""Dialogue spaces: opening a period asks every member through a link; reports are
published by a coordinator; the public view lists who did not report."""

from __future__ import annotations

import pytest

from tests.factories import make_org, make_staff
from tests.statements.support import actor, mails_to, make_contact, token_in
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.links.service import resolve_link
from vigil.statements import dialogues, register
from vigil.statements.models import ReportState


def _space(session):  # type: ignore[no-untyped-def]
    org = make_org(session)
    staff = make_staff(session, org, "coordinator")
    space = dialogues.save_space(
        session,
        org_id=org.id,
        name="Cauca mining roundtable",
        description="Quarterly.",
        region="Cauca",
        actor_user_id=staff.user.id,
    )
    members = [
        make_contact(session, org, "Ana", "Andes Mining SA", language="fr"),
        make_contact(session, org, "Bo", "Blue Hydro Ltd"),
        make_contact(session, org, "Cy", "Copper Co"),
    ]
    for contact in members:
        dialogues.add_member(
            session,
            org_id=org.id,
            space_id=space.id,
            contact_id=contact.id,
            public_name="",
            actor_user_id=staff.user.id,
        )
    return org, staff, space, members


def test_period_report_publish_and_who_did_not_report(session, vault, settings) -> None:  # type: ignore[no-untyped-def]
    org, _staff, space, members = _space(session)
    now = utcnow()
    dialogues.open_period(
        session, vault, settings, actor=actor(org), space_id=space.id, label="2026-Q4", now=now
    )
    assert mails_to(session, vault, members[0])[0]["language"] == "fr"
    reports = {}
    for contact in members[:2]:
        link = resolve_link(
            session, settings, token_in(mails_to(session, vault, contact)[0]), now=now
        )
        report, _period, _space_row = dialogues.report_for_link(session, link.id)
        dialogues.submit_report(
            session, report, body=f"{contact.organisation_name} did X.", now=now
        )
        reports[contact.id] = report
    dialogues.review_report(
        session, vault, actor=actor(org), report_id=reports[members[0].id].id, publish=True, now=now
    )

    shown = register.public_space(session, slug=space.slug)
    (period,) = shown.periods
    assert period.label == "2026-Q4"
    assert [(r.name, r.body) for r in period.reports] == [
        ("Andes Mining SA", "Andes Mining SA did X.")
    ]
    # Blue Hydro reported (awaiting review): in neither list; Copper Co never reported.
    assert period.not_reported == ["Copper Co"]
    assert "Ana" not in repr(shown) and "@" not in repr(shown)


def test_only_coordinators_open_periods_and_publish(session, vault, settings) -> None:  # type: ignore[no-untyped-def]
    org, _staff, space, members = _space(session)
    now = utcnow()
    with pytest.raises(Forbidden):
        dialogues.open_period(
            session,
            vault,
            settings,
            actor=actor(org, "analyst"),
            space_id=space.id,
            label="2026-Q4",
            now=now,
        )
    dialogues.open_period(
        session, vault, settings, actor=actor(org), space_id=space.id, label="2026-Q4", now=now
    )
    with pytest.raises(Conflict):
        dialogues.open_period(
            session, vault, settings, actor=actor(org), space_id=space.id, label="2026-Q4", now=now
        )
    link = resolve_link(
        session, settings, token_in(mails_to(session, vault, members[0])[0]), now=now
    )
    report, _p, _s = dialogues.report_for_link(session, link.id)
    with pytest.raises(Invalid):
        dialogues.submit_report(session, report, body="   ", now=now)
    with pytest.raises(Invalid):
        dialogues.submit_report(session, report, body="x" * 10_001, now=now)
    dialogues.submit_report(session, report, body="x" * 10_000, now=now)
    with pytest.raises(Forbidden):
        dialogues.review_report(
            session, vault, actor=actor(org, "analyst"), report_id=report.id, publish=True, now=now
        )
    with pytest.raises(NotFound):
        dialogues.review_report(
            session,
            vault,
            actor=actor(make_org(session)),
            report_id=report.id,
            publish=True,
            now=now,
        )
    with pytest.raises(NotFound):  # reviewed from another space's page
        dialogues.review_report(
            session,
            vault,
            actor=actor(org),
            report_id=report.id,
            publish=True,
            now=now,
            space_id=space.id + 1000,
        )
    dialogues.review_report(
        session,
        vault,
        actor=actor(org),
        report_id=report.id,
        publish=False,
        now=now,
        space_id=space.id,
    )
    assert report.state == ReportState.rejected
    with pytest.raises(NotFound):  # the link stops once the report is reviewed
        resolve_link(session, settings, token_in(mails_to(session, vault, members[0])[0]), now=now)


def test_a_member_needs_a_public_organisation_name(session) -> None:  # type: ignore[no-untyped-def]
    org, staff, space, _members = _space(session)
    nameless = make_contact(session, org, "Dee", "")
    with pytest.raises(Invalid):
        dialogues.add_member(
            session,
            org_id=org.id,
            space_id=space.id,
            contact_id=nameless.id,
            public_name="",
            actor_user_id=staff.user.id,
        )
