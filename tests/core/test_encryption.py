"""Encryption at rest: what a stolen database file or dump reveals (nothing sensitive), key
rotation without re-encrypting, and crypto-shredding."""

from __future__ import annotations

import secrets
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from vigil.core.crypto import (
    KeyStore,
    Vault,
    Withheld,
    add_kek_file,
    init_key_files,
    load_keyring,
    rewrap_all,
)
from vigil.core.db import make_engine, make_sessionmaker, session_scope
from vigil.core.migrations import upgrade
from vigil.defenders.service import find_defenders_by_name, record_defender, reveal_name
from vigil.incidents.schemas import IncidentCreate
from vigil.incidents.service import record_incident, reveal_incident
from vigil.intake.choices import vocabulary_codes
from vigil.intake.models import Author
from vigil.intake.schemas import parse_report_form
from vigil.intake.service import add_message, file_report
from vigil.organisations.service import ensure_organisation
from vigil.vocabularies.service import seed_vocabularies

PLANTED_NAME = "Xochiquetzal Planted-Surname"
PLANTED_PHONE = "+57 311 555 0199"
PLANTED_SENTENCE = "the red pickup waited by the schoolhouse at midnight"
PLANTED_PLACE = "Vereda La Quiebra-Planted"
PLANTED_REGION = "Alto Planted-Region"  # free text in the report's region field


def _store_planted(url: str, keys_dir: Path) -> Engine:
    """Store planted values; the engine is returned undisposed (its pooled connection keeps
    SQLite's WAL file in place, as on a live server)."""
    upgrade(url)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        seed_vocabularies(session)
        org = ensure_organisation(session, slug="planted", name="Planted")
        vault = Vault(session=session, ring=load_keyring(keys_dir))
        record_defender(
            session,
            vault=vault,
            org_id=org.id,
            alias="Leader P",
            name=PLANTED_NAME,
            contact=PLANTED_PHONE,
        )
        record_incident(
            session,
            vault=vault,
            org_id=org.id,
            data=IncidentCreate(
                title="Threat",
                summary=PLANTED_SENTENCE,
                place=PLANTED_PLACE,
                country="CO",
                occurred_on=date(2026, 1, 2),
            ),
        )
        form = parse_report_form(
            {
                "country": "CO",
                "defender_name": PLANTED_NAME,
                "defender_contact": PLANTED_PHONE,
                "narrative": PLANTED_SENTENCE,
                "place": PLANTED_PLACE,
                "region": PLANTED_REGION,
            },
            codes=vocabulary_codes(session),
            organisations={"planted"},
        )
        filed = file_report(
            session,
            vault=vault,
            org_id=org.id,
            form=form,
            submission_id="planted",
            attachments=[],
            locale="en",
        )
        add_message(
            session,
            vault=vault,
            report=filed.report,
            author=Author.reporter,
            body=f"Call me at {PLANTED_PHONE}",
        )
    return engine


def _assert_no_plaintext(blob: bytes) -> None:
    for planted in (PLANTED_NAME, PLANTED_PHONE, PLANTED_SENTENCE, PLANTED_PLACE, PLANTED_REGION):
        assert planted.encode() not in blob, f"{planted!r} found in clear"
        assert planted.encode("utf-16-le") not in blob


def test_sqlite_file_and_wal_hold_no_plaintext(tmp_path):
    init_key_files(tmp_path / "keys")
    db = tmp_path / "vigil.db"
    url = f"sqlite:///{db}"
    engine = _store_planted(url, tmp_path / "keys")
    files = [p for p in tmp_path.iterdir() if p.name.startswith("vigil.db")]
    assert any(p.name.endswith("-wal") for p in files), [p.name for p in files]
    _assert_no_plaintext(b"".join(p.read_bytes() for p in files))
    engine.dispose()


def test_pg_dump_holds_no_plaintext(tmp_path):
    name = pg_database_name("_crypto")
    url = create_pg_database(name)
    try:
        init_key_files(tmp_path / "keys")
        _store_planted(url, tmp_path / "keys").dispose()
        dump = subprocess.run(
            ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--inserts", name],
            capture_output=True,
            check=True,
        ).stdout
        assert b"INSERT INTO public.defenders" in dump
        assert b"INSERT INTO public.reports" in dump
        _assert_no_plaintext(dump)
    finally:
        drop_pg_database(name)


def test_rotation_rewraps_keys_and_everything_stays_readable(session, tmp_path):
    keys_dir = tmp_path / "keys"
    init_key_files(keys_dir)
    store = KeyStore(keys_dir)
    old = store.current()
    org = ensure_organisation(session, slug="rot", name="Rot")
    defender = record_defender(
        session,
        vault=Vault(session=session, ring=old),
        org_id=org.id,
        alias="A",
        name="Ana Rotación",
    )
    new_id = add_kek_file(keys_dir)
    ring = store.current()  # the store notices the new active key without a restart
    assert ring.active_id == new_id and old.active_id in ring.keks
    assert rewrap_all(session, ring) >= 1
    assert rewrap_all(session, ring) == 0  # idempotent
    assert reveal_name(Vault(session=session, ring=ring), defender) == "Ana Rotación"


def test_blind_index_finds_exact_names_per_organisation(session, vault):
    org, other = (ensure_organisation(session, slug=f"bi-{i}", name="BI") for i in (1, 2))
    found = record_defender(
        session, vault=vault, org_id=org.id, alias="A", name="María José  Pérez"
    )
    record_defender(session, vault=vault, org_id=other.id, alias="B", name="María José Pérez")
    assert found.name_index and "Pérez" not in found.name_index
    hits = find_defenders_by_name(session, vault=vault, org_id=org.id, name="maría josé pérez")
    assert [d.id for d in hits] == [found.id]
    assert find_defenders_by_name(session, vault=vault, org_id=org.id, name="María") == []


def test_destroyed_key_makes_values_withheld(session, vault):
    org = ensure_organisation(session, slug="shred", name="Shred")
    incident = record_incident(
        session,
        vault=vault,
        org_id=org.id,
        data=IncidentCreate(title="T", summary="secret summary", country="CO"),
    )
    vault.destroy(incident.data_key_id)
    fresh = Vault(session=session, ring=vault.ring)  # no cached plain key
    with pytest.raises(Withheld):
        fresh.open(incident.data_key_id, incident.summary_sealed)
    assert reveal_incident(fresh, incident).withheld


def test_master_key_from_environment(tmp_path):
    master = secrets.token_bytes(32)
    import base64

    ring = load_keyring(tmp_path / "absent", base64.urlsafe_b64encode(master).decode())
    assert ring.active_id == "env" and ring.keks["env"] == master
    with pytest.raises(Exception, match="32 bytes"):
        load_keyring(tmp_path, base64.urlsafe_b64encode(b"short").decode())


def test_retiring_a_key_only_once_nothing_needs_it(session, tmp_path):
    from vigil.core.crypto import KeyError_, retire_kek

    keys_dir = tmp_path / "keys"
    init_key_files(keys_dir)
    old = load_keyring(keys_dir)
    org = ensure_organisation(session, slug="retire", name="Retire")
    record_defender(
        session, vault=Vault(session=session, ring=old), org_id=org.id, alias="R", name="Rosa"
    )
    with pytest.raises(KeyError_, match="active key"):
        retire_kek(session, keys_dir, old.active_id)
    add_kek_file(keys_dir)
    with pytest.raises(KeyError_, match="still protects"):
        retire_kek(session, keys_dir, old.active_id)
    rewrap_all(session, load_keyring(keys_dir))
    retire_kek(session, keys_dir, old.active_id)
    assert old.active_id not in load_keyring(keys_dir).keks
