"""`vigil backup` and `vigil restore` end to end, as an operator runs them, on SQLite and on
PostgreSQL: back up a live installation (a reader holds a transaction open meanwhile), restore
into an empty one with the keys copied over, and compare.

Each `vigil` process takes seconds to start, so both database kinds run concurrently once per
module and the tests check what they left behind.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from vigil.backup.archive import write_archive
from vigil.backup.service import _libpq, _pg_dump_output, backup_database, restore_database
from vigil.core.audit import AuditEvent, audit_seal, bind_audit
from vigil.core.audit_head import Head, write_head
from vigil.core.audit_verify import verify_chain
from vigil.core.config import Environment, Settings
from vigil.core.crypto import KeyRing, Vault, init_key_files, keystore_for, load_keyring
from vigil.core.db import READ_ONLY, database_session, make_engine
from vigil.core.errors import Invalid
from vigil.core.migrations import upgrade
from vigil.defenders.models import Defender
from vigil.defenders.service import record_defender, reveal_name
from vigil.demo.loader import load_demo
from vigil.intake.models import Report, ReportAttachment
from vigil.models import metadata
from vigil.organisations.models import Organisation

KINDS = ["sqlite", "postgresql"]
PLANTED_NAME = "Itzel Planted-Backupname"
PLANTED_ALIAS = "Alias Planted-Plaintext-7731"  # stored in clear in the database
ATTACHMENT = b"%PDF-planted-attachment " + os.urandom(1_500_000)  # spans two archive chunks

_script = Path(sys.executable).with_name("vigil")
VIGIL = [str(_script)] if _script.exists() else [sys.executable, "-m", "vigil"]


@dataclass
class Install:
    """One installation: a data directory and a database."""

    data_dir: Path
    url: str

    @property
    def settings(self) -> Settings:
        return Settings(
            env=Environment.test,
            data_dir=self.data_dir,
            database_url=self.url,
            secret_key=secrets.token_urlsafe(48),
        )

    def vigil(self, *args: str) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
        environment.update(VIGIL_DATA_DIR=str(self.data_dir), VIGIL_DATABASE_URL=self.url)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return subprocess.run(
            [*VIGIL, *args],
            env=environment,
            cwd=self.data_dir.parent,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def counts(self) -> dict[str, int]:
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                return {
                    table.name: conn.scalar(select(func.count()).select_from(table))
                    for table in metadata.sorted_tables
                }
        finally:
            engine.dispose()

    def is_empty(self) -> bool:
        if self.url.startswith("sqlite"):
            path = Path(self.url.removeprefix("sqlite:///"))
            return not path.exists() or path.stat().st_size == 0
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                return not conn.scalar(
                    text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                )
        finally:
            engine.dispose()


MIGRATION_LOCK = threading.Lock()


def populate(install: Install) -> dict[str, int]:
    """Migrate, `vigil keys init`, demo data, plus a planted defender and a sealed attachment."""
    settings = install.settings
    with MIGRATION_LOCK:  # Alembic's migration context is global to the process
        upgrade(install.url)
    init_key_files(settings.keys_dir)
    with database_session(install.url) as session:
        bind_audit(session, audit_seal(settings))  # the installation's audit key and head file
        vault = Vault(session=session, ring=keystore_for(settings).current())
        load_demo(session, settings=settings, vault=vault)
        org_id = session.scalar(select(Organisation.id).order_by(Organisation.id).limit(1))
        defender = record_defender(
            session, vault=vault, org_id=org_id, alias=PLANTED_ALIAS, name=PLANTED_NAME
        )
        key = vault.new_key()
        report = Report(
            organisation_id=org_id,
            receipt_digest=secrets.token_hex(32),
            submission_digest=secrets.token_hex(32),
            data_key_id=key.id,
            answers_sealed=vault.seal(key.id, "{}"),
            country="CO",
        )
        report.attachments.append(
            ReportAttachment(
                media_type="application/pdf",
                size=len(ATTACHMENT),
                sha256_sealed=vault.seal(key.id, hashlib.sha256(ATTACHMENT).hexdigest()),
                content_sealed=vault.seal(key.id, ATTACHMENT),
            )
        )
        session.add(report)
        session.flush()
        return {"defender": defender.id, "report": report.id}


def inspect(install: Install, ids: dict[str, int]) -> dict[str, Any]:
    """What a restored installation holds, read through Vigil's own code."""
    settings = install.settings
    with database_session(install.url) as session:
        bind_audit(session, audit_seal(settings))
        vault = Vault(session=session, ring=keystore_for(settings).current())
        defender = session.get(Defender, ids["defender"])
        report = session.get(Report, ids["report"])
        return {
            "name": reveal_name(vault, defender) if defender else None,
            "attachment": vault.open_bytes(report.data_key_id, report.attachments[0].content_sealed)
            if report
            else None,
            "sealed": session.execute(
                select(Defender.id, Defender.name_sealed).order_by(Defender.id)
            ).all(),
            "chain": verify_chain(session),
            "last_action": session.scalar(
                select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)
            ),
        }


def refusal(action: Any, settings: Settings, path: Path) -> str:
    """The message of the ``Invalid`` a service function refuses with (in-process: quicker
    than a `vigil` process; the CLI turns it into one line and exit 2, checked below)."""
    with pytest.raises(Invalid) as refused:
        action(settings, path)
    return str(refused.value)


def scenario(kind: str, tmp: Path) -> dict[str, Any]:
    if kind == "sqlite":
        src = Install(tmp / "src" / "var", f"sqlite:///{tmp / 'src' / 'var' / 'vigil.db'}")
        dst = Install(tmp / "dst" / "var", f"sqlite:///{tmp / 'dst' / 'var' / 'vigil.db'}")
    else:
        src = Install(tmp / "src" / "var", create_pg_database(pg_database_name("_backup_src")))
        dst = Install(tmp / "dst" / "var", create_pg_database(pg_database_name("_backup_dst")))
    seen: dict[str, Any] = {"src": src, "dst": dst, "archive": tmp / "vigil.backup"}
    seen["ids"] = populate(src)
    seen["before"] = src.counts()

    # Online: another client keeps a read transaction open during the whole backup.
    engine = make_engine(src.url)
    try:
        with engine.connect().execution_options(**{READ_ONLY: True}) as reader:
            reader.begin()  # a reader: on SQLite a plain BEGIN, which holds no write lock
            seen["read_during"] = reader.scalar(text("SELECT count(*) FROM incidents"))
            seen["backup"] = src.vigil("backup", str(seen["archive"]))
            seen["reader_still_open"] = reader.in_transaction()
            reader.rollback()
    finally:
        engine.dispose()
    seen["again"] = refusal(backup_database, src.settings, seen["archive"])
    seen["source_after"] = inspect(src, seen["ids"])

    # The operator copies the keys directory into the new, empty data directory.
    dst.data_dir.mkdir(parents=True)
    shutil.copytree(src.settings.keys_dir, dst.settings.keys_dir)
    ring = load_keyring(dst.settings.keys_dir)

    tampered = tmp / "tampered.backup"
    raw = bytearray(seen["archive"].read_bytes())
    raw[len(raw) - 100] ^= 0x01  # in the last chunk: everything before it decrypts fine
    tampered.write_bytes(bytes(raw))
    seen["restore_tampered"] = refusal(restore_database, dst.settings, tampered)
    seen["empty_after_tampered"] = dst.is_empty()

    other = "postgresql" if kind == "sqlite" else "sqlite"
    wrong_kind = tmp / "other-kind.backup"
    write_archive(wrong_kind, ring, database=other, revision="0001", payload=[b"x"])
    seen["restore_wrong_kind"] = refusal(restore_database, dst.settings, wrong_kind)

    # A head file left by the lost installation (its log was longer than the archive's).
    write_head(dst.data_dir / "audit-head.json", Head(10_000, 10_000, "f" * 64, "lost"))
    seen["restore"] = dst.vigil("restore", str(seen["archive"]))
    seen["after"] = dst.counts()
    seen["restored"] = inspect(dst, seen["ids"])
    seen["restore_again"] = dst.vigil("restore", str(seen["archive"]))
    seen["after_again"] = dst.counts()
    return seen


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Iterator[dict[str, dict[str, Any]]]:
    try:
        with ThreadPoolExecutor(max_workers=len(KINDS)) as pool:
            futures = {
                kind: pool.submit(scenario, kind, tmp_path_factory.mktemp(f"backup-{kind}"))
                for kind in KINDS
            }
            yield {kind: future.result() for kind, future in futures.items()}
    finally:
        drop_pg_database(pg_database_name("_backup_src"))
        drop_pg_database(pg_database_name("_backup_dst"))


def assert_user_mistake(result, *fragments: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("kind", KINDS)
def test_backup_runs_while_a_reader_holds_a_transaction(runs, kind):
    seen = runs[kind]
    assert seen["backup"].returncode == 0, seen["backup"].stderr
    assert seen["backup"].stdout.startswith(f"Backup written to {seen['archive']}")
    assert "keys directory" in seen["backup"].stdout
    assert seen["read_during"] == seen["before"]["incidents"]
    assert seen["reader_still_open"]


@pytest.mark.parametrize("kind", KINDS)
def test_restore_reproduces_every_table(runs, kind):
    seen = runs[kind]
    assert seen["restore"].returncode == 0, seen["restore"].stderr
    assert seen["restore"].stdout.startswith("Restored the ")
    before, after = dict(seen["before"]), dict(seen["after"])
    # The restored log holds the source's entries at backup time, then `backup.restored`.
    assert after.pop("audit_events") == before.pop("audit_events") + 1
    assert after == before
    assert seen["before"]["defenders"] > 1 and seen["before"]["report_attachments"] == 1


@pytest.mark.parametrize("kind", KINDS)
def test_sealed_values_are_readable_after_restore(runs, kind):
    restored, source = runs[kind]["restored"], runs[kind]["source_after"]
    assert restored["name"] == PLANTED_NAME
    assert restored["attachment"] == ATTACHMENT
    assert restored["sealed"] == source["sealed"]  # byte for byte


@pytest.mark.parametrize("kind", KINDS)
def test_backup_and_restore_are_audited_and_the_chains_hold(runs, kind):
    seen = runs[kind]
    assert seen["source_after"]["last_action"] == "backup.created"
    assert seen["source_after"]["chain"].intact
    assert seen["restored"]["last_action"] == "backup.restored"
    assert seen["restored"]["chain"].intact
    # Each data directory's head file names its own newest entry: the restore replaced the
    # head file the lost installation left behind.
    assert seen["source_after"]["chain"].behind == seen["restored"]["chain"].behind == 0
    # The archive holds the entries before `backup.created`; the restore adds `backup.restored`.
    assert seen["restored"]["chain"].checked == seen["source_after"]["chain"].checked


@pytest.mark.parametrize("kind", KINDS)
def test_restore_into_a_non_empty_target_is_refused(runs, kind):
    seen = runs[kind]
    assert_user_mistake(seen["restore_again"], "not empty")
    assert seen["after_again"] == seen["after"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_tampered_archive_restores_nothing(runs, kind):
    seen = runs[kind]
    assert "could not be decrypted" in seen["restore_tampered"]
    assert "Nothing was restored" in seen["restore_tampered"]
    assert seen["empty_after_tampered"]
    leftovers = [p.name for p in seen["dst"].data_dir.iterdir() if "restore" in p.name]
    assert leftovers == []


@pytest.mark.parametrize("kind", KINDS)
def test_an_archive_of_the_other_database_kind_is_refused(runs, kind):
    assert "VIGIL_DATABASE_URL points to" in runs[kind]["restore_wrong_kind"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_existing_archive_is_not_overwritten(runs, kind):
    assert "already exists" in runs[kind]["again"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_archive_is_private_and_holds_no_plaintext_and_no_key(runs, kind):
    seen = runs[kind]
    archive: Path = seen["archive"]
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    raw = archive.read_bytes()
    for planted in (PLANTED_NAME, PLANTED_ALIAS, "Planted", "red-andina", "CREATE TABLE"):
        assert planted.encode() not in raw
        assert planted.encode("utf-16-le") not in raw
    assert b"SQLite format 3" not in raw and b"PGDMP" not in raw
    assert ATTACHMENT[:24] not in raw
    ring = load_keyring(seen["src"].settings.keys_dir)
    for secret in (*ring.keks.values(), ring.index_key):
        assert secret not in raw
        assert base64.urlsafe_b64encode(secret) not in raw
    assert [p.name for p in archive.parent.iterdir() if p.name.endswith(".partial")] == []


def test_a_failing_pg_dump_leaves_no_archive(tmp_path):
    fake_pg_dump = (
        "import sys; sys.stdout.buffer.write(b'PGDMP' + bytes(3_000_000)); "
        "sys.stderr.write('pg_dump: error: connection to server lost\\n'); sys.exit(1)"
    )
    ring = KeyRing(keks={"k": bytes(32)}, active_id="k", index_key=bytes(32))
    with (
        tempfile.TemporaryFile() as errors,
        pytest.raises(Invalid, match=r"pg_dump failed.*connection to server lost"),
    ):
        write_archive(
            tmp_path / "vigil.backup",
            ring,
            database="postgresql",
            revision="0001",
            payload=_pg_dump_output([sys.executable, "-c", fake_pg_dump], dict(os.environ), errors),
        )
    assert list(tmp_path.iterdir()) == []


def test_a_database_password_goes_to_the_environment_only():
    conninfo, env = _libpq(
        "postgresql+psycopg://vigil:s3cr%40t@db.example:6543/vigil?sslmode=require"
    )
    assert "s3cr" not in conninfo
    assert env["PGPASSWORD"] == "s3cr@t"
    for part in ("host=db.example", "port=6543", "user=vigil", "dbname=vigil", "sslmode=require"):
        assert part in conninfo
