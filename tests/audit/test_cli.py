"""`vigil audit verify`, run as the real console script against a temporary SQLite database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from vigil.core.audit import record_event
from vigil.core.db import make_engine, make_sessionmaker, session_scope

_script = Path(sys.executable).with_name("vigil")
VIGIL = [str(_script)] if _script.exists() else [sys.executable, "-m", "vigil"]


def test_verify_reports_an_intact_then_a_broken_chain(tmp_path):
    database = tmp_path / "vigil.db"
    url = f"sqlite:///{database}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    environment.update(VIGIL_DATA_DIR=str(tmp_path / "var"), VIGIL_DATABASE_URL=url)

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

    upgraded = vigil("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            ids = [record_event(session, action=f"test.step{n}").id for n in range(4)]
    finally:
        engine.dispose()
    with closing(sqlite3.connect(database)) as db:
        total = db.execute("SELECT count(*) FROM audit_events").fetchone()[0]

    intact = vigil("audit", "verify", "--batch", "2")
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout.strip() == f"Audit chain intact: {total} entries checked."

    with closing(sqlite3.connect(database)) as db, db:
        db.execute("UPDATE audit_events SET action = 'test.innocent' WHERE id = ?", (ids[1],))
    broken = vigil("audit", "verify")
    assert broken.returncode == 1
    assert broken.stdout.startswith(f"Audit chain broken at entry {ids[1]}: ")
    assert "edited" in broken.stdout
