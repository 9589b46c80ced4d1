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
  beyond the day's number comes back with what was typed and HTTP 429
  (``alerts.recipient_actions``).
- The pages of an alert's links say which alert they are about (``alerts.responder``: the
  case reference, the date, the company, the deadline; nothing about the defender). The
  response form also takes the responder's name and title, one file (cleaned like a
  reporter's, before the link is used: a refused file returns the form as typed) and whether
  the response may be published.

- The token is this surface's gate; the link's stored purpose picks the page from one table
  (:data:`SHOW` for GET, :data:`ACT` for POST). A purpose with no entry gets the invalid-link
  page: nothing falls through to another purpose's action.

Staff side (in the staff surface): ``POST /staff/alerts/{id}/links/revoke``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from sqlalchemy.orm import Session
from starlette.responses import Response

from vigil.alerts.recipient_actions import (
    MAX_RESPONSE,
    LinkLimitReached,
    acknowledge,
    is_acknowledged,
    link_contact,
    record_response,
    unsubscribe,
)
from vigil.alerts.responder import (
    MAX_RESPONDER_NAME,
    MAX_RESPONDER_TITLE,
    Responder,
    add_response_details,
    alert_summary,
    check_responder,
)
from vigil.contacts.models import Contact
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import LOCALES, current_locale
from vigil.core.i18n import gettext as _
from vigil.intake.attachments import CleaningLimits, RejectedFile, sanitise
from vigil.intake.choices import rejection_message
from vigil.links.models import LinkPurpose, SignedLink
from vigil.links.service import resolve_link
from vigil.organisations.models import Organisation
from vigil.surfaces.link import checkin, reply
from vigil.surfaces.link import statements as statement_links
from vigil.web.csrf import CSRF_REFUSED
from vigil.web.deps import AppSettings, DbSession, RequestVault, get_vault
from vigil.web.templating import render, show_times_in

router = APIRouter(include_in_schema=False)
#: The purposes whose page says which alert it is about.
ABOUT_THE_ALERT = (LinkPurpose.acknowledge, LinkPurpose.request_info, LinkPurpose.respond)


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
    return render(request, "link/invalid.html", {}, 404)


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
    show_times_in(request, organisation.time_zone if organisation else None)
    about = None
    if link.purpose in ABOUT_THE_ALERT:
        about = alert_summary(session, get_vault(request, session), link)
    with contact_locale(contact) as language:
        response = render(
            request,
            f"link/{name}",
            {
                "purpose": link.purpose,
                "organisation_name": organisation.name if organisation else "",
                "action_path": request.url.path,
                "about": about,
                **context,
            },
            status,
        )
    response.headers["Content-Language"] = language
    return response


def _done(request: Request, session: Session, link: SignedLink, message: str) -> Response:
    return _page(request, session, link, "done.html", {"message": message})


@dataclass(frozen=True)
class LinkVisit:
    """A request on a resolved link: the token was the gate, ``link.purpose`` picks the page."""

    request: Request
    session: Session
    settings: Settings
    link: SignedLink
    now: datetime


@dataclass(frozen=True)
class LinkForm:
    """What a POST on a link carries (each purpose reads only its own field)."""

    vault: Vault
    message: str
    answer: str
    one_click: bool
    declined: bool = False  # a response that declines to act (not substantive)
    responder: Responder = field(default_factory=Responder)
    upload: UploadFile | None = None
    stance: str = ""  # the stance as chosen (a co-signer signs, declines or withdraws)
    organisation_name: str = ""  # a co-signing organisation's name as it is to be published


def _show_check_in(visit: LinkVisit) -> Response:
    return checkin.link_page(visit.request)


def _show_acknowledge(visit: LinkVisit) -> Response:
    already = is_acknowledged(visit.session, visit.link)
    return _page(visit.request, visit.session, visit.link, "acknowledge.html", {"already": already})


def _show_unsubscribe(visit: LinkVisit) -> Response:
    contact = link_contact(visit.session, visit.link)
    already = contact is not None and contact.opted_out_at is not None
    return _page(visit.request, visit.session, visit.link, "unsubscribe.html", {"already": already})


def _message_context(text: str = "", responder: Responder | None = None, **more: Any) -> dict:
    return {
        "max_length": MAX_RESPONSE,
        "max_name": MAX_RESPONDER_NAME,
        "max_title": MAX_RESPONDER_TITLE,
        "text": text,
        "responder": responder or Responder(),
        **more,
    }


def _show_message(visit: LinkVisit) -> Response:
    return _page(visit.request, visit.session, visit.link, "message.html", _message_context())


def _show_reply(visit: LinkVisit) -> Response:
    return reply.show(visit, _page)


def _show_cosign(visit: LinkVisit) -> Response:
    return statement_links.show_cosign(visit.request, visit.session, visit.link, _page)


def _show_report(visit: LinkVisit) -> Response:
    return statement_links.show_report(visit.request, visit.session, visit.link, _page)


#: What GET shows for each purpose. A purpose missing here gets the invalid-link page, never
#: another purpose's page (tests/surfaces/link/test_purposes.py checks every purpose is here).
SHOW: dict[str, Callable[[LinkVisit], Response]] = {
    LinkPurpose.check_in: _show_check_in,
    LinkPurpose.acknowledge: _show_acknowledge,
    LinkPurpose.unsubscribe: _show_unsubscribe,
    LinkPurpose.request_info: _show_message,
    LinkPurpose.respond: _show_message,
    LinkPurpose.reply: _show_reply,
    LinkPurpose.cosign: _show_cosign,
    LinkPurpose.dialogue_report: _show_report,
}


def _visit(request: Request, session: Session, settings: Settings, token: str) -> LinkVisit | None:
    """The link surface's gate: a valid, unexpired, unrevoked token, or nothing."""
    now = utcnow()
    try:
        link = resolve_link(session, settings, token, now=now)
    except NotFound:
        return None
    return LinkVisit(request=request, session=session, settings=settings, link=link, now=now)


@router.get("/l/{token}", name="links.show")
def show_link(request: Request, session: DbSession, settings: AppSettings, token: str) -> Response:
    visit = _visit(request, session, settings, token)
    page = SHOW.get(visit.link.purpose) if visit else None
    if visit is None or page is None:
        return invalid_link_page(request)
    try:
        return page(visit)
    except NotFound:
        return invalid_link_page(request)


def _act_check_in(visit: LinkVisit, form: LinkForm) -> Response:
    return checkin.link_answer(
        visit.request, visit.session, visit.settings, visit.link, form.answer, visit.now
    )


def _act_acknowledge(visit: LinkVisit, _form: LinkForm) -> Response:
    first = acknowledge(visit.session, link=visit.link, now=visit.now)
    message = (
        _("Thank you: your acknowledgement was recorded.")
        if first
        else _("This alert was already acknowledged. Thank you.")
    )
    return _done(visit.request, visit.session, visit.link, message)


def _act_unsubscribe(visit: LinkVisit, form: LinkForm) -> Response:
    first = unsubscribe(visit.session, link=visit.link, now=visit.now, one_click=form.one_click)
    message = (
        _("You are unsubscribed: you will receive no more alerts from us.")
        if first
        else _("You were already unsubscribed.")
    )
    return _done(visit.request, visit.session, visit.link, message)


def _responder(visit: LinkVisit, form: LinkForm) -> tuple[Responder, str | None]:
    """The responder's details with their file cleaned (slow, and before anything is written
    or the single-use link is used), and the reason they cannot be taken, if any."""
    if visit.link.purpose != LinkPurpose.respond:
        return Responder(), None
    try:
        responder = check_responder(form.responder)
    except Invalid:
        error = _("Please keep your name and your title under %(n)s characters each.")
        return form.responder, error % {"n": MAX_RESPONDER_NAME}
    upload = form.upload
    if upload is None or not (upload.filename or upload.size):
        return responder, None
    settings = visit.settings
    try:
        clean = sanitise(
            upload.file.read(settings.attachment_max_bytes + 1),
            filename=None,
            max_bytes=settings.attachment_max_bytes,
            limits=CleaningLimits.from_settings(settings),
        )
    except RejectedFile as rejected:
        again = _("Your text was kept: choose a file again, or send without one.")
        return responder, f"{rejection_message(rejected.code)} {again}"
    return Responder(responder.name, responder.title, responder.may_publish, clean), None


def _act_message(visit: LinkVisit, form: LinkForm) -> Response:
    request, session, link = visit.request, visit.session, visit.link
    responder, problem = _responder(visit, form)

    def again(error: str, status: int) -> Response:
        context = _message_context(
            form.message, form.responder, error=error, declined=form.declined
        )
        return _page(request, session, link, "message.html", context, status)

    if problem:
        return again(problem, 422)
    try:
        response = record_response(
            session,
            visit.settings,
            form.vault,
            link=link,
            body=form.message,
            now=visit.now,
            declined=form.declined,
        )
    except LinkLimitReached:
        return again(
            _("You have sent as many requests as a day allows. Please try again tomorrow."), 429
        )
    except Invalid:  # the service speaks English; the recipient's page does not
        error = (
            _("Please keep your message under %(n)s characters.") % {"n": MAX_RESPONSE}
            if form.message.strip()
            else _("Please write your message.")
        )
        return again(error, 422)
    if link.purpose == LinkPurpose.respond:
        add_response_details(session, form.vault, response=response, responder=responder)
    return _done(request, session, link, _("Thank you: your message was sent to the team."))


def _act_reply(visit: LinkVisit, form: LinkForm) -> Response:
    name, title = form.responder.name, form.responder.title
    return reply.act(visit, form.message, name, title, _page)


def _act_cosign(visit: LinkVisit, form: LinkForm) -> Response:
    signature = statement_links.Signature(
        stance=form.stance,
        signed_as=form.organisation_name,
        name=form.responder.name,
        title=form.responder.title,
    )
    return statement_links.act_cosign(
        visit.request, visit.session, visit.link, _page, signature, visit.now
    )


def _act_report(visit: LinkVisit, form: LinkForm) -> Response:
    return statement_links.act_report(
        visit.request, visit.session, visit.link, _page, form.message, visit.now
    )


#: What POST does for each purpose: the stored purpose decides, never a form field.
ACT: dict[str, Callable[[LinkVisit, LinkForm], Response]] = {
    LinkPurpose.check_in: _act_check_in,
    LinkPurpose.acknowledge: _act_acknowledge,
    LinkPurpose.unsubscribe: _act_unsubscribe,
    LinkPurpose.request_info: _act_message,
    LinkPurpose.respond: _act_message,
    LinkPurpose.reply: _act_reply,
    LinkPurpose.cosign: _act_cosign,
    LinkPurpose.dialogue_report: _act_report,
}


@router.post("/l/{token}", name="links.act")
def use_link(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    vault: RequestVault,
    token: str,
    message: Annotated[str, Form(max_length=2 * MAX_RESPONSE)] = "",
    answer: Annotated[str, Form(max_length=10)] = "",
    stance: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=5 * MAX_RESPONDER_NAME)] = "",
    title: Annotated[str, Form(max_length=5 * MAX_RESPONDER_TITLE)] = "",
    publish: Annotated[str, Form(max_length=10)] = "",
    attachment: Annotated[UploadFile | None, File()] = None,
    organisation_name: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    visit = _visit(request, session, settings, token)
    action = ACT.get(visit.link.purpose) if visit else None
    if visit is None or action is None:
        return invalid_link_page(request)
    one_click = getattr(request.state, "one_click_unsubscribe", False)
    if one_click and visit.link.purpose != LinkPurpose.unsubscribe:
        raise HTTPException(status_code=403, detail=CSRF_REFUSED)
    form = LinkForm(
        vault=vault,
        message=message,
        answer=answer,
        one_click=one_click,
        declined=stance == "declined",
        responder=Responder(name=name, title=title, may_publish=publish == "yes"),
        upload=attachment,
        stance=stance,
        organisation_name=organisation_name,
    )
    try:
        return action(visit, form)
    except NotFound:
        return invalid_link_page(request)
