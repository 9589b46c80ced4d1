"""The co-signing and dialogue-report links ``/l/{token}`` (dispatched here by
``surfaces.link.pages``, which passes its page renderer so these pages speak the contact's
language and carry the same frame).

- Co-signing: the page shows the statement and a form to sign as an organisation (the name to
  publish, and the signer's name and title, which stay internal) or to decline; a signatory
  can withdraw until the statement is published.
- Reporting: a plain form for the member's report; any refusal returns the form with the text
  as typed, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from vigil.contacts.models import Contact
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import gettext as _
from vigil.links.models import SignedLink
from vigil.links.service import record_use
from vigil.statements.common import MAX_NAME, MAX_REPORT, MAX_TITLE
from vigil.statements.dialogues import report_for_link, submit_report
from vigil.statements.models import InvitationState, ReportState, StatementState
from vigil.statements.service import answer_invitation, invitation_for_link

#: ``pages._page``: (request, session, link, template, context, status) → Response.
Page = Callable[..., Response]


@dataclass(frozen=True)
class Signature:
    """What a co-signing form carries."""

    stance: str = ""
    signed_as: str = ""
    name: str = ""
    title: str = ""


def _cosign_context(session: Session, link: SignedLink, typed: Signature | None) -> dict:
    invitation, statement = invitation_for_link(session, link.id)
    if typed is None:
        contact = session.get(Contact, invitation.contact_id)
        typed = Signature(
            signed_as=invitation.signed_as or (contact.organisation_name if contact else ""),
            name=invitation.signer_name,
            title=invitation.signer_title,
        )
    return {
        "statement": statement,
        "invitation": invitation,
        "open": statement.state == StatementState.draft,
        "signed": invitation.state == InvitationState.signed,
        "typed": typed,
        "max_title": MAX_TITLE,
        "max_name": MAX_NAME,
    }


def show_cosign(request: Request, session: Session, link: SignedLink, page: Page) -> Response:
    return page(request, session, link, "cosign.html", _cosign_context(session, link, None))


def act_cosign(
    request: Request,
    session: Session,
    link: SignedLink,
    page: Page,
    typed: Signature,
    now: datetime,
) -> Response:
    invitation, _statement = invitation_for_link(session, link.id)
    try:
        answer_invitation(
            session,
            invitation,
            stance=typed.stance,
            signed_as=typed.signed_as,
            signer_name=typed.name,
            signer_title=typed.title,
            now=now,
        )
    except Conflict:
        message = _("This statement can no longer be signed or changed.")
        return page(request, session, link, "done.html", {"message": message}, 409)
    except Invalid as problem:
        context: dict[str, Any] = _cosign_context(session, link, typed)
        context["error"] = _(str(problem))
        return page(request, session, link, "cosign.html", context, 422)
    record_use(session, link, now=now, action=typed.stance)
    messages = {
        "sign": _("Thank you: your organisation's signature was recorded."),
        "decline": _("Thank you: we recorded that your organisation declines to sign."),
        "withdraw": _("Your organisation's signature was withdrawn."),
    }
    return page(request, session, link, "done.html", {"message": messages[typed.stance]})


def _report_context(session: Session, link: SignedLink, text: str | None) -> dict:
    report, period, space = report_for_link(session, link.id)
    return {
        "space": space,
        "period": period,
        "report": report,
        "open": report.state in (ReportState.requested, ReportState.submitted),
        "text": report.body if text is None else text,
        "max_length": MAX_REPORT,
    }


def show_report(request: Request, session: Session, link: SignedLink, page: Page) -> Response:
    return page(request, session, link, "report.html", _report_context(session, link, None))


def act_report(
    request: Request, session: Session, link: SignedLink, page: Page, text: str, now: datetime
) -> Response:
    report, _period, _space = report_for_link(session, link.id)
    try:
        submit_report(session, report, body=text, now=now)
    except Conflict:
        message = _("This report was already reviewed; it can no longer be changed.")
        return page(request, session, link, "done.html", {"message": message}, 409)
    except Invalid:
        context = _report_context(session, link, text)
        context["error"] = (
            _("Please keep your report under %(n)s characters.") % {"n": MAX_REPORT}
            if text.strip()
            else _("Please write your report.")
        )
        return page(request, session, link, "report.html", context, 422)
    record_use(session, link, now=now, action="report")
    message = _("Thank you: your report was sent. You can correct it until it is published.")
    return page(request, session, link, "done.html", {"message": message})
