"""System routes: the health check (details for staff and monitoring only) and the API docs page."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.responses import Response

from vigil.core.db import utcnow
from vigil.web.deps import DbSession
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)


def may_see_details(request: Request, session: Session) -> bool:
    """Signed-in staff (``app.state.health_viewer``, registered by the app: the web layer
    cannot ask the accounts domain itself), or a monitoring system presenting
    ``VIGIL_HEALTH_TOKEN`` as a bearer token."""
    token = request.app.state.settings.health_token
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = token.get_secret_value().encode()
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected):
            return True
    viewer = getattr(request.app.state, "health_viewer", None)
    return viewer is not None and bool(viewer(request, session))


@router.get("/healthz", name="system.health")
def health(request: Request, session: DbSession) -> Response:
    """Liveness and database reachability, for load balancers and `make run` checks.

    Checks registered by the app (``app.state.health_checks``: name → function of the
    session and the time, e.g. the alert deliveries' failures and queue age) are reported
    to staff and monitoring only (:func:`may_see_details`): that alerts are failing, or how
    many wait, tells an adversary whether silencing them works. A failing check turns
    ``status`` into "degraded" but keeps HTTP 200: the web server is fine, so a load balancer
    must not take it out of service for it."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not ready"
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    body: dict[str, object] = {"status": "ok", "database": "ok"}
    if not may_see_details(request, session):
        return JSONResponse(body)
    for name, check in getattr(request.app.state, "health_checks", {}).items():
        try:
            result = check(session, now=utcnow())
        except Exception:  # report it; the database itself answered above
            result = {"status": "error"}
        body[name] = result
        if result.get("status") != "ok":
            body["status"] = "degraded"
    return JSONResponse(body)


@router.get("/api/docs", name="system.api_docs")
def api_docs(request: Request) -> Response:
    """Swagger UI from vendored files, initialised by our own script (no inline script)."""
    return render(request, "api/docs.html")
