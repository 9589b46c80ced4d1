"""The language choice every surface links to: a plain link that sets a cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.core.i18n import LOCALES
from vigil.web.deps import safe_next
from vigil.web.middleware import LOCALE_COOKIE

router = APIRouter(include_in_schema=False)


@router.get("/language/{locale}", name="system.language")
def choose_language(request: Request, locale: str, next: str | None = None) -> Response:
    """A plain link (works without JavaScript) that remembers the reader's language."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if locale in LOCALES:
        response.set_cookie(
            LOCALE_COOKIE,
            locale,
            max_age=365 * 24 * 3600,
            httponly=True,
            secure=request.app.state.settings.cookie_secure,
            samesite="lax",
        )
    return response
