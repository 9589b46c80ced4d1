"""The names and flags of Vigil's own cookies (browser token, staff session, half-done sign-in).

Why ``__Host-``: a browser accepts a cookie with that prefix only if it is Secure, has
``Path=/`` and no ``Domain``, so a sibling subdomain or a plain-HTTP page on the same host
cannot plant or overwrite it (cookie tossing would otherwise let an attacker fix a victim's
browser token, and with it their CSRF token, or log them into the attacker's account).
Browsers refuse such a cookie unless it is Secure *and* set over https (several browser
versions do not count http://127.0.0.1 as https here), so the prefix is used when cookies are
Secure and ``VIGIL_BASE_URL`` is https, as in every real deployment, and dropped for
plain-HTTP development (``vigil serve`` on http://127.0.0.1, or ``VIGIL_COOKIE_SECURE=false``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from vigil.core.config import Settings

HOST_PREFIX = "__Host-"
BROWSER_COOKIE = "__Host-vigil_browser"
SESSION_COOKIE = "__Host-vigil_session"
PENDING_SIGNIN_COOKIE = "__Host-vigil_signin"


def uses_host_prefix(settings: Settings) -> bool:
    return settings.cookie_secure and settings.base_url.lower().startswith("https://")


def cookie_name(settings: Settings, name: str) -> str:
    """The name as sent to this deployment's browsers (see the module's docstring)."""
    return name if uses_host_prefix(settings) else name.removeprefix(HOST_PREFIX)


def read_cookie(request: Request, name: str) -> str | None:
    return request.cookies.get(cookie_name(request.app.state.settings, name))


def set_private_cookie(
    response: Response, settings: Settings, name: str, value: str, max_age: int | None = None
) -> None:
    """HttpOnly, SameSite=Lax, Secure (as configured), Path=/ and never a Domain."""
    response.set_cookie(
        cookie_name(settings, name),
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )


def clear_private_cookie(response: Response, settings: Settings, name: str) -> None:
    """Delete with the same flags: browsers ignore a ``__Host-`` deletion that lacks Secure."""
    response.delete_cookie(
        cookie_name(settings, name),
        path="/",
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )
