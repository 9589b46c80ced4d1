"""Co-signing and report links: an expired, revoked or taken-back link gets the invalid-link
page and signs nothing; a dialogue report typed into the form survives any refusal."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.factories import csrf_from, make_org, make_staff
from tests.statements.support import actor, mails_to, make_contact, token_in
from vigil.core.db import utcnow
from vigil.links.models import SignedLink
from vigil.statements import dialogues, service
from vigil.statements.models import DialogueReport, StatementInvitation

TEXT = service.StatementInput(title="A statement", body="Words.", language="en")


def _invited(session, vault, settings):  # type: ignore[no-untyped-def]
    org = make_org(session)
    staff = make_staff(session, org, "coordinator")
    contact = make_contact(session, org, "Ana", "Andes Mining SA")
    row = service.create_statement(session, org_id=org.id, data=TEXT, actor_user_id=staff.user.id)
    service.add_invitees(
        session,
        org_id=org.id,
        statement_id=row.id,
        contact_ids=[contact.id],
        actor_user_id=staff.user.id,
    )
    service.send_invitations(
        session,
        vault,
        settings,
        org_id=org.id,
        statement_id=row.id,
        actor_user_id=staff.user.id,
        now=utcnow(),
    )
    session.commit()
    return org, staff, contact, token_in(mails_to(session, vault, contact)[0])


def _sign(client, token: str, csrf: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "stance": "sign", "organisation_name": "Andes", "name": "Ana"}
    return client.post(f"/l/{token}", data=data)


def test_an_expired_link_is_refused(session, vault, settings, client) -> None:  # type: ignore[no-untyped-def]
    _org, _staff, _contact, token = _invited(session, vault, settings)
    form = client.get(f"/l/{token}")
    assert form.status_code == 200
    csrf = csrf_from(form.text)
    # A minute before expiry the link still works; a second after, it does not.
    session.execute(update(SignedLink).values(expires_at=utcnow() + timedelta(minutes=1)))
    session.commit()
    assert client.get(f"/l/{token}").status_code == 200
    session.execute(update(SignedLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert client.get(f"/l/{token}").status_code == 404
    refused = _sign(client, token, csrf)
    assert refused.status_code == 404
    session.expire_all()
    assert session.query(StatementInvitation).one().state == "pending"


def test_a_taken_back_invitation_is_refused(session, vault, settings, client) -> None:  # type: ignore[no-untyped-def]
    org, staff, _contact, token = _invited(session, vault, settings)
    csrf = csrf_from(client.get(f"/l/{token}").text)
    invitation = session.query(StatementInvitation).one()
    service.revoke_invitation(
        session,
        org_id=org.id,
        invitation_id=invitation.id,
        actor_user_id=staff.user.id,
        now=utcnow(),
    )
    session.commit()
    assert client.get(f"/l/{token}").status_code == 404
    assert _sign(client, token, csrf).status_code == 404
    session.expire_all()
    assert session.query(StatementInvitation).one().signed_at is None


def test_a_report_form_keeps_the_text_and_can_be_corrected(
    session, vault, settings, client
) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    staff = make_staff(session, org, "coordinator")
    contact = make_contact(session, org, "Ana", "Andes Mining SA", language="pt")
    space = dialogues.save_space(
        session,
        org_id=org.id,
        name="Roundtable",
        description="",
        region="",
        actor_user_id=staff.user.id,
    )
    dialogues.add_member(
        session,
        org_id=org.id,
        space_id=space.id,
        contact_id=contact.id,
        public_name="",
        actor_user_id=staff.user.id,
    )
    dialogues.open_period(
        session,
        vault,
        settings,
        actor=actor(org, user_id=staff.user.id),
        space_id=space.id,
        label="2026-Q4",
        now=utcnow(),
    )
    session.commit()
    token = token_in(mails_to(session, vault, contact)[0])
    form = client.get(f"/l/{token}")
    assert form.status_code == 200
    assert form.headers["Content-Language"] == "pt"
    assert "2026-Q4" in form.text
    csrf = csrf_from(form.text)
    too_long = "We trained guards. " * 600  # over 10,000 characters
    refused = client.post(f"/l/{token}", data={"csrf_token": csrf, "message": too_long})
    assert refused.status_code == 422
    assert "We trained guards. We trained guards." in refused.text
    sent = client.post(f"/l/{token}", data={"csrf_token": csrf, "message": "We trained guards."})
    assert sent.status_code == 200
    again = client.get(f"/l/{token}")
    assert "We trained guards." in again.text  # shown for correction until published
    session.expire_all()
    assert session.query(DialogueReport).one().state == "submitted"
