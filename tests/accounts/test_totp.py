"""TOTP codes: accepted one step either way and no further, single-use even under concurrent
sign-ins (committed data, real connections, both databases), and seeds sealed at rest."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.factories import StaffAccount, csrf_from, make_org, make_staff
from vigil.accounts.models import SessionStage, User, UserSession
from vigil.app import create_app
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_sessionmaker, session_scope
from vigil.core.security import verify_totp

STEP = 30
CONCURRENT = 8


def enter_password(client: TestClient, account: StaffAccount) -> None:
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": account.user.email, "password": account.password, "csrf_token": token},
    )
    assert response.status_code == 303, response.text


def enter_code(client: TestClient, code: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login/code").text)
    return client.post("/login/code", data={"code": code, "csrf_token": token})


def browser(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(
        app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    )


# --- The window: the current step, one step either way, nothing further -------------------


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(-10, False), (-2, False), (-1, True), (0, True), (1, True), (2, False), (10, False)],
)
def test_codes_are_accepted_exactly_one_step_either_way(offset, accepted):
    secret = pyotp.random_base32()
    at = 1_800_000_000 + 15  # the middle of a step
    code = pyotp.TOTP(secret).at(at + offset * STEP)
    step = verify_totp(secret, code, last_step=None, at=at)
    assert (step == at // STEP + offset) if accepted else step is None


def test_a_step_already_used_and_every_older_one_are_refused():
    secret = pyotp.random_base32()
    at = 1_800_000_000 + 15
    totp, current = pyotp.TOTP(secret), at // STEP
    assert verify_totp(secret, totp.at(at), last_step=current - 1, at=at) == current
    assert verify_totp(secret, totp.at(at), last_step=current, at=at) is None
    assert verify_totp(secret, totp.at(at - STEP), last_step=current, at=at) is None
    assert verify_totp(secret, totp.at(at + STEP), last_step=current, at=at) == current + 1


@pytest.fixture
def frozen(monkeypatch):  # type: ignore[no-untyped-def]
    """The sign-in pages see the middle of one fixed time step."""
    now = datetime.fromtimestamp((int(time.time()) // STEP) * STEP + 15, tz=UTC)
    monkeypatch.setattr("vigil.surfaces.staff.signin.utcnow", lambda: now)
    return now


def test_sign_in_takes_the_previous_step_but_not_the_one_before(session, client, frozen):
    account = make_staff(session, make_org(session))
    session.commit()
    totp, at = pyotp.TOTP(account.totp_secret), frozen.timestamp()

    enter_password(client, account)
    refused = enter_code(client, totp.at(at - 2 * STEP))
    assert refused.status_code == 400
    assert "That code is not valid" in refused.text
    assert enter_code(client, totp.at(at - STEP)).status_code == 303
    assert client.get("/staff/incidents").status_code == 200


def test_sign_in_takes_the_next_step_but_not_the_one_after(session, client, frozen):
    account = make_staff(session, make_org(session))
    session.commit()
    totp, at = pyotp.TOTP(account.totp_secret), frozen.timestamp()

    enter_password(client, account)
    assert enter_code(client, totp.at(at + 2 * STEP)).status_code == 400
    assert enter_code(client, totp.at(at + STEP)).status_code == 303


def test_the_same_code_twice_in_a_row_is_refused_the_second_time(app, session, frozen):
    account = make_staff(session, make_org(session))
    session.commit()
    code = pyotp.TOTP(account.totp_secret).at(frozen.timestamp())
    with browser(app) as first, browser(app) as second:
        enter_password(first, account)
        enter_password(second, account)
        assert enter_code(first, code).status_code == 303
        replay = enter_code(second, code)
        assert replay.status_code == 400
        assert "That code is not valid" in replay.text
        assert second.get("/staff/incidents").status_code == 303


# --- Single use under concurrency (committed data, one connection per request) -------------


def test_concurrent_sign_ins_with_one_code_let_exactly_one_in(committed):  # type: ignore[no-untyped-def]
    settings, engine = committed
    with session_scope(make_sessionmaker(engine)) as session:
        vault = Vault(session=session, ring=keystore_for(settings).current())
        account = make_staff(session, make_org(session), vault=vault)
        user_id = account.user.id
    app = create_app(settings)
    clients = [browser(app) for _ in range(CONCURRENT)]
    tokens = []
    for client in clients:
        enter_password(client, account)
        tokens.append(csrf_from(client.get("/login/code").text))
    code = account.code()
    ready = threading.Barrier(CONCURRENT)

    def submit(index: int) -> int:
        ready.wait()
        response = clients[index].post(
            "/login/code", data={"code": code, "csrf_token": tokens[index]}
        )
        return response.status_code

    with ThreadPoolExecutor(CONCURRENT) as pool:
        statuses = sorted(pool.map(submit, range(CONCURRENT)))

    assert statuses == [303] + [400] * (CONCURRENT - 1)
    signed_in = [c for c in clients if c.get("/staff/incidents").status_code == 200]
    assert len(signed_in) == 1
    with engine.connect() as connection:
        active = connection.scalar(
            select(func.count())
            .select_from(UserSession)
            .where(UserSession.user_id == user_id, UserSession.stage == SessionStage.active)
        )
        last_step = connection.scalar(select(User.totp_last_step).where(User.id == user_id))
    assert active == 1
    assert pyotp.TOTP(account.totp_secret).at(last_step * STEP) == code
    for client in clients:
        client.close()
