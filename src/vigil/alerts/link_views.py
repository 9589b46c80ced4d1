"""``/l/{token}``: the pages a recipient without an account reaches from an alert.

- GET only shows the link's single action with a button (mail scanners prefetch links, so a
  GET never changes anything); POST does it. What a POST does comes from the link's stored
  purpose, never from the request: a form field cannot turn an acknowledgement into anything
  else.
- Pages are plain HTML forms (no script, nothing from another host), in the contact's
  language when the link is about a contact, else in the visitor's.
- Unknown, expired and revoked links all get the same friendly 404 page. Invalid tokens are
  not throttled: a token is 256 random bits, so guessing is hopeless, and with no client
  address to key a counter by, a shared counter would only let anyone lock every recipient
  out of their links.
- RFC 8058 one-click unsubscribe: a mail provider's POST ``List-Unsubscribe=One-Click`` comes
  without a CSRF token. ``web/csrf.py`` lets exactly that request through, marked; here it is
  refused (403) unless the link is an unsubscribe link.
- A used response link gets the invalid-link page (single use); a request for information
  beyond the day's number comes back with what was typed and HTTP 429 (``link_limits``).

Staff side: ``POST /staff/alerts/{id}/links/revoke`` withdraws an alert's links.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.accounts.deps import Staff, require_writer
from vigil.alerts import checkin_views
from vigil.alerts.link_limits import LinkLimitReached
from vigil.alerts.links import (
    MAX_RESPONSE,
    acknowledge,
    is_acknowledged,
    link_contact,
    record_response,
    resolve_link,
    revoke_alert_links,
    unsubscribe,
)
from vigil.alerts.models import Contact, LinkPurpose, SignedLink
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import LOCALES, current_locale
from vigil.core.i18n import gettext as _
from vigil.organisations.models import Organisation
from vigil.web.csrf import CSRF_REFUSED
from vigil.web.deps import AppSettings, DbSession, ObjectId, RequestVault
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


@contextmanager
def contact_locale(contact: Contact | None) -> Iterator[str]:
    """Render in the contact's language (the middleware chose the visitor's; the message they
    received was in theirs, so the page they land on should be too)."""
    language = contact.language if contact is not None else None
    if language not in LOCALES:
        yield current_locale.get()
        return
    token = current_locale.set(language)
    try:
        yield language
    finally:
        current_locale.reset(token)


def invalid_link_page(request: Request) -> Response:
    return render(request, "alerts/link_invalid.html", {}, 404)


def _page(
    request: Request,
    session: DbSession,
    link: SignedLink,
    name: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    contact = link_contact(session, link)
    organisation = session.get(Organisation, link.organisation_id)
    with contact_locale(contact) as language:
        response = render(
            request,
            f"alerts/{name}",
            {
                "purpose": link.purpose,
                "organisation_name": organisation.name if organisation else "",
                "action_path": request.url.path,
                **context,
            },
            status,
        )
    response.headers["Content-Language"] = language
    return response


def _done(request: Request, session: DbSession, link: SignedLink, message: str) -> Response:
    return _page(request, session, link, "link_done.html", {"message": message})


@router.get("/l/{token}", name="links.show")
def show_link(request: Request, session: DbSession, settings: AppSettings, token: str) -> Response:
    try:
        link = resolve_link(session, settings, token, now=utcnow())
    except NotFound:
        return invalid_link_page(request)
    if link.purpose == LinkPurpose.check_in:
        return checkin_views.link_page(request)
    if link.purpose == LinkPurpose.acknowledge:
        try:
            already = is_acknowledged(session, link)
        except NotFound:
            return invalid_link_page(request)
        return _page(request, session, link, "link_acknowledge.html", {"already": already})
    if link.purpose == LinkPurpose.unsubscribe:
        contact = link_contact(session, link)
        already = contact is not None and contact.opted_out_at is not None
        return _page(request, session, link, "link_unsubscribe.html", {"already": already})
    return _page(
        request, session, link, "link_message.html", {"max_length": MAX_RESPONSE, "text": ""}
    )


@router.post("/l/{token}", name="links.act")
def use_link(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    vault: RequestVault,
    token: str,
    message: Annotated[str, Form(max_length=2 * MAX_RESPONSE)] = "",
    answer: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    now = utcnow()
    try:
        link = resolve_link(session, settings, token, now=now)
    except NotFound:
        return invalid_link_page(request)
    one_click = getattr(request.state, "one_click_unsubscribe", False)
    if one_click and link.purpose != LinkPurpose.unsubscribe:
        raise HTTPException(status_code=403, detail=CSRF_REFUSED)
    try:
        if link.purpose == LinkPurpose.check_in:
            return checkin_views.link_answer(request, session, settings, link, answer, now)
        if link.purpose == LinkPurpose.acknowledge:
            first = acknowledge(session, link=link, now=now)
            return _done(
                request,
                session,
                link,
                _("Thank you: your acknowledgement was recorded.")
                if first
                else _("This alert was already acknowledged. Thank you."),
            )
        if link.purpose == LinkPurpose.unsubscribe:
            first = unsubscribe(session, link=link, now=now, one_click=one_click)
            return _done(
                request,
                session,
                link,
                _("You are unsubscribed: you will receive no more alerts from us.")
                if first
                else _("You were already unsubscribed."),
            )
    except NotFound:
        return invalid_link_page(request)
    try:
        record_response(session, settings, vault, link=link, body=message, now=now)
    except NotFound:
        return invalid_link_page(request)
    except LinkLimitReached:
        error = _("You have sent as many requests as a day allows. Please try again tomorrow.")
        context = {"max_length": MAX_RESPONSE, "text": message, "error": error}
        return _page(request, session, link, "link_message.html", context, 429)
    except Invalid:  # the service speaks English; the recipient's page does not
        error = (
            _("Please keep your message under %(n)s characters.") % {"n": MAX_RESPONSE}
            if message.strip()
            else _("Please write your message.")
        )
        context = {"max_length": MAX_RESPONSE, "text": message, "error": error}
        return _page(request, session, link, "link_message.html", context, 422)
    return _done(request, session, link, _("Thank you: your message was sent to the team."))


@router.post("/staff/alerts/{alert_id}/links/revoke", name="links.revoke")
def revoke(
    session: DbSession,
    staff: Writer,
    alert_id: ObjectId,
    contact: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Withdraw every link of the alert, or only those of one contact."""
    contact_id = None
    if contact.strip():
        if not contact.strip().isdigit() or not 0 < int(contact.strip()) < 2**31:
            raise Invalid("Choose a contact of this alert.")
        contact_id = int(contact.strip())
    alert, _count = revoke_alert_links(
        session,
        org_id=staff.organisation_id,
        alert_id=alert_id,
        contact_id=contact_id,
        actor_user_id=staff.user_id,
        now=utcnow(),
    )
    return RedirectResponse(
        f"/staff/incidents/{alert.incident_id}/alerts?done=links_revoked", status_code=303
    )
