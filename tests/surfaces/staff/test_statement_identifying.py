"""The staff statement page refuses to publish a text that names a victim of the
organisation's incidents: it says why, shows what was found, and keeps the text as written."""

from __future__ import annotations

import re
from html import unescape

from tests.factories import make_incident
from tests.statements.support import mails_to, token_in
from tests.surfaces.staff.test_statements import DRAFT, _draft_with_invitees, post
from vigil.core.db import utcnow
from vigil.links.service import resolve_link
from vigil.statements import service
from vigil.statements.models import Statement, StatementState


def test_publishing_a_text_naming_a_victim_shows_what_was_found(
    session, vault, settings, client
) -> None:  # type: ignore[no-untyped-def]
    org, _coordinator, (signer, _d, _s), page, statement_id = _draft_with_invitees(session, client)
    body = "We stand with Hidden Name and the water defenders."
    assert post(client, page, page, {**DRAFT, "body": body}).status_code == 303
    sent = post(client, page, f"{page}/send", {})
    assert sent.status_code == 303
    link = resolve_link(
        session, settings, token_in(mails_to(session, vault, signer)[-1]), now=utcnow()
    )
    invitation, _row = service.invitation_for_link(session, link.id)
    service.answer_invitation(
        session,
        invitation,
        stance="sign",
        signed_as="Andes Mining S.A.",
        signer_name="A",
        now=utcnow(),
    )
    make_incident(session, org, vault=vault)  # its victim is "Hidden Name", in Colombia
    session.commit()

    refused = post(client, page, f"{page}/publish", {})
    assert refused.status_code == 422
    text = unescape(refused.text)
    assert "could identify a defender" in text
    found = re.search(r'id="identifying-found">(.*?)</div>', text, re.S)
    assert found and "hidden name" in found.group(1)
    assert body in text  # the text is kept as written
    session.expire_all()
    assert session.get(Statement, statement_id).state == StatementState.draft
