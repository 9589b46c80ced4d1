"""Deactivating a staff member ends every session at once and refuses sign-in, for every
role; `vigil users deactivate` / `reactivate` do it from the command line, audited."""

from __future__ import annotations

import time

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil import cli
from vigil.accounts.models import Role, User, UserSession
from vigil.accounts.service import set_user_active
from vigil.app import create_app
from vigil.core.audit import AuditEvent
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_sessionmaker, session_scope
from vigil.core.errors import NotFound

WRONG_CREDENTIALS = "Wrong e-mail address or password."


def enter_password(client: TestClient, email: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def assert_signed_out(client: TestClient) -> None:
    page = client.get("/staff/incidents")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    assert client.get("/api/v1/incidents").status_code == 401


def sessions_of(session, user_id: int) -> int:  # type: ignore[no-untyped-def]
    count = select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id)
    return session.scalar(count)


@pytest.mark.parametrize("role", list(Role))
def test_deactivated_user_is_signed_out_at_once_and_cannot_sign_in(session, client, role):
    org = make_org(session)
    account = make_staff(session, org, role=role)
    session.commit()
    sign_in(client, account)
    assert client.get("/staff/incidents").status_code == 200
    assert client.get("/api/v1/incidents").status_code == 200

    set_user_active(session, email=account.user.email.upper(), active=False)
    session.commit()

    assert sessions_of(session, account.user.id) == 0
    assert_signed_out(client)
    refused = enter_password(client, account.user.email, account.password)
    assert refused.status_code == 400
    assert WRONG_CREDENTIALS in refused.text  # the same answer as a wrong password
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user.deactivated", AuditEvent.object_id == str(account.user.id)
        )
    )
    assert event is not None
    assert event.organisation_id == org.id
    assert '"sessions_ended": 1' in event.detail


def test_a_half_done_sign_in_is_ended_too(session, client):
    account = make_staff(session, make_org(session))
    session.commit()
    assert enter_password(client, account.user.email, account.password).status_code == 303

    set_user_active(session, email=account.user.email, active=False)
    session.commit()

    code_page = client.get("/login/code")
    response = client.post(
        "/login/code", data={"code": account.code(), "csrf_token": csrf_from(code_page.text)}
    )
    assert response.status_code == 400
    assert "Your sign-in has expired" in response.text
    assert_signed_out(client)


def test_an_inactive_user_is_refused_even_with_a_session_left_over(session, client):
    """The gate itself checks the flag, whatever ended (or failed to end) the sessions."""
    account = make_staff(session, make_org(session), role="coordinator")
    session.commit()
    sign_in(client, account)
    session.execute(update(User).where(User.id == account.user.id).values(is_active=False))
    session.commit()
    assert sessions_of(session, account.user.id) == 1
    assert_signed_out(client)


def test_reactivated_user_signs_in_again(session, client):
    account = make_staff(session, make_org(session))
    set_user_active(session, email=account.user.email, active=False)
    set_user_active(session, email=account.user.email, active=True)
    session.commit()
    sign_in(client, account)
    assert client.get("/staff/incidents").status_code == 200
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_id == str(account.user.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["user.deactivated", "user.reactivated"]


def test_unknown_email_is_not_found(session):
    with pytest.raises(NotFound, match=r"No user with e-mail nobody@example\.org"):
        set_user_active(session, email="Nobody@example.org", active=False)


def test_the_command_line_deactivates_and_reactivates(committed):  # type: ignore[no-untyped-def]
    settings, engine = committed
    with session_scope(make_sessionmaker(engine)) as session:
        vault = Vault(session=session, ring=keystore_for(settings).current())
        account = make_staff(session, make_org(session), vault=vault)
    runner = CliRunner()
    assert settings.master_key is not None and settings.secret_key is not None
    env = {
        "VIGIL_ENV": "test",
        "VIGIL_DATABASE_URL": settings.effective_database_url,
        "VIGIL_DATA_DIR": str(settings.data_dir),
        "VIGIL_SECRET_KEY": settings.secret_key.get_secret_value(),
        "VIGIL_MASTER_KEY": settings.master_key.get_secret_value(),
    }
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        client.follow_redirects = False
        sign_in(client, account)
        assert client.get("/staff/incidents").status_code == 200

        result = runner.invoke(
            cli.app, ["users", "deactivate", "--email", account.user.email], env=env
        )
        assert result.exit_code == 0, result.output
        assert f"Deactivated {account.user.email}" in result.output
        assert_signed_out(client)
        assert enter_password(client, account.user.email, account.password).status_code == 400

        result = runner.invoke(
            cli.app, ["users", "reactivate", "--email", account.user.email], env=env
        )
        assert result.exit_code == 0, result.output
        assert f"Reactivated {account.user.email}" in result.output
        assert enter_password(client, account.user.email, account.password).status_code == 303
        next_code = pyotp.TOTP(account.totp_secret).at(time.time() + 30)  # current one is spent
        code_page = client.get("/login/code")
        done = client.post(
            "/login/code", data={"code": next_code, "csrf_token": csrf_from(code_page.text)}
        )
        assert done.status_code == 303
        assert client.get("/staff/incidents").status_code == 200

    unknown = runner.invoke(cli.app, ["users", "deactivate", "--email", "no@one.org"], env=env)
    assert isinstance(unknown.exception, NotFound)
