"""Statements and dialogue reports pass the automatic identifying check before publication:
a victim's name, contact or exact place from the organisation's incidents (in the
statement's country when it has one) is refused, and the text stays as written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_incident, make_org
from tests.statements.support import actor, mails_to, token_in
from tests.statements.test_dialogues import _space
from tests.statements.test_statements import _invitation, _world
from vigil.core.db import utcnow
from vigil.links.service import resolve_link
from vigil.statements import dialogues, service
from vigil.statements.identifying import NamesAVictim
from vigil.statements.models import ReportState, StatementState


def _signed_statement(session, vault, settings, body):  # type: ignore[no-untyped-def]
    org, staff, row, contacts, now = _world(session, vault, settings)
    service.update_statement(
        session,
        org_id=org.id,
        statement_id=row.id,
        data=service.StatementInput(title="On the river", body=body, country="CO"),
        actor_user_id=staff.user.id,
    )
    signer = _invitation(session, vault, settings, contacts[0], now)
    service.answer_invitation(
        session, signer, stance="sign", signed_as="Andes Mining S.A.", signer_name="A", now=now
    )
    return org, row, now


def _victim_place(session, vault, incident, place):  # type: ignore[no-untyped-def]
    incident.place_sealed = vault.seal(incident.data_key_id, place)
    session.flush()


@pytest.mark.parametrize(
    "body",
    [
        "We stand with hidden, threatened last week.",  # a word of the victim's name
        "Write to us at 310 555 1234.",  # any phone number
        "Write to press@example.org.",  # any e-mail
        "The attack at Vereda Esperanza must be investigated.",  # the exact place
    ],
)
def test_a_statement_naming_a_victim_is_refused_and_stays_a_draft(
    session, vault, settings, body
) -> None:  # type: ignore[no-untyped-def]
    org, row, now = _signed_statement(session, vault, settings, body)
    _victim_place(session, vault, make_incident(session, org, vault=vault), "Vereda Esperanza")
    with pytest.raises(NamesAVictim) as refused:
        service.publish_statement(session, vault, actor=actor(org), statement_id=row.id, now=now)
    assert refused.value.findings
    assert row.state == StatementState.draft and row.body == body


def test_scope_the_country_and_the_organisation(session, vault, settings) -> None:  # type: ignore[no-untyped-def]
    body = "We stand with Hidden and every defender of the river."
    org, row, now = _signed_statement(session, vault, settings, body)
    make_incident(session, org, vault=vault, country="PE")  # same name, other country
    make_incident(session, make_org(session), vault=vault)  # another organisation's victim
    published = service.publish_statement(
        session, vault, actor=actor(org), statement_id=row.id, now=now + timedelta(days=1)
    )
    assert published.state == StatementState.published


def test_a_statement_without_country_is_checked_against_every_incident(
    session, vault, settings
) -> None:  # type: ignore[no-untyped-def]
    org, row, now = _signed_statement(session, vault, settings, "Hidden must be protected.")
    row.country = None
    make_incident(session, org, vault=vault, country="PE")
    with pytest.raises(NamesAVictim):
        service.publish_statement(session, vault, actor=actor(org), statement_id=row.id, now=now)


def _submitted_report(session, vault, settings, body):  # type: ignore[no-untyped-def]
    org, _staff, space, members = _space(session)
    now = utcnow()
    dialogues.open_period(
        session, vault, settings, actor=actor(org), space_id=space.id, label="2026-Q4", now=now
    )
    link = resolve_link(
        session, settings, token_in(mails_to(session, vault, members[0])[0]), now=now
    )
    report, _period, _row = dialogues.report_for_link(session, link.id)
    dialogues.submit_report(session, report, body=body, now=now)
    return org, report, now


def test_a_report_naming_a_victim_is_refused_and_kept(session, vault, settings) -> None:  # type: ignore[no-untyped-def]
    body = "We met Hidden Name's family and moved the guards."
    org, report, now = _submitted_report(session, vault, settings, body)
    make_incident(session, org, vault=vault, country="PE")
    with pytest.raises(NamesAVictim) as refused:
        dialogues.review_report(
            session, vault, actor=actor(org), report_id=report.id, publish=True, now=now
        )
    assert {f.found for f in refused.value.findings} == {"hidden name"}
    assert report.state == ReportState.submitted and report.body == body
    # rejecting it needs no check
    dialogues.review_report(
        session, vault, actor=actor(org), report_id=report.id, publish=False, now=now
    )
    assert report.state == ReportState.rejected


def test_a_report_naming_another_organisations_victim_is_published(
    session, vault, settings
) -> None:  # type: ignore[no-untyped-def]
    org, report, now = _submitted_report(session, vault, settings, "We met Hidden's family.")
    make_incident(session, make_org(session), vault=vault)
    dialogues.review_report(
        session, vault, actor=actor(org), report_id=report.id, publish=True, now=now
    )
    assert report.state == ReportState.published
