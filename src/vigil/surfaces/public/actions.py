"""Public urgent action pages: the list, one action, the "I took action" counter and
subscriptions (double opt-in, unsubscribe). Forms are plain POSTs that redirect (JavaScript
off works); nothing about the visitor is stored. Facts come from the action's register row
(``vigil.urgent_actions.reading``), never from the case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import N_, current_locale, gettext
from vigil.surfaces.public.sharing import share_for
from vigil.urgent_actions.labels import CLOSURE_REASONS
from vigil.urgent_actions.models import ActionStatus, ScopeKind
from vigil.urgent_actions.reading import (
    NoLongerPublic,
    attack_types,
    count_action_taken,
    public_action,
    public_actions,
)
from vigil.urgent_actions.subscriptions import (
    checked_scope,
    confirm_subscription,
    subscribe,
    unsubscribe,
)
from vigil.web.deps import DbSession, RequestVault
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
NOTICES = {
    "counted": N_("Thank you: your action is counted."),
    "busy": N_("Thank you. Many people acted this hour; your action was not added to the counter."),
    "subscribed": N_("Check your inbox: follow the link in the message to confirm."),
    "busy_subscribe": N_("Too many requests this hour. Please try again later."),
}


def _base_url(request: Request) -> str:
    return str(request.app.state.settings.base_url).rstrip("/")


@router.get("/actions", name="public.actions")
def list_actions(request: Request, session: DbSession) -> Response:
    return render(request, "public/actions/list.html", {"actions": public_actions(session)})


def _show(
    request: Request, session: DbSession, slug: str, *, error: str = "", status_code: int = 200
) -> Response:
    action = public_action(session, slug=slug)
    incident = action.public_incident
    title = gettext("Urgent action %(code)s: %(title)s") % {
        "code": action.code,
        "title": incident.title,
    }
    locale = current_locale.get()
    letter_lang = locale if locale in action.letters else next(iter(action.letters), "")
    context = {
        "action": action,
        "incident": incident,
        "attack_types": attack_types(session, action, locale=locale),
        "letter_lang": letter_lang,
        "closure_label": CLOSURE_REASONS.get(action.closure_reason or "", ""),
        "is_open": action.status == ActionStatus.published,
        "notice": gettext(NOTICES[done])
        if (done := request.query_params.get("done", "")) in NOTICES
        else "",
        "error": error,
        "share": share_for(
            request,
            title=title,
            description=incident.summary or title,
            path=f"/actions/{action.slug}",
        ),
    }
    return render(request, "public/actions/read.html", context, status_code)


@router.get("/actions/{slug}", name="public.action")
def show_action(request: Request, session: DbSession, slug: str) -> Response:
    try:
        return _show(request, session, slug)
    except NoLongerPublic as gone:  # withdrawn: say so, and nothing of the case (410)
        context = {"status": 410, "message": gettext(str(gone))}
        return render(request, "error.html", context, 410)


@router.post("/actions/{slug}/took-action", name="public.action_taken")
def took_action(request: Request, session: DbSession, slug: str) -> Response:
    action = public_action(session, slug=slug)
    counted = count_action_taken(session, secret=request.app.state.settings.secret, action=action)
    session.commit()
    done = "counted" if counted else "busy"
    return RedirectResponse(f"/actions/{action.slug}?done={done}#counter", status_code=303)


@router.post("/actions/{slug}/subscribe", name="public.action_subscribe")
def subscribe_to(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    slug: str,
    email: Annotated[str, Form(max_length=254)],
    follow: Annotated[str, Form(max_length=80)] = ScopeKind.case,
) -> Response:
    action = public_action(session, slug=slug)
    kind, _, value = follow.partition(":")
    if kind == ScopeKind.case:
        value = str(action.id)
    try:
        scope = checked_scope(kind, value)
        ok = subscribe(
            session,
            vault,
            secret=request.app.state.settings.secret,
            email=email,
            scope=scope,
            language=current_locale.get(),
            base_url=_base_url(request),
        )
    except Invalid as error:  # refused before anything was written
        return _show(request, session, slug, error=gettext(str(error)), status_code=422)
    session.commit()
    done = "subscribed" if ok else "busy_subscribe"
    return RedirectResponse(f"/actions/{action.slug}?done={done}#follow", status_code=303)


def _token_page(
    request: Request, *, kind: str, token: str, done: bool = False, status_code: int = 200
) -> Response:
    context = {"kind": kind, "token": token, "done": done}
    return render(request, "public/actions/token.html", context, status_code)


@router.get("/actions/confirm/{token}", name="public.subscription_confirm_form")
def confirm_form(request: Request, token: str) -> Response:
    """A button, not an action: mail scanners that open links must not confirm."""
    return _token_page(request, kind="confirm", token=token)


@router.post("/actions/confirm/{token}", name="public.subscription_confirm")
def confirm(request: Request, session: DbSession, token: str) -> Response:
    confirm_subscription(session, token=token)
    session.commit()
    return _token_page(request, kind="confirm", token=token, done=True)


@router.get("/actions/unsubscribe/{token}", name="public.unsubscribe_form")
def unsubscribe_form(request: Request, token: str) -> Response:
    return _token_page(request, kind="unsubscribe", token=token)


@router.post("/actions/unsubscribe/{token}", name="public.unsubscribe")
def unsubscribe_now(
    request: Request, session: DbSession, vault: RequestVault, token: str
) -> Response:
    try:
        unsubscribe(session, vault, secret=request.app.state.settings.secret, token=token)
    except NotFound:
        return _token_page(request, kind="unsubscribe", token=token, done=True)
    session.commit()
    return _token_page(request, kind="unsubscribe", token=token, done=True)
