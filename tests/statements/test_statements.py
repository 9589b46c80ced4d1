"""Collective statements in the domain: invitations go out through the outbox in the
contact's language, answers come back through the link, and only a coordinator publishes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_org, make_staff
from tests.statements.support import actor, mails_to, make_contact, token_in
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.links.service import resolve_link
from vigil.statements import register, service
from vigil.statements.models import InvitationState, StatementState

TEXT = service.StatementInput(
    title="Stop the attacks on the river defenders",
    body="We call on the companies.\n\nSecond paragraph.",
    language="en",
    country="co",
    region="Cauca",
)


def _world(session, vault, settings):  # type: ignore[no-untyped-def]
    org = make_org(session)
    staff = make_staff(session, org, "coordinator")
    contacts = [
        make_contact(session, org, "Ana Signer", "Andes Mining SA", language="es"),
        make_contact(session, org, "Bo Decliner", "Blue Hydro Ltd"),
        make_contact(session, org, "Cy Silent", "Copper Co"),
    ]
    row = service.create_statement(session, org_id=org.id, data=TEXT, actor_user_id=staff.user.id)
    service.add_invitees(
        session,
        org_id=org.id,
        statement_id=row.id,
        contact_ids=[c.id for c in contacts],
        actor_user_id=staff.user.id,
    )
    now = utcnow()
    sent = service.send_invitations(
        session,
        vault,
        settings,
        org_id=org.id,
        statement_id=row.id,
        actor_user_id=staff.user.id,
        now=now,
    )
    assert sent == 3
    return org, staff, row, contacts, now


def _invitation(session, vault, settings, contact, now):  # type: ignore[no-untyped-def]
    link = resolve_link(session, settings, token_in(mails_to(session, vault, contact)[-1]), now=now)
    return service.invitation_for_link(session, link.id)[0]


def test_invitation_mail_is_in_the_contacts_language(session, vault, settings) -> None:  # type: ignore[no-untyped-def]
    _org, _staff, row, contacts, _now = _world(session, vault, settings)
    (spanish,) = mails_to(session, vault, contacts[0])
    (english,) = mails_to(session, vault, contacts[1])
    assert spanish["language"] == "es"
    assert "firmar" in spanish["subject"].lower() or "firmar" in spanish["text"].lower()
    assert "co-sign" in english["subject"]
    assert row.slug == "stop-the-attacks-on-the-river-defenders"
    assert row.country == "CO"


def test_sign_decline_and_publish_lists_only_signatories(session, vault, settings) -> None:  # type: ignore[no-untyped-def]
    org, _staff, row, contacts, now = _world(session, vault, settings)
    signer = _invitation(session, vault, settings, contacts[0], now)
    service.answer_invitation(
        session,
        signer,
        stance="sign",
        signed_as="Andes Mining S.A.",
        signer_name="Ana Signer",
        signer_title="CEO",
        now=now,
    )
    decliner = _invitation(session, vault, settings, contacts[1], now)
    service.answer_invitation(session, decliner, stance="decline", now=now)
    published = service.publish_statement(
        session, vault, actor=actor(org), statement_id=row.id, now=now + timedelta(days=1)
    )
    assert published.state == StatementState.published

    (shown,) = register.published_statements(session)
    assert [(s.name, s.signed_at) for s in shown.signatories] == [("Andes Mining S.A.", now)]
    public_text = repr(shown)
    for secret in ("Ana Signer", "CEO", "Blue Hydro", "Copper Co", "@"):
        assert secret not in public_text
    # Publishing closed the links still open: the silent invitee can no longer sign.
    with pytest.raises(NotFound):
        _invitation(session, vault, settings, contacts[2], now + timedelta(days=1))


def test_a_signature_needs_a_name_and_can_be_withdrawn_before_publication(
    session, vault, settings
) -> None:  # type: ignore[no-untyped-def]
    org, _staff, row, contacts, now = _world(session, vault, settings)
    invitation = _invitation(session, vault, settings, contacts[0], now)
    with pytest.raises(Invalid):
        service.answer_invitation(session, invitation, stance="sign", signed_as="X", now=now)
    with pytest.raises(Invalid):
        service.answer_invitation(session, invitation, stance="publish", now=now)
    service.answer_invitation(
        session, invitation, stance="sign", signed_as="Andes", signer_name="Ana", now=now
    )
    service.answer_invitation(session, invitation, stance="withdraw", now=now)
    assert invitation.state == InvitationState.withdrawn
    with pytest.raises(Invalid):  # nobody signed: nothing to publish
        service.publish_statement(session, vault, actor=actor(org), statement_id=row.id, now=now)
    service.answer_invitation(
        session, invitation, stance="sign", signed_as="Andes", signer_name="Ana", now=now
    )
    service.publish_statement(session, vault, actor=actor(org), statement_id=row.id, now=now)
    with pytest.raises(Conflict):  # after publication nothing changes through the link
        service.answer_invitation(session, invitation, stance="withdraw", now=now)


@pytest.mark.parametrize("role", ["analyst", "auditor"])
def test_only_a_coordinator_publishes(session, vault, settings, role) -> None:  # type: ignore[no-untyped-def]
    org, _staff, row, contacts, now = _world(session, vault, settings)
    invitation = _invitation(session, vault, settings, contacts[0], now)
    service.answer_invitation(
        session, invitation, stance="sign", signed_as="Andes", signer_name="Ana", now=now
    )
    with pytest.raises(Forbidden):
        service.publish_statement(
            session, vault, actor=actor(org, role), statement_id=row.id, now=now
        )
    assert row.state == StatementState.draft
    assert register.published_statements(session) == []


def test_another_organisation_cannot_touch_a_draft(session, vault, settings) -> None:  # type: ignore[no-untyped-def]
    _org, _staff, row, _contacts, now = _world(session, vault, settings)
    other = make_org(session)
    with pytest.raises(NotFound):
        service.get_statement(session, org_id=other.id, statement_id=row.id)
    with pytest.raises(NotFound):
        service.publish_statement(session, vault, actor=actor(other), statement_id=row.id, now=now)
    assert service.list_statements(session, org_id=other.id) == []


def test_changing_the_text_asks_signatories_again_and_reminders_replace_links(
    session, vault, settings
) -> None:  # type: ignore[no-untyped-def]
    org, staff, row, contacts, now = _world(session, vault, settings)
    invitation = _invitation(session, vault, settings, contacts[0], now)
    service.answer_invitation(
        session, invitation, stance="sign", signed_as="Andes", signer_name="Ana", now=now
    )
    changed = service.StatementInput(**{**TEXT.__dict__, "body": "New words."})
    service.update_statement(
        session, org_id=org.id, statement_id=row.id, data=changed, actor_user_id=staff.user.id
    )
    assert invitation.state == InvitationState.pending
    first_token = token_in(mails_to(session, vault, contacts[2])[0])
    reminded = service.send_invitations(
        session,
        vault,
        settings,
        org_id=org.id,
        statement_id=row.id,
        actor_user_id=staff.user.id,
        now=now,
        reminder=True,
    )
    assert reminded == 3  # all three are asked again (Ana's signature was reset)
    with pytest.raises(NotFound):  # the old link was replaced
        resolve_link(session, settings, first_token, now=now)
    assert len(mails_to(session, vault, contacts[2])) == 2
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"statement.created", "statement.invited", "statement.reminded"} <= actions
