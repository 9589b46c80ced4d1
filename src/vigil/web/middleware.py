"""Cross-cutting HTTP concerns: security headers, locale, browser token for CSRF, access log.

Security decisions:
- The Content-Security-Policy allows only our own origin and no inline script or style, so an
  injected <script> cannot run and no page can pull anything from a third-party host (a
  defender's browser must not reveal to anyone else that it visited Vigil).
- The access log never carries the client address, the query string or the concrete path
  (one-time tokens, receipt codes, search terms): only the route pattern is logged.
"""

from __future__ import annotations

import logging
import time

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

from vigil.core import i18n
from vigil.core.security import new_token
from vigil.web.cookies import BROWSER_COOKIE, read_cookie, set_private_cookie

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

LOCALE_COOKIE = "vigil_lang"

access_logger = logging.getLogger("vigil.http")


def _route_pattern(request: Request) -> str:
    """The matched route's pattern (``/enrol/{token}``), never the concrete path: paths can
    carry one-time tokens and receipts, and those must not reach a log."""
    route = request.scope.get("route")
    pattern = getattr(route, "path", None)
    return pattern if isinstance(pattern, str) and pattern else "(unmatched)"


class VigilHTTPMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        settings = request.app.state.settings
        started = time.perf_counter()
        browser_token = read_cookie(request, BROWSER_COOKIE)
        new_browser = not browser_token or len(browser_token) > 100
        if new_browser:
            browser_token = new_token()
        request.state.browser_token = browser_token
        locale = i18n.negotiate_locale(
            request.cookies.get(LOCALE_COOKIE),
            request.headers.get("accept-language"),
            settings.default_locale,
        )
        token = i18n.current_locale.set(locale)
        try:
            response = await call_next(request)
        finally:
            i18n.current_locale.reset(token)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if settings.cookie_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("Content-Language", locale)
        if new_browser:
            set_private_cookie(response, settings, BROWSER_COOKIE, request.state.browser_token)
        access_logger.info(
            "%s %s %s %.1fms",
            request.method,
            _route_pattern(request),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response
