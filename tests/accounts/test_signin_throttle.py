"""Sign-in throttling per account and client pair, per account and per client: each limit
exact at its edge, one client's failures never locking out staff elsewhere, refused attempts
using up nothing, ``X-Forwarded-For`` believed from trusted proxies only, and concurrent
guesses stopped exactly at the limit on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.accounts.test_signin import PAUSED, WRONG_CREDENTIALS, enter_code, enter_password
from tests.committed_db import at_once, committed_database
from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.accounts.signin import TooManyAttempts, check_password
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope, utcnow
from vigil.core.errors import Invalid
from vigil.surfaces.gate import signin_policy


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Sign-in pages see one fixed instant, so all failures fall in one throttling window."""
    now = utcnow()
    monkeypatch.setattr("vigil.surfaces.staff.signin.utcnow", lambda: now)
    return now


@pytest.fixture
def account(session):  # type: ignore[no-untyped-def]
    staff = make_staff(session, make_org(session))
    session.commit()
    return staff


def _app(settings, session_factory, **limits):  # type: ignore[no-untyped-def]
    return create_app(settings.model_copy(update=limits), session_factory=session_factory)


def browser(app, host: str, **headers: str) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(
        app,
        base_url="https://testserver",
        follow_redirects=False,
        client=(host, 50000),
        headers=headers,
    )


def test_pair_limit_edge_and_only_that_pair_pauses(settings, session_factory, account):
    app = _app(settings, session_factory, login_max_failures_per_account_and_client=3)
    with browser(app, "192.0.2.1") as attacker, browser(app, "198.51.100.7") as owner:
        for _ in range(2):
            assert enter_password(attacker, account.user.email, "guess").status_code == 400
        # limit − 1 failures: the right password still works, and is not counted.
        assert enter_password(attacker, account.user.email, account.password).status_code == 303
        last = enter_password(attacker, account.user.email, "guess")
        assert last.status_code == 400 and WRONG_CREDENTIALS in last.text
        paused = enter_password(attacker, account.user.email, account.password)
        assert paused.status_code == 400 and PAUSED in paused.text
        sign_in(owner, account)  # the same account from another client: password and code
        assert owner.get("/staff/incidents").status_code == 200


def test_25_failed_logins_from_one_client_do_not_block_staff_elsewhere(
    settings, session_factory, session, account
):
    colleague = make_staff(session, make_org(session))
    session.commit()
    app = _app(settings, session_factory)
    with browser(app, "192.0.2.66") as attacker:
        for n in range(25):
            email = account.user.email if n % 5 == 0 else f"staff{n}@example.org"
            attacker_answer = enter_password(attacker, email, "guess")
            assert attacker_answer.status_code == 400
        assert PAUSED in enter_password(attacker, colleague.user.email, "guess").text
    for staff, host in ((account, "203.0.113.5"), (colleague, "203.0.113.6")):
        with browser(app, host) as office:
            sign_in(office, staff)
            assert office.get("/staff/incidents").status_code == 200


def test_account_limit_across_clients_edge(settings, session_factory, account):
    app = _app(
        settings,
        session_factory,
        login_max_failures_per_account_and_client=2,
        login_max_failures_per_account=4,
    )
    email = account.user.email
    with (
        browser(app, "192.0.2.1") as first,
        browser(app, "192.0.2.2") as second,
        browser(app, "198.51.100.9") as owner,
    ):
        for client in (first, first, second):
            assert enter_password(client, email, "guess").status_code == 400
        # limit − 1 failures on the account: its owner elsewhere still signs in.
        assert enter_password(owner, email, account.password).status_code == 303
        assert WRONG_CREDENTIALS in enter_password(second, email, "guess").text
        paused = enter_password(owner, email, account.password)
        assert paused.status_code == 400 and PAUSED in paused.text


def test_refused_attempts_do_not_use_up_the_account_budget(settings, session_factory, account):
    app = _app(
        settings,
        session_factory,
        login_max_failures_per_account_and_client=2,
        login_max_failures_per_account=4,
    )
    with browser(app, "192.0.2.1") as attacker, browser(app, "198.51.100.9") as owner:
        answers = [enter_password(attacker, account.user.email, "guess").text for _ in range(10)]
        assert [PAUSED in text for text in answers] == [False] * 2 + [True] * 8
        assert enter_password(owner, account.user.email, account.password).status_code == 303


def test_code_guesses_pause_the_pair_at_the_limit(settings, session_factory, session):
    app = _app(settings, session_factory, login_max_failures_per_account_and_client=2)
    edge, over = (make_staff(session, make_org(session)) for _ in range(2))
    session.commit()
    wrong = "000000"
    with browser(app, "192.0.2.1") as client:
        assert enter_password(client, edge.user.email, edge.password).status_code == 303
        assert enter_code(client, wrong if edge.code() != wrong else "111111").status_code == 400
        assert enter_code(client, edge.code()).status_code == 303  # limit − 1: signed in
    with browser(app, "192.0.2.2") as client:
        assert enter_password(client, over.user.email, over.password).status_code == 303
        for _ in range(2):
            assert (
                enter_code(client, wrong if over.code() != wrong else "111111").status_code == 400
            )
        paused = enter_code(client, over.code())
        assert paused.status_code == 400 and PAUSED in paused.text
        assert client.get("/staff/incidents").status_code == 303


def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings, session_factory, account):
    """Without trusted proxies a guesser cannot escape its limit by inventing addresses."""
    app = _app(settings, session_factory, login_max_failures_per_account_and_client=2)
    with browser(app, "192.0.2.1") as attacker:
        answers = [
            enter_password_from(attacker, account.user.email, "guess", f"203.0.113.{n}").text
            for n in range(3)
        ]
    assert [PAUSED in text for text in answers] == [False, False, True]


def test_forwarded_for_from_a_trusted_proxy_tells_clients_apart(settings, session_factory, account):
    app = _app(
        settings,
        session_factory,
        login_max_failures_per_account_and_client=2,
        trusted_proxies="10.0.0.0/8, 2001:db8::1",
    )
    email = account.user.email
    with browser(app, "10.1.2.3") as proxy:
        for forged in ("", "198.51.100.1, "):  # what the client sent, then the proxy's entry
            assert (
                enter_password_from(proxy, email, "guess", forged + "192.0.2.50").status_code == 400
            )
        paused = enter_password_from(proxy, email, account.password, "192.0.2.50")
        assert PAUSED in paused.text
        # Another client behind the same proxy is someone else.
        assert enter_password_from(proxy, email, account.password, "192.0.2.51").status_code == 303


def enter_password_from(client: TestClient, email: str, password: str, forwarded_for: str):  # type: ignore[no-untyped-def]
    headers = {"X-Forwarded-For": forwarded_for}
    token = csrf_from(client.get("/login", headers=headers).text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_settings(request, tmp_path) -> Iterator[Settings]:  # type: ignore[no-untyped-def]
    with committed_database(request.param, tmp_path) as url:
        yield Settings(
            env="test",
            data_dir=tmp_path / "var",
            database_url=url,
            secret_key=secrets.token_urlsafe(48),
            master_key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        )


def test_concurrent_wrong_passwords_stop_exactly_at_the_limit(committed_settings):
    """Twelve wrong passwords at once for one account from one client, each in its own
    transaction: exactly five are judged (21 got through a limit of 5 before)."""
    settings = committed_settings
    engine = make_engine(settings.effective_database_url, pool_size=12, max_overflow=0)
    factory = make_sessionmaker(engine)
    ring = keystore_for(settings).current()
    with session_scope(factory) as session:
        staff = make_staff(session, make_org(session), vault=Vault(session=session, ring=ring))
        email = staff.user.email
    policy, now = signin_policy(settings), utcnow()

    def guess(n: int) -> str | Exception:
        with session_scope(factory) as session:  # committed, as the sign-in page does
            try:
                check_password(
                    session, policy=policy, email=email, password=f"guess{n}", client="c", now=now
                )
            except (Invalid, TooManyAttempts) as refused:
                return refused
        return "signed in"

    try:
        outcomes = at_once(12, guess)
    finally:
        engine.dispose()
    judged = [o for o in outcomes if isinstance(o, Invalid)]
    refused = [o for o in outcomes if isinstance(o, TooManyAttempts)]
    assert settings.login_max_failures_per_account_and_client == 5
    assert (len(judged), len(refused)) == (5, 7), outcomes
