"""The audit chain's keys live beside the KEKs, outside the database: created by `vigil keys
init` (also for key directories made before them), rotated without losing the older ones, or
derived from VIGIL_MASTER_KEY with a purpose of their own; and every process must have one."""

from __future__ import annotations

import base64
import os
import secrets
import stat

import pytest

from vigil.app import create_app
from vigil.core.audit import audit_seal
from vigil.core.config import Environment, Settings
from vigil.core.crypto import (
    AUDIT_ACTIVE_FILE,
    AuditKeyStore,
    KeyError_,
    init_audit_key,
    init_key_files,
    load_audit_keys,
    load_keyring,
    rotate_audit_key,
)


def test_init_creates_a_private_audit_key(tmp_path):
    keys_dir = tmp_path / "keys"
    assert init_key_files(keys_dir)
    [path] = keys_dir.glob("audit-*.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keys = load_audit_keys(keys_dir)
    assert keys.active_id == path.stem.removeprefix("audit-")
    assert len(keys.keys[keys.active_id]) == 32
    assert not init_audit_key(keys_dir)  # already there: nothing replaced
    assert load_audit_keys(keys_dir) == keys


def test_a_key_directory_made_before_the_audit_key_gets_one(tmp_path):
    keys_dir = tmp_path / "keys"
    init_key_files(keys_dir)
    for path in keys_dir.glob("audit-*"):
        path.unlink()
    with pytest.raises(KeyError_, match="run `vigil keys init`"):
        load_audit_keys(keys_dir)
    assert init_audit_key(keys_dir)
    assert load_audit_keys(keys_dir).active_id


def test_rotation_keeps_the_older_keys_for_verification(tmp_path):
    keys_dir = tmp_path / "keys"
    init_key_files(keys_dir)
    before = load_audit_keys(keys_dir)
    store = AuditKeyStore(keys_dir)
    assert store.current() == before
    new_id = rotate_audit_key(keys_dir)
    after = load_audit_keys(keys_dir)
    assert after.active_id == new_id != before.active_id
    assert after.keys[before.active_id] == before.keys[before.active_id]
    # A running process notices the rotation without a restart.
    os.utime(keys_dir / AUDIT_ACTIVE_FILE, ns=(1, 1))
    assert store.current().active_id == new_id


def test_rotation_needs_a_first_key(tmp_path):
    with pytest.raises(KeyError_):
        rotate_audit_key(tmp_path / "keys")
    assert not (tmp_path / "keys").exists()


def test_a_missing_active_audit_key_is_refused(tmp_path):
    keys_dir = tmp_path / "keys"
    init_key_files(keys_dir)
    active = load_audit_keys(keys_dir).active_id
    (keys_dir / f"audit-{active}.key").unlink()
    with pytest.raises(KeyError_, match="missing"):
        load_audit_keys(keys_dir)


def test_the_master_key_derives_an_audit_key_of_its_own(tmp_path):
    master = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    keys = load_audit_keys(tmp_path / "unused", master)
    assert keys.active_id == "env"
    derived = keys.keys["env"]
    ring = load_keyring(tmp_path / "unused", master)
    assert derived not in (ring.keks["env"], ring.index_key)
    assert load_audit_keys(tmp_path / "other", master).keys["env"] == derived  # stable
    other = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    assert load_audit_keys(tmp_path / "unused", other).keys["env"] != derived
    assert not (tmp_path / "unused").exists()  # nothing written


def test_the_app_refuses_to_start_without_an_audit_key(tmp_path):
    settings = Settings(
        env=Environment.test,
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{tmp_path / 'vigil.db'}",
        secret_key=secrets.token_urlsafe(48),
    )
    init_key_files(settings.keys_dir)
    (settings.keys_dir / AUDIT_ACTIVE_FILE).unlink()
    with pytest.raises(KeyError_, match="No audit key"):
        create_app(settings)
    init_audit_key(settings.keys_dir)
    create_app(settings)
    assert audit_seal(settings).head_path == settings.data_dir / "audit-head.json"
