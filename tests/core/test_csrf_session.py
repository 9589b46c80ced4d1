"""Once signed in, the CSRF token is bound to the staff session as well as to the browser, and
Vigil's cookies carry the ``__Host-`` prefix (Secure, Path=/, no Domain)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.app import create_app
from vigil.web.cookies import BROWSER_COOKIE, PENDING_SIGNIN_COOKIE, SESSION_COOKIE

REFUSED = "This form has expired or was not sent from Vigil"


def staff_page_token(client: TestClient) -> str:
    page = client.get("/staff/incidents")
    assert page.status_code == 200
    return csrf_from(page.text)


def test_a_token_from_before_sign_in_is_refused_after_it(session, client):
    account = make_staff(session, make_org(session))
    session.commit()
    before = csrf_from(client.get("/login").text)
    sign_in(client, account)

    forged = client.post("/logout", data={"csrf_token": before})
    assert forged.status_code == 403
    assert REFUSED in forged.text
    assert client.get("/staff/incidents").status_code == 200  # still signed in
    # The header route is bound the same way.
    assert client.post("/logout", headers={"X-CSRF-Token": before}).status_code == 403
    assert client.post("/logout", data={"csrf_token": staff_page_token(client)}).status_code == 303


def test_a_token_of_session_a_is_refused_in_session_b_of_the_same_browser(session, client):
    org = make_org(session)
    first, second = make_staff(session, org), make_staff(session, org)
    session.commit()
    sign_in(client, first)
    browser = client.cookies.get(BROWSER_COOKIE)
    token_a = staff_page_token(client)

    sign_in(client, second)  # same browser cookie, another staff session
    assert client.cookies.get(BROWSER_COOKIE) == browser
    refused = client.post("/logout", data={"csrf_token": token_a})
    assert refused.status_code == 403
    token_b = staff_page_token(client)
    assert token_b != token_a
    assert client.post("/logout", data={"csrf_token": token_b}).status_code == 303


def _set_cookies(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


def _assert_host_only(header: str) -> None:
    name = header.split("=", 1)[0]
    flags = [part.strip().lower() for part in header.split(";")[1:]]
    assert name.startswith("__Host-"), header
    assert "secure" in flags, header
    assert "path=/" in flags, header
    assert not any(flag.startswith("domain") for flag in flags), header
    assert "httponly" in flags, header


def test_every_cookie_of_the_sign_in_flow_is_host_only_and_secure(session, client):
    account = make_staff(session, make_org(session))
    session.commit()
    first = client.get("/login")
    seen = _set_cookies(first)
    step1 = client.post(
        "/login",
        data={
            "email": account.user.email,
            "password": account.password,
            "csrf_token": csrf_from(first.text),
        },
    )
    seen |= _set_cookies(step1)
    step2 = client.post(
        "/login/code",
        data={"code": account.code(), "csrf_token": csrf_from(client.get("/login/code").text)},
    )
    assert step2.status_code == 303
    cleared = _set_cookies(step2)
    seen[SESSION_COOKIE] = cleared[SESSION_COOKIE]
    logout = client.post("/logout", data={"csrf_token": staff_page_token(client)})

    assert set(seen) == {BROWSER_COOKIE, PENDING_SIGNIN_COOKIE, SESSION_COOKIE}
    for header in seen.values():
        _assert_host_only(header)
    # Deletions carry the same flags, or a browser ignores them and the cookie stays.
    _assert_host_only(cleared[PENDING_SIGNIN_COOKIE])
    _assert_host_only(_set_cookies(logout)[SESSION_COOKIE])
    assert "max-age=0" in _set_cookies(logout)[SESSION_COOKIE].lower()


def test_a_session_token_under_the_old_unprefixed_name_is_ignored(app, session, client):
    account = make_staff(session, make_org(session))
    session.commit()
    sign_in(client, account)
    token = client.cookies.get(SESSION_COOKIE)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        other.cookies.set("vigil_session", token)
        assert other.get("/staff/incidents").status_code == 303


@pytest.mark.parametrize(
    ("update", "scheme"),
    [({"cookie_secure": False}, "http"), ({"base_url": "http://127.0.0.1:8000"}, "https")],
    ids=["cookies-not-secure", "plain-http-base-url"],
)
def test_for_plain_http_the_prefix_is_dropped_and_sign_in_works(
    settings, session_factory, session, update, scheme
):
    """Browsers refuse a ``__Host-`` cookie that is not Secure or not set over https."""
    account = make_staff(session, make_org(session))
    session.commit()
    app = create_app(settings.model_copy(update=update), session_factory)
    with TestClient(app, base_url=f"{scheme}://testserver", follow_redirects=False) as c:
        assert "vigil_browser" in _set_cookies(c.get("/login"))
        sign_in(c, account)
        assert c.cookies.get("vigil_session")
        assert not any(cookie.startswith("__Host-") for cookie in c.cookies)
        assert c.get("/staff/incidents").status_code == 200
