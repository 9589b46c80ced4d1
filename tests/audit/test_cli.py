"""`vigil audit verify`, `vigil audit checkpoint` and `vigil keys rotate-audit`, run as the
real console script against a temporary SQLite installation."""

from __future__ import annotations

import base64
import json
import os
import secrets
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from typer.testing import CliRunner

from vigil.audit.cli import describe
from vigil.cli import app as cli_app
from vigil.core.audit import audit_seal, bind_audit, record_event
from vigil.core.audit_verify import ChainReport
from vigil.core.config import Settings
from vigil.core.crypto import KeyError_, init_key_files, load_audit_keys
from vigil.core.db import make_engine, make_sessionmaker, session_scope
from vigil.core.migrations import upgrade

_script = Path(sys.executable).with_name("vigil")
VIGIL = [str(_script)] if _script.exists() else [sys.executable, "-m", "vigil"]


def test_verify_checkpoint_and_rotation_end_to_end(tmp_path):
    """Five `vigil` processes (each takes seconds to start): the rest is checked in-process."""
    data_dir, database = tmp_path / "var", tmp_path / "vigil.db"
    url = f"sqlite:///{database}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    environment.update(VIGIL_DATA_DIR=str(data_dir), VIGIL_DATABASE_URL=url)

    def vigil(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*VIGIL, *args],
            env=environment,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def sql(statement: str, *params: object) -> list[tuple]:
        with closing(sqlite3.connect(database)) as db, db:
            return db.execute(statement, params).fetchall()

    upgrade(url)
    init_key_files(data_dir / "keys")  # what `vigil keys init` does (tests/test_cli.py)
    first_key = load_audit_keys(data_dir / "keys").active_id
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            bind_audit(session, audit_seal(Settings(data_dir=data_dir, database_url=url)))
            ids = [record_event(session, action=f"test.step{n}").id for n in range(4)]
    finally:
        engine.dispose()
    assert json.loads((data_dir / "audit-head.json").read_text())["entry_id"] == ids[-1]

    checkpoint = tmp_path / "elsewhere" / "checkpoint.json"
    written = vigil("audit", "checkpoint", "--output", str(checkpoint))
    assert written.returncode == 0, written.stderr
    assert f"4 entries, newest {ids[-1]}" in written.stdout
    rotated = vigil("keys", "rotate-audit")
    assert rotated.returncode == 0, rotated.stderr
    second_key = rotated.stdout.split()[2]
    assert load_audit_keys(data_dir / "keys").keys.keys() == {first_key, second_key}

    intact = vigil("audit", "verify", "--batch", "2", "--checkpoint", str(checkpoint))
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout.strip() == "Audit chain intact: 5 entries checked."
    assert sql("SELECT key_id FROM audit_events ORDER BY seq") == [(first_key,)] * 4 + [
        (second_key,)
    ]

    sql("UPDATE audit_events SET actor_user_id = 1 WHERE id = ?", ids[1])
    broken = vigil("audit", "verify")
    assert broken.returncode == 1
    assert broken.stdout.startswith(f"Audit chain broken at entry {ids[1]}: ")
    assert "edited" in broken.stdout

    forged = json.loads(checkpoint.read_text())
    forged["head"]["seq"] = 0
    checkpoint.write_text(json.dumps(forged))
    refused = vigil("audit", "verify", "--checkpoint", str(checkpoint))
    assert refused.returncode == 2
    assert refused.stderr.startswith("Error: ") and "invalid signature" in refused.stderr


def test_verify_prints_one_line_for_every_outcome():
    assert describe(ChainReport(5)) == "Audit chain intact: 5 entries checked."
    behind = describe(ChainReport(5, behind=2))
    assert behind.startswith("Audit chain intact: 5 entries checked. The head file is 2 entries")
    assert describe(ChainReport(2, 17, "it was edited")) == (
        "Audit chain broken at entry 17: it was edited."
    )
    assert describe(ChainReport(0, reason="the log is empty but the head file says it held 4")) == (
        "Audit chain broken: the log is empty but the head file says it held 4."
    )
    for report in (ChainReport(5, behind=2), ChainReport(0, reason="x")):
        assert "\n" not in describe(report)


def test_rotate_audit_refuses_a_key_derived_from_the_master_key(tmp_path):
    master = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    environment = {"VIGIL_DATA_DIR": str(tmp_path / "var"), "VIGIL_MASTER_KEY": master}
    result = CliRunner().invoke(cli_app, ["keys", "rotate-audit"], env=environment)
    assert isinstance(result.exception, KeyError_)
    assert "derived from VIGIL_MASTER_KEY" in str(result.exception)
    assert not (tmp_path / "var" / "keys").exists()
