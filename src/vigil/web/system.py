"""Routes every surface shares: health check, language choice, API docs page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import text
from starlette.responses import Response

from vigil.core.i18n import LOCALES
from vigil.web.deps import DbSession, safe_next
from vigil.web.middleware import LOCALE_COOKIE
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/healthz", name="system.health")
def health(session: DbSession) -> Response:
    """Liveness and database reachability, for load balancers and `make run` checks."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not ready"
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


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


@router.get("/api/docs", name="system.api_docs")
def api_docs(request: Request) -> Response:
    """Swagger UI from vendored files, initialised by our own script (no inline script)."""
    return render(request, "system/api_docs.html")
