"""Every state-changing request must carry the CSRF token of the browser that sends it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.web.cookies import BROWSER_COOKIE

REFUSED = "This form has expired or was not sent from Vigil"


def other_browser(app) -> TestClient:
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def staff_account(session):
    account = make_staff(session, make_org(session))
    session.commit()
    return account


def test_form_without_token_is_refused_with_a_clear_message(session, client):
    account = staff_account(session)
    client.get("/login")  # the browser has its cookie, but the form lacks the token
    response = client.post(
        "/login", data={"email": account.user.email, "password": account.password}
    )
    assert response.status_code == 403
    assert REFUSED in response.text
    assert "Reload the page and try again." in response.text
    assert "vigil_signin" not in response.headers.get("set-cookie", "")


def test_token_from_another_browser_is_refused(app, session, client):
    account = staff_account(session)
    with other_browser(app) as attacker:
        foreign_token = csrf_from(attacker.get("/login").text)
        assert attacker.cookies.get(BROWSER_COOKIE) != client.get("/login").cookies.get(
            BROWSER_COOKIE
        )
        response = client.post(
            "/login",
            data={
                "email": account.user.email,
                "password": account.password,
                "csrf_token": foreign_token,
            },
        )
    assert response.status_code == 403
    assert REFUSED in response.text


def test_token_without_browser_cookie_is_refused(app, session):
    account = staff_account(session)
    with other_browser(app) as first:
        token = csrf_from(first.get("/login").text)
    with other_browser(app) as fresh:  # never visited: no vigil_browser cookie
        response = fresh.post(
            "/login",
            data={"email": account.user.email, "password": account.password, "csrf_token": token},
        )
    assert response.status_code == 403


def test_header_token_is_accepted_instead_of_the_form_field(session, client):
    account = staff_account(session)
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": account.user.email, "password": account.password},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login/code")


def test_wrong_header_token_is_refused(session, client):
    account = staff_account(session)
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": account.user.email, "password": account.password, "csrf_token": token},
        headers={"X-CSRF-Token": "0" * 64},
    )
    assert response.status_code == 403


def test_forged_logout_is_refused_and_the_session_survives(session, client):
    account = staff_account(session)
    sign_in(client, account)
    response = client.post("/logout", data={})
    assert response.status_code == 403
    assert REFUSED in response.text
    assert client.get("/staff/incidents").status_code == 200
