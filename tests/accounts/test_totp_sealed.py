"""TOTP seeds, pending and active, are sealed under the user's data key: a stolen database
holds no second factor, and enrolment, sign-in and key rotation still work."""

from __future__ import annotations

import base64
import re

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.accounts.models import EnrolmentToken, User
from vigil.accounts.service import create_user
from vigil.app import create_app
from vigil.core.crypto import (
    DataKey,
    Vault,
    add_kek_file,
    init_key_files,
    keystore_for,
    retire_kek,
    rewrap_all,
)
from vigil.models import metadata

PASSWORD = "correct horse battery staple"


def forms_of(secret: str) -> list[bytes]:
    """The seed as shown, lower-cased, and as the raw key (bytes and hex)."""
    raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return [secret.encode(), secret.lower().encode(), raw, raw.hex().encode()]


def assert_nowhere_in_database(session: Session, secret: str) -> None:
    scanned = 0
    for table in metadata.sorted_tables:
        for row in session.execute(select(table)).all():
            for column, value in zip(table.columns, row, strict=True):
                if isinstance(value, str):
                    value = value.encode()
                if isinstance(value, bytes):
                    scanned += 1
                    for form in forms_of(secret):
                        assert form not in value, f"TOTP seed in {table.name}.{column.name}"
    assert scanned > 0


def secret_on(html: str) -> str:
    match = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', html)
    assert match, "enrolment page shows no TOTP key"
    return match.group(1)


def test_pending_and_active_seeds_are_sealed_and_enrolment_still_works(session, client):
    org = make_org(session)
    user, token = create_user(session, email="sealed@example.org", role="analyst", organisation=org)
    session.commit()

    page = client.get(f"/enrol/{token}")
    secret = secret_on(page.text)
    session.expire_all()
    pending = session.scalar(select(EnrolmentToken).where(EnrolmentToken.user_id == user.id))
    assert pending.pending_totp_sealed is not None
    assert_nowhere_in_database(session, secret)
    assert secret_on(client.get(f"/enrol/{token}").text) == secret  # same seed on reload

    done = client.post(
        f"/enrol/{token}",
        data={
            "password": PASSWORD,
            "password_confirmation": PASSWORD,
            "code": pyotp.TOTP(secret).now(),
            "csrf_token": csrf_from(page.text),
        },
    )
    assert done.status_code == 200, done.text
    session.expire_all()
    enrolled = session.get(User, user.id)
    assert enrolled.is_enrolled
    assert enrolled.totp_secret_sealed is not None and enrolled.data_key_id is not None
    assert_nowhere_in_database(session, secret)


def test_a_sealed_seed_signs_in_and_is_nowhere_in_the_database(session, client):
    account = make_staff(session, make_org(session))
    session.commit()
    assert_nowhere_in_database(session, account.totp_secret)
    sign_in(client, account)
    assert client.get("/staff/incidents").status_code == 200


def test_sign_in_survives_key_rotation_and_retiring_the_old_key(session, session_factory, settings):
    """`vigil keys rotate` re-wraps the user's data key; `vigil keys retire` then deletes the
    old key-encryption key, and the seed still opens."""
    on_files = settings.model_copy(update={"master_key": None})
    init_key_files(on_files.keys_dir)
    vault = Vault(session=session, ring=keystore_for(on_files).current())
    account = make_staff(session, make_org(session), vault=vault)
    session.commit()
    old = keystore_for(on_files).current().active_id

    add_kek_file(on_files.keys_dir)
    assert rewrap_all(session, keystore_for(on_files).current()) >= 1
    retire_kek(session, on_files.keys_dir, old)
    session.commit()
    key = session.get(DataKey, account.user.data_key_id)
    assert key.kek_id != old

    app = create_app(on_files, session_factory=session_factory)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, account)
        assert client.get("/staff/incidents").status_code == 200
