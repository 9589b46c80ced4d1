"""Staff sign-in, sign-out and enrolment pages (HTML forms that work without JavaScript)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from starlette.responses import Response

from vigil.accounts.service import complete_enrolment, get_open_enrolment
from vigil.accounts.signin import check_code, check_password, end_session
from vigil.core.db import utcnow
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.security import totp_uri
from vigil.surfaces.gate import signin_policy
from vigil.web.clients import client_key
from vigil.web.cookies import (
    PENDING_SIGNIN_COOKIE,
    SESSION_COOKIE,
    clear_private_cookie,
    read_cookie,
    set_private_cookie,
)
from vigil.web.deps import AppSettings, DbSession, RequestVault, safe_next
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
#: Where staff land after signing in: what needs them now (``now.py``).
LANDING = "/staff/now"


@router.get("/login", name="accounts.login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "staff/accounts/login.html", {"next": safe_next(next, LANDING)})


@router.post("/login", name="accounts.login_submit")
def login_submit(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = LANDING,
) -> Response:
    policy = signin_policy(request.app.state.settings)
    try:
        half = check_password(
            session,
            policy=policy,
            email=email,
            password=password,
            client=client_key(request),
            now=utcnow(),
        )
    except (Invalid, Forbidden) as error:
        return render(
            request,
            "staff/accounts/login.html",
            {"error": str(error), "email": email, "next": safe_next(next)},
            400,
        )
    response = RedirectResponse(
        "/login/code?" + urlencode({"next": safe_next(next)}), status_code=303
    )
    settings = request.app.state.settings
    set_private_cookie(response, settings, PENDING_SIGNIN_COOKIE, half.token, 600)  # type: ignore[attr-defined]
    return response


@router.get("/login/code", name="accounts.code")
def code_form(request: Request, next: str | None = None) -> Response:
    if not read_cookie(request, PENDING_SIGNIN_COOKIE):
        return RedirectResponse("/login", status_code=303)
    return render(request, "staff/accounts/code.html", {"next": safe_next(next, LANDING)})


@router.post("/login/code", name="accounts.code_submit")
def code_submit(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    settings: AppSettings,
    code: Annotated[str, Form(max_length=20)],
    next: Annotated[str, Form()] = LANDING,
) -> Response:
    try:
        full = check_code(
            session,
            policy=signin_policy(settings),
            vault=vault,
            token=read_cookie(request, PENDING_SIGNIN_COOKIE) or "",
            code=code,
            client=client_key(request),
            now=utcnow(),
        )
    except Invalid as error:
        return render(request, "staff/accounts/code.html", {"error": str(error), "next": next}, 400)
    except Forbidden as error:
        response = render(
            request,
            "staff/accounts/login.html",
            {"error": str(error), "next": safe_next(next)},
            400,
        )
        clear_private_cookie(response, settings, PENDING_SIGNIN_COOKIE)
        return response
    response = RedirectResponse(safe_next(next, LANDING), status_code=303)
    clear_private_cookie(response, settings, PENDING_SIGNIN_COOKIE)
    set_private_cookie(
        response,
        settings,
        SESSION_COOKIE,
        full.token,  # type: ignore[attr-defined]
        settings.session_max_hours * 3600,
    )
    return response


@router.post("/logout", name="accounts.logout")
def logout(request: Request, session: DbSession) -> Response:
    end_session(session, token=read_cookie(request, SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    clear_private_cookie(response, request.app.state.settings, SESSION_COOKIE)
    return response


def _enrolment_page(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    token: str,
    error: str | None = None,
    status: int = 200,
) -> Response:
    try:
        enrolment, secret = get_open_enrolment(session, vault=vault, token=token, now=utcnow())
    except NotFound as missing:
        return render(request, "staff/accounts/enrol_invalid.html", {"error": str(missing)}, 404)
    qr = segno.make(totp_uri(secret, enrolment.user.email), error="m")
    return render(
        request,
        "staff/accounts/enrol.html",
        {
            "email": enrolment.user.email,
            "secret": secret,
            "qr_svg": Markup(qr.svg_inline(scale=4, title="TOTP")),  # noqa: S704 (segno output)
            "error": error,
        },
        status,
    )


@router.get("/enrol/{token}", name="accounts.enrol")
def enrol_form(request: Request, session: DbSession, vault: RequestVault, token: str) -> Response:
    return _enrolment_page(request, session, vault, token)


@router.post("/enrol/{token}", name="accounts.enrol_submit")
def enrol_submit(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    token: str,
    password: Annotated[str, Form(max_length=1024)],
    password_confirmation: Annotated[str, Form(max_length=1024)],
    code: Annotated[str, Form(max_length=20)],
) -> Response:
    try:
        complete_enrolment(
            session,
            vault=vault,
            token=token,
            password=password,
            password_confirmation=password_confirmation,
            code=code,
            now=utcnow(),
        )
    except Invalid as error:
        return _enrolment_page(request, session, vault, token, str(error), 400)
    except NotFound as missing:
        return render(request, "staff/accounts/enrol_invalid.html", {"error": str(missing)}, 404)
    return render(request, "staff/accounts/enrolled.html")
