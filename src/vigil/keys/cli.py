"""``vigil keys``: create, rotate and inspect the key-encryption keys (KEKs)."""

from __future__ import annotations

import typer
from sqlalchemy import func, select

from vigil.core.audit import record_event
from vigil.core.config import load_settings
from vigil.core.crypto import (
    DataKey,
    KeyError_,
    add_kek_file,
    init_audit_key,
    init_key_files,
    load_audit_keys,
    load_keyring,
    retire_kek,
    rewrap_all,
    rotate_audit_key,
)
from vigil.core.db import database_session

keys_app = typer.Typer(help="Encryption keys (kept outside the database).", no_args_is_help=True)


@keys_app.command("init")
def keys_init() -> None:
    """Create the first key-encryption key, the blind-index key and the audit key under
    VIGIL_DATA_DIR/keys."""
    settings = load_settings()
    if settings.master_key:
        typer.echo("VIGIL_MASTER_KEY is set: keys come from the environment, nothing to create.")
        return
    if init_key_files(settings.keys_dir):
        typer.echo(
            f"Created encryption keys in {settings.keys_dir} (mode 0600). Back them up "
            "separately from the database: without them nothing can be decrypted."
        )
    elif init_audit_key(settings.keys_dir):  # keys made before the audit chain was keyed
        typer.echo(
            f"Encryption keys already exist in {settings.keys_dir}; created the audit key "
            "there (mode 0600). Back it up with them."
        )
    else:
        typer.echo(f"Encryption keys already exist in {settings.keys_dir}.")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Make a new KEK active and re-wrap every data key with it, in small transactions, while
    the server keeps running (it notices the new key on its next request)."""
    settings = load_settings()
    if settings.master_key:
        raise KeyError_(
            "Rotation needs the key files: unset VIGIL_MASTER_KEY and run "
            "`vigil keys init`, or replace the variable yourself."
        )
    load_keyring(settings.keys_dir)  # refuse before creating anything if keys are missing
    new_id = add_kek_file(settings.keys_dir)
    ring = load_keyring(settings.keys_dir)
    total = 0
    while True:
        with database_session(settings.effective_database_url) as session:
            changed = rewrap_all(session, ring, batch=500, limit=500)
            if changed:
                total += changed
            else:
                record_event(
                    session,
                    action="keys.rotated",
                    object_type="kek",
                    object_id=new_id,
                    detail={"rewrapped": total},
                )
                break
    typer.echo(f"Key {new_id} is active; {total} data keys re-wrapped.")


@keys_app.command("rotate-audit")
def keys_rotate_audit() -> None:
    """Make a new audit key active: new audit entries are signed with it; the old key files
    stay, since `vigil audit verify` needs them for the entries they signed."""
    settings = load_settings()
    if settings.master_key:
        raise KeyError_(
            "The audit key is derived from VIGIL_MASTER_KEY: rotating it needs the key "
            "files (unset VIGIL_MASTER_KEY and run `vigil keys init`)."
        )
    new_id = rotate_audit_key(settings.keys_dir)
    with database_session(settings.effective_database_url) as session:
        record_event(
            session, action="keys.audit_rotated", object_type="audit_key", object_id=new_id
        )
    typer.echo(f"Audit key {new_id} is active; keep the older audit keys for verification.")


@keys_app.command("retire")
def keys_retire(kek_id: str) -> None:
    """Delete an old key-encryption key that no live data key uses any more; archives made
    while it was active can then never be decrypted (crypto-shredding reaches old backups)."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        retire_kek(session, settings.keys_dir, kek_id)
        record_event(session, action="keys.retired", object_type="kek", object_id=kek_id)
    typer.echo(f"Key {kek_id} retired: archives made with it can no longer be read.")


@keys_app.command("status")
def keys_status() -> None:
    """How many live data keys each KEK protects (an old KEK at 0 may be archived), and which
    audit keys verification can use."""
    settings = load_settings()
    master = settings.master_key.get_secret_value() if settings.master_key else None
    ring = load_keyring(settings.keys_dir, master)
    with database_session(settings.effective_database_url) as session:
        counts = dict(
            session.execute(
                select(DataKey.kek_id, func.count())
                .where(DataKey.wrapped.is_not(None))
                .group_by(DataKey.kek_id)
            ).all()
        )
    for kek_id in sorted(set(ring.keks) | set(counts)):
        marker = " (active)" if kek_id == ring.active_id else ""
        missing = "" if kek_id in ring.keks else "  MISSING: cannot be decrypted"
        typer.echo(f"{kek_id}{marker}: {counts.get(kek_id, 0)} data keys{missing}")
    audit = load_audit_keys(settings.keys_dir, master)
    for key_id in sorted(audit.keys):
        marker = " (active)" if key_id == audit.active_id else ""
        typer.echo(f"audit key {key_id}{marker}")
