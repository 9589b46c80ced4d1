"""CSRF protection for every state-changing request of every surface.

A form carries ``csrf_token`` (HTMX and JSON clients send the ``X-CSRF-Token`` header); both
must match the HMAC of this browser's random cookie *and* of the staff session cookie it
carries, if any. So once a member of staff signs in, a token issued before (or in another
session) is refused: a token that leaked from a public page or a fixated browser cookie buys
nothing against the staff session. Both cookies carry the ``__Host-`` prefix
(``web.cookies``). Applied as a router-level dependency in ``app.py`` so a new route cannot
forget it.

One narrow exception: RFC 8058 one-click unsubscribe. Mail providers POST
``List-Unsubscribe=One-Click`` to the link in the ``List-Unsubscribe`` header without a cookie or
a token; there the capability is the unguessable token in the URL itself. Only a POST to a
signed-link path (``/l/<token>``) whose form says exactly that and carries no CSRF token is let
through, and it is *marked* (``request.state.one_click_unsubscribe``): the signed-link view
refuses it with 403 unless the link's stored purpose is ``unsubscribe``.
"""

from __future__ import annotations

import re

from fastapi import HTTPException, Request

from vigil.core.security import csrf_token_for, csrf_token_valid
from vigil.web.cookies import BROWSER_COOKIE, SESSION_COOKIE, read_cookie

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SIGNED_LINK_PATH = re.compile(r"/l/[A-Za-z0-9_-]{20,100}")
CSRF_REFUSED = "This form has expired or was not sent from Vigil. Reload the page and try again."


async def csrf_protect(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    submitted = request.headers.get("x-csrf-token")
    if submitted is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            submitted = value if isinstance(value, str) else None
            if (
                submitted is None
                and request.method == "POST"
                and SIGNED_LINK_PATH.fullmatch(request.url.path)
                and form.get("List-Unsubscribe") == "One-Click"
            ):
                request.state.one_click_unsubscribe = True  # checked by surfaces/link/pages.py
                return
    browser_token = read_cookie(request, BROWSER_COOKIE)
    session_token = read_cookie(request, SESSION_COOKIE)
    if not csrf_token_valid(
        request.app.state.settings.secret, browser_token, submitted, session_token
    ):
        raise HTTPException(status_code=403, detail=CSRF_REFUSED)


def csrf_token(request: Request) -> str:
    """The token this page's forms carry: bound to the browser and to its staff session."""
    return csrf_token_for(
        request.app.state.settings.secret,
        request.state.browser_token,
        read_cookie(request, SESSION_COOKIE),
    )
