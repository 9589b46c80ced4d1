"""A new staff member follows a one-time link, chooses a password and registers a TOTP app."""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import update

from tests.factories import csrf_from, make_org
from vigil.accounts.models import EnrolmentToken, User
from vigil.accounts.service import create_user
from vigil.core.db import utcnow

PASSWORD = "correct horse battery staple"


@pytest.fixture
def invited(session):
    """A coordinator-created analyst who has not enrolled yet: (user, enrolment token)."""
    org = make_org(session)
    user, token = create_user(
        session, email="New.Analyst@Example.org", role="analyst", organisation=org
    )
    session.commit()
    return user, token


def secret_on(html: str) -> str:
    match = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', html)
    assert match, "enrolment page shows no TOTP key"
    return match.group(1)


def wrong_code(secret: str) -> str:
    """A six-digit code that is not valid for any step the server accepts right now."""
    totp, now = pyotp.TOTP(secret), time.time()
    valid = {totp.at(now + drift) for drift in (-60, -30, 0, 30, 60)}
    return next(code for code in (f"{n:06d}" for n in range(10)) if code not in valid)


def submit(client, token: str, page_html: str, **fields: str):
    return client.post(f"/enrol/{token}", data={"csrf_token": csrf_from(page_html), **fields})


def test_new_user_gets_a_token_and_the_page_shows_a_qr_code_and_key(session, client, invited):
    user, token = invited
    assert len(token) >= 40
    assert user.email == "new.analyst@example.org"
    assert not user.is_enrolled

    page = client.get(f"/enrol/{token}")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "new.analyst@example.org" in page.text
    secret = secret_on(page.text)
    assert len(secret) >= 16
    # Reloading the page offers the same key (a half-scanned QR code stays valid).
    assert secret_on(client.get(f"/enrol/{token}").text) == secret


@pytest.mark.parametrize(
    ("password", "confirmation", "code", "message"),
    [
        (PASSWORD, PASSWORD + "!", "valid", "The two passwords differ."),
        ("short", "short", "valid", "at least 12 characters"),
        (PASSWORD, PASSWORD, "wrong", "That code does not match"),
    ],
    ids=["mismatch", "short", "wrong-code"],
)
def test_mistakes_are_shown_and_the_link_keeps_working(
    session, client, invited, password, confirmation, code, message
):
    user, token = invited
    page = client.get(f"/enrol/{token}")
    secret = secret_on(page.text)
    code = pyotp.TOTP(secret).now() if code == "valid" else wrong_code(secret)

    response = submit(
        client, token, page.text, password=password, password_confirmation=confirmation, code=code
    )
    assert response.status_code == 400
    assert message in response.text
    # Nothing is lost: the same key is offered again, and the link still works.
    assert secret_on(response.text) == secret
    assert "<svg" in response.text
    again = client.get(f"/enrol/{token}")
    assert again.status_code == 200
    assert secret_on(again.text) == secret
    session.expire_all()
    assert not session.get(User, user.id).is_enrolled


def test_enrolment_completes_once_and_then_the_user_signs_in(session, client, invited):
    user, token = invited
    page = client.get(f"/enrol/{token}")
    secret = secret_on(page.text)

    done = submit(
        client,
        token,
        page.text,
        password=PASSWORD,
        password_confirmation=PASSWORD,
        code=pyotp.TOTP(secret).now(),
    )
    assert done.status_code == 200, done.text
    assert "Your account is ready" in done.text
    session.expire_all()
    assert session.get(User, user.id).is_enrolled

    # The link is single-use: neither the page nor a second submission works.
    assert client.get(f"/enrol/{token}").status_code == 404
    reused = submit(
        client,
        token,
        page.text,
        password=PASSWORD,
        password_confirmation=PASSWORD,
        code=pyotp.TOTP(secret).now(),
    )
    assert reused.status_code == 404
    assert "unknown, already used or expired" in reused.text

    # Sign in with the chosen password and the app's next code (the current step was used).
    login = client.get("/login")
    step1 = client.post(
        "/login",
        data={
            "email": "New.Analyst@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_from(login.text),
        },
    )
    assert step1.status_code == 303, step1.text
    code_page = client.get(step1.headers["location"])
    step2 = client.post(
        "/login/code",
        data={
            "code": pyotp.TOTP(secret).at(time.time() + 30),
            "csrf_token": csrf_from(code_page.text),
        },
    )
    assert step2.status_code == 303, step2.text
    assert client.get("/staff/incidents").status_code == 200


def test_expired_link_is_not_found(session, client, invited):
    user, token = invited
    expired = utcnow() - timedelta(minutes=1)
    session.execute(
        update(EnrolmentToken).where(EnrolmentToken.user_id == user.id).values(expires_at=expired)
    )
    session.commit()

    page = client.get(f"/enrol/{token}")
    assert page.status_code == 404
    assert "Ask your coordinator for a new link." in page.text
    assert "<svg" not in page.text


def test_unknown_link_is_not_found(client):
    assert client.get("/enrol/not-a-real-token").status_code == 404


def test_enrolment_token_is_not_written_to_the_access_log(client, invited, caplog):
    _user, token = invited
    caplog.set_level(logging.INFO, logger="vigil.http")
    assert client.get(f"/enrol/{token}").status_code == 200
    log = "\n".join(r.getMessage() for r in caplog.records if r.name == "vigil.http")
    assert "GET /enrol/" in log
    assert token not in log
