"""Staff sign-in: password, then TOTP code; failures are throttled; sessions end on sign-out
or after being idle."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.factories import csrf_from, make_incident, make_org, make_staff, sign_in
from vigil.accounts.models import UserSession
from vigil.app import create_app
from vigil.core.db import utcnow
from vigil.core.throttle import Throttle
from vigil.web.cookies import SESSION_COOKIE

WRONG_CREDENTIALS = "Wrong e-mail address or password."
PAUSED = "Too many failed attempts"


def enter_password(client: TestClient, email: str, password: str):
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def enter_code(client: TestClient, code: str):
    token = csrf_from(client.get("/login/code").text)
    return client.post("/login/code", data={"code": code, "csrf_token": token})


def browser(app, host: str = "testclient") -> TestClient:
    return TestClient(
        app, base_url="https://testserver", follow_redirects=False, client=(host, 50000)
    )


@pytest.fixture
def account(session):
    org = make_org(session)
    staff = make_staff(session, org)
    session.commit()
    return staff


@pytest.fixture
def frozen_clock(monkeypatch):
    """Sign-in pages see one fixed instant, so all failures fall in one throttling window."""
    now = utcnow()
    monkeypatch.setattr("vigil.surfaces.staff.signin.utcnow", lambda: now)
    return now


def test_wrong_password_and_unknown_email_get_the_same_answer(client, account):
    wrong = enter_password(client, account.user.email, "not the password")
    unknown = enter_password(client, "nobody@example.org", account.password)
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert WRONG_CREDENTIALS in response.text
        assert "vigil_signin" not in response.headers.get("set-cookie", "")
    # The e-mail typed is kept in the form; the password is not.
    assert account.user.email in wrong.text
    assert "not the password" not in wrong.text


def test_right_password_then_wrong_code_is_refused(client, account):
    assert enter_password(client, account.user.email, account.password).status_code == 303
    totp, now = pyotp.TOTP(account.totp_secret), time.time()
    accepted = {totp.at(now + drift) for drift in (-60, -30, 0, 30, 60)}
    response = enter_code(client, next(c for c in ("000000", "111111") if c not in accepted))
    assert response.status_code == 400
    assert "That code is not valid" in response.text
    assert client.get("/staff/incidents").status_code == 303


def test_a_code_cannot_be_replayed(app, client, account):
    code = account.code()
    assert enter_password(client, account.user.email, account.password).status_code == 303
    assert enter_code(client, code).status_code == 303
    assert client.get("/staff/incidents").status_code == 200

    with browser(app) as eavesdropper:
        assert enter_password(eavesdropper, account.user.email, account.password).status_code == 303
        replay = enter_code(eavesdropper, code)
        assert replay.status_code == 400
        assert "That code is not valid" in replay.text
        assert eavesdropper.get("/staff/incidents").status_code == 303


def test_account_pauses_for_this_client_after_too_many_failures(
    settings, session, client, account, frozen_clock
):
    for _ in range(settings.login_max_failures_per_account_and_client):
        assert enter_password(client, account.user.email, "guess").status_code == 400
    response = enter_password(client, account.user.email, account.password)
    assert response.status_code == 400
    assert PAUSED in response.text
    # Only this account from this client is paused (the other limits are higher).
    assert (
        settings.login_max_failures_per_client > settings.login_max_failures_per_account_and_client
    )
    assert settings.login_max_failures_per_account > settings.login_max_failures_per_client
    other = make_staff(session, make_org(session))
    session.commit()
    assert enter_password(client, other.user.email, other.password).status_code == 303


def test_client_pauses_after_too_many_failures_for_any_account(
    settings, session_factory, session, account, frozen_clock
):
    strict = settings.model_copy(update={"login_max_failures_per_client": 3})
    app = create_app(strict, session_factory=session_factory)
    with browser(app) as attacker, browser(app, host="192.0.2.44") as colleague:
        for n in range(3):
            response = enter_password(attacker, f"someone{n}@example.org", "guess")
            assert response.status_code == 400
            assert WRONG_CREDENTIALS in response.text
        paused = enter_password(attacker, account.user.email, account.password)
        assert paused.status_code == 400
        assert PAUSED in paused.text
        # Another client is not affected, and the account itself is not paused.
        assert enter_password(colleague, account.user.email, account.password).status_code == 303


def test_throttle_table_holds_neither_email_nor_client_address(session, client, account):
    for _ in range(2):
        enter_password(client, account.user.email, "guess")
    enter_password(client, "Stranger@Example.org", "guess")

    rows = session.execute(select(Throttle.__table__)).all()
    assert rows, "failures were not recorded"
    stored = " ".join(str(value) for row in rows for value in row).lower()
    for secret in (
        account.user.email.lower(),
        "stranger@example.org",
        "stranger",
        account.user.email.split("@")[0].lower(),
        "testclient",
    ):
        assert secret not in stored


def test_session_cookie_is_httponly_secure_and_lax(client, account):
    assert enter_password(client, account.user.email, account.password).status_code == 303
    response = enter_code(client, account.code())
    assert response.status_code == 303
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith(f"{SESSION_COOKIE}="))
    flags = [part.strip().lower() for part in session_cookie.split(";")]
    assert "httponly" in flags
    assert "secure" in flags
    assert "samesite=lax" in flags


def test_logout_ends_the_session(app, session, client, account):
    sign_in(client, account)
    page = client.get("/staff/incidents")
    assert page.status_code == 200
    old_cookie = client.cookies.get(SESSION_COOKIE)
    assert old_cookie
    with browser(app) as copy:  # someone holding a copy of the cookie
        copy.cookies.set(SESSION_COOKIE, old_cookie)
        assert copy.get("/staff/incidents").status_code == 200

        response = client.post("/logout", data={"csrf_token": csrf_from(page.text)})
        assert response.status_code == 303
        assert response.headers["location"] == "/"
        assert client.get("/staff/incidents").status_code == 303

        stale = copy.get("/staff/incidents")
        assert stale.status_code == 303
        assert stale.headers["location"].startswith("/login")
    count = (
        select(func.count()).select_from(UserSession).where(UserSession.user_id == account.user.id)
    )
    assert session.scalar(count) == 0


def test_idle_session_is_refused(settings, session, client, account):
    sign_in(client, account)
    assert client.get("/staff/incidents").status_code == 200

    idle_since = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == account.user.id)
        .values(last_seen_at=idle_since)
    )
    session.commit()

    response = client.get("/staff/incidents")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert client.get("/api/v1/incidents").status_code == 401


def test_auditor_signs_in_and_reads_the_incident_list(session, vault, client):
    org = make_org(session)
    auditor = make_staff(session, org, role="auditor")
    make_incident(session, org, vault=vault, title="Intimidation at the palm oil mill")
    session.commit()

    sign_in(client, auditor)
    listing = client.get("/staff/incidents")
    assert listing.status_code == 200
    assert "Intimidation at the palm oil mill" in listing.text
    api = client.get("/api/v1/incidents")
    assert api.status_code == 200
    assert any(item["title"] == "Intimidation at the palm oil mill" for item in api.json()["items"])
