"""CSRF protection for every state-changing request of every surface.

A form carries ``csrf_token`` (HTMX and JSON clients send the ``X-CSRF-Token`` header); both
must match the HMAC of this browser's random cookie. Applied as a router-level dependency in
``app.py`` so a new route cannot forget it.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from vigil.core.security import csrf_token_valid

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


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
    browser_token = request.cookies.get("vigil_browser")
    if not csrf_token_valid(request.app.state.settings.secret, browser_token, submitted):
        raise HTTPException(
            status_code=403,
            detail=(
                "This form has expired or was not sent from Vigil. Reload the page and try again."
            ),
        )
