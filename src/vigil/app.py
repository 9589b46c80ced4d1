"""``create_app(settings)``: the FastAPI application, exactly five router groups, one per
surface (``vigil.surfaces``: staff, api, intake, link, public).

Surfaces deny by default: staff and API routes sit behind the signed-in gate as a router
dependency; the link surface's gate is its token; intake and public read no staff session.
Every state-changing request of every surface passes CSRF checks.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from vigil import __version__
from vigil.core.audit import audit_seal, bind_audit_sessions
from vigil.core.config import Settings, load_settings
from vigil.core.crypto import keystore_for
from vigil.core.db import make_engine, make_sessionmaker
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound, VigilError
from vigil.core.i18n import gettext
from vigil.outbox.health import HEALTH_CHECKS as OUTBOX_HEALTH
from vigil.surfaces import api, intake, link, public, staff
from vigil.surfaces.gate import SignInRequired, is_signed_in
from vigil.web.csrf import csrf_protect
from vigil.web.limits import BodySizeLimit
from vigil.web.middleware import VigilHTTPMiddleware
from vigil.web.templating import STATIC_DIR, render

STATUS_FOR_ERROR = {NotFound: 404, Forbidden: 403, Conflict: 409, Invalid: 422}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _exc: SignInRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Sign in required."}, status_code=401)
        return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)

    @app.exception_handler(VigilError)
    async def _domain_error(request: Request, exc: VigilError) -> Response:
        status = next(
            (code for kind, code in STATUS_FOR_ERROR.items() if isinstance(exc, kind)), 400
        )
        return _error_response(request, status, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else gettext("Something went wrong.")
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = gettext("This page does not exist.")
        return _error_response(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        fields = ", ".join(str(err["loc"][-1]) for err in exc.errors())
        return _error_response(
            request, 422, gettext("Please check these fields: %(fields)s") % {"fields": fields}
        )


@functools.cache
def surface_routers() -> tuple[APIRouter, ...]:
    """The five surfaces' routers, built once per process. Building them costs about half a
    second (FastAPI analyses every endpoint's signature); they hold no per-app state (routes
    read settings, keys and sessions from ``request.app.state``), so every app a process
    creates (the test suite creates one per test) can include the same routers."""
    return tuple(group.build_router() for group in (staff, api, intake, link, public))


def create_app(
    settings: Settings | None = None, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    """Build the app. Tests pass their own settings and a session factory bound to a
    rolled-back connection; everything else gets a pooled engine from the settings."""
    settings = settings or load_settings()
    engine = None
    if session_factory is None:
        engine = make_engine(
            settings.effective_database_url,
            busy_timeout_seconds=settings.database_busy_timeout_seconds,
        )
        session_factory = make_sessionmaker(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if engine is not None:
            engine.dispose()

    app = FastAPI(
        title="Vigil",
        version=__version__,
        description="Protecting human rights defenders threatened because of business activity.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(csrf_protect)],
    )
    app.state.settings = settings
    app.state.keystore = keystore_for(settings)
    app.state.keystore.current()  # fail at start-up, not on the first report, if keys are missing
    # Every audit entry the app records is signed with the installation's audit key.
    app.state.audit_seal = audit_seal(settings)
    app.state.audit_seal.keys()  # likewise: fail at start-up if the audit key is missing
    bind_audit_sessions(session_factory, app.state.audit_seal)
    app.state.sessionmaker = session_factory
    # /healthz reports what the web layer cannot import: the outbox's failures.
    app.state.health_checks = dict(OUTBOX_HEALTH)
    app.state.health_viewer = is_signed_in  # who may read those details
    # Refuse oversized bodies before anything reads them (uploads included); inside the
    # HTTP middleware so the refusal carries the security headers too.
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.attachment_max_files * settings.attachment_max_bytes + 2 * 1024 * 1024,
    )
    app.add_middleware(VigilHTTPMiddleware)
    _install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in surface_routers():
        app.include_router(router)
    logging.getLogger("vigil").setLevel(settings.log_level.upper())
    return app
