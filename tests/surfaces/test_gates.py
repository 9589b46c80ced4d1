"""Deny by default, proven by walking the routes.

Every route the app serves belongs to one of the five surfaces. Every staff and API route sits
behind the signed-in gate unless it is in its surface's short ``OPEN`` list; no intake, link or
public route depends on the gate, and none of them reads or sets the staff session cookie.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import Mount

from tests.factories import make_org, make_staff, sign_in
from vigil.surfaces import api, staff
from vigil.surfaces.gate import current_staff
from vigil.web import cookies
from vigil.web.cookies import PENDING_SIGNIN_COOKIE, SESSION_COOKIE, cookie_name

SURFACES = ("staff", "api", "intake", "link", "public")
GATED = {"staff": staff.OPEN, "api": api.OPEN}
#: Served by FastAPI itself, not by a surface: the OpenAPI document of the API surface.
FRAMEWORK_ROUTES = {"/api/openapi.json"}


def _calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def surface_of(route: RouteContext) -> str:
    match = re.match(r"vigil\.surfaces\.(\w+)\.", route.endpoint.__module__)
    assert match, f"{route.path} is served by {route.endpoint.__module__}, outside the surfaces"
    assert match.group(1) in SURFACES, match.group(1)
    return match.group(1)


def is_gated(route: RouteContext) -> bool:
    return current_staff in set(_calls(route.dependant))


def api_routes(app) -> list[RouteContext]:  # type: ignore[no-untyped-def]
    """The routes as served, with the dependencies their router groups add (FastAPI keeps
    included routers nested; this walks them)."""
    return [r for r in iter_route_contexts(app.routes) if isinstance(r.original_route, APIRoute)]


def test_every_route_belongs_to_a_surface(app) -> None:  # type: ignore[no-untyped-def]
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            surface_of(route)
        elif isinstance(route.original_route, Mount):
            assert route.path == "/static"
        else:
            assert route.path in FRAMEWORK_ROUTES, route.path


def test_staff_and_api_routes_are_gated_unless_listed_open(app) -> None:  # type: ignore[no-untyped-def]
    seen_open: dict[str, set[str]] = {"staff": set(), "api": set()}
    for route in api_routes(app):
        surface = surface_of(route)
        if surface not in GATED:
            continue
        if route.path in GATED[surface]:
            seen_open[surface].add(route.path)
            assert not is_gated(route), f"{route.path} is listed open but gated"
        else:
            assert is_gated(route), f"{surface} route {route.path} is not behind the gate"
    # The allowlists hold nothing stale: every entry is a route of its surface.
    assert seen_open == {name: set(paths) for name, paths in GATED.items()}


def test_a_route_added_without_the_gate_fails_the_walk(app) -> None:  # type: ignore[no-untyped-def]
    """The walk bites: a staff-module route registered straight on the app is caught."""
    from vigil.surfaces.staff import home

    app.add_api_route("/staff/forgotten", home.staff_home, methods=["GET"])
    route = next(r for r in api_routes(app) if r.path == "/staff/forgotten")
    assert surface_of(route) == "staff" and not is_gated(route)


def test_intake_link_and_public_routes_never_depend_on_the_gate(app) -> None:  # type: ignore[no-untyped-def]
    anonymous = [r for r in api_routes(app) if surface_of(r) in ("intake", "link", "public")]
    assert {surface_of(r) for r in anonymous} == {"intake", "link", "public"}
    for route in anonymous:
        assert not is_gated(route), route.path


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x" * 20, path).replace("/language/" + "x" * 20, "/language/es")


def test_anonymous_surfaces_read_and_set_no_staff_cookie(
    app, client, session, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """With a signed-in staff session in the browser, every GET page of the intake, link and
    public surfaces answers without reading the session cookie or setting a staff cookie."""
    account = make_staff(session, make_org(session), "coordinator")
    sign_in(client, account)
    settings = app.state.settings
    staff_cookies = {
        cookie_name(settings, SESSION_COOKIE),
        cookie_name(settings, PENDING_SIGNIN_COOKIE),
    }
    assert staff_cookies & set(client.cookies.keys())
    read: list[str] = []
    original = cookies.read_cookie

    def spy(request, name):  # type: ignore[no-untyped-def]
        read.append(name)
        return original(request, name)

    monkeypatch.setattr(cookies, "read_cookie", spy)
    import vigil.surfaces.gate as gate

    monkeypatch.setattr(gate, "read_cookie", spy)
    pages = [
        r
        for r in api_routes(app)
        if surface_of(r) in ("intake", "link", "public") and "GET" in r.methods
    ]
    assert len(pages) >= 6
    for route in pages:
        response = client.get(_concrete(route.path), follow_redirects=False)
        assert response.status_code < 500, route.path
        assert SESSION_COOKIE not in read, f"{route.path} read the staff session"
        set_cookie = " ".join(response.headers.get_list("set-cookie"))
        for name in staff_cookies:
            assert name + "=" not in set_cookie, f"{route.path} set {name}"
    # The spy works: a staff page does read the session.
    assert client.get("/staff/incidents").status_code == 200
    assert SESSION_COOKIE in read
