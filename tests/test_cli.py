"""The real `vigil` console script, run as a subprocess against fresh databases.

Each `vigil` process spends about two seconds importing, so the command sequences run once per
module, concurrently (SQLite, PostgreSQL and the one-off mistakes each in their own thread), and
the tests below check what each command printed and left in the database.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from tests.conftest import pg_database_name
from vigil.core.db import make_engine, make_sessionmaker, session_scope
from vigil.core.migrations import upgrade
from vigil.organisations.service import ensure_organisation

PG_ADMIN = os.environ.get("VIGIL_TEST_PG_ADMIN", "host=127.0.0.1 user=postgres dbname=postgres")
PG_HOST = os.environ.get("VIGIL_TEST_PG_HOST", "postgres@127.0.0.1:5432")
PG_DATABASE = pg_database_name("_cli")
BASE_URL = "https://vigil.example.org"
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/x"
COUNTED = ("incidents", "companies", "projects", "company_relationships", "users")
KINDS = ["sqlite", "postgresql"]

_script = Path(sys.executable).with_name("vigil")
VIGIL = [str(_script)] if _script.exists() else [sys.executable, "-m", "vigil"]


@dataclass
class Vigil:
    """Runs `vigil …` with its own data directory and database."""

    data_dir: Path
    url: str

    def __call__(self, *args: str, url: str | None = None, **env: str):
        environment = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
        environment.update(
            VIGIL_DATA_DIR=str(self.data_dir),
            VIGIL_DATABASE_URL=url or self.url,
            VIGIL_BASE_URL=BASE_URL,
            **env,
        )
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)  # the data dir itself: vigil's
        return subprocess.run(
            [*VIGIL, *args],
            env=environment,
            cwd=self.data_dir.parent,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def query(self, *sql: str) -> list[Any]:
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                return [conn.scalar(text(statement)) for statement in sql]
        finally:
            engine.dispose()

    def counts(self) -> dict[str, int]:
        return dict(
            zip(COUNTED, self.query(*(f"SELECT count(*) FROM {t}" for t in COUNTED)), strict=True)
        )


def lifecycle(vigil: Vigil) -> dict[str, Any]:
    """A new installation: migrate, load the demo twice, add a user (and the same one again)."""
    seen: dict[str, Any] = {
        "vigil": vigil,
        "before": vigil("db", "current"),
        "upgrade": vigil("db", "upgrade"),
        "after": vigil("db", "current"),
        "keys1": vigil("keys", "init"),
        "keys2": vigil("keys", "init"),
        "load1": vigil("demo", "load"),
    }
    seen["counts1"] = vigil.counts()
    seen["load2"] = vigil("demo", "load")
    seen["counts2"] = vigil.counts()
    seen["rotate"] = vigil("keys", "rotate")
    seen["status"] = vigil("keys", "status")
    seen["retention"] = vigil("retention", "run")
    seen["worker"] = vigil("worker", "--once")
    seen["publish"] = vigil("public", "publish")
    seen["published"] = vigil.query(
        "SELECT total FROM public_snapshots",
        "SELECT count(*) FROM public_snapshot_counts WHERE count IS NULL",
        "SELECT coalesce(sum(count), 0) FROM public_snapshot_counts WHERE dimension = 'country'",
    )
    seen["forget"] = vigil("people", "forget", "1")
    seen["forget_missing"] = vigil("people", "forget", "999999")
    seen["forgotten"] = vigil.query(
        "SELECT count(*) FROM defenders WHERE id = 1 AND name_sealed IS NULL "
        "AND forgotten_at IS NOT NULL",
        "SELECT count(*) FROM data_keys k JOIN defenders d ON d.data_key_id = k.id "
        "WHERE d.id = 1 AND k.wrapped IS NULL",
    )
    seen["countries"], seen["sectors"] = vigil.query(
        "SELECT count(DISTINCT country) FROM incidents",
        "SELECT count(DISTINCT sector_id) FROM incidents",
    )
    user = ("users", "create", "--email", "x@y.org", "--role", "analyst", "--org", "red-andina")
    seen["create"] = vigil(*user)
    seen["duplicate"] = vigil(*user[:3], "X@Y.org", *user[4:])
    seen["users_after"] = vigil.counts()["users"]
    seen["audit"] = vigil("audit", "verify")
    return seen


def mistakes(tmp: Path) -> dict[str, Any]:
    """One-off commands against an un-migrated and a migrated SQLite database."""
    fresh = Vigil(tmp / "fresh" / "var", f"sqlite:///{tmp / 'fresh.db'}")
    ready = Vigil(tmp / "ready" / "var", f"sqlite:///{tmp / 'ready.db'}")
    upgrade(ready.url)
    engine = make_engine(ready.url)
    with session_scope(make_sessionmaker(engine)) as session:
        ensure_organisation(session, slug="red-andina", name="Red Andina")
    engine.dispose()

    def create(email: str = "z@y.org", role: str = "analyst", org: str = "red-andina"):
        return ready("users", "create", "--email", email, "--role", role, "--org", org)

    return {
        "version": fresh("--version"),
        "serve": fresh("serve", "--port", "8799"),
        "unreachable": fresh("db", "current", url=UNREACHABLE),
        "unparsable": fresh("db", "current", url="not-a-url"),
        "bad_setting": fresh("db", "current", VIGIL_SESSION_IDLE_MINUTES="abc"),
        "unknown_org": create(org="no-such-org"),
        "unknown_role": create(role="boss"),
        "bad_email": create(email="not-an-address"),
        "unknown_revision": ready("db", "upgrade", "no-such-revision"),
        "users_after": ready.counts()["users"],
    }


def _create_pg() -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    return f"postgresql+psycopg://{PG_HOST}/{PG_DATABASE}"


def _drop_pg() -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Iterator[dict[str, dict[str, Any]]]:
    sqlite_dir, pg_dir = tmp_path_factory.mktemp("cli-sqlite"), tmp_path_factory.mktemp("cli-pg")
    pg = Vigil(pg_dir / "var", _create_pg())
    sqlite = Vigil(sqlite_dir / "var", f"sqlite:///{sqlite_dir / 'cli.db'}")
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = {
                "sqlite": pool.submit(lifecycle, sqlite),
                "postgresql": pool.submit(lifecycle, pg),
                "mistakes": pool.submit(mistakes, tmp_path_factory.mktemp("cli-x")),
            }
            yield {name: future.result() for name, future in futures.items()}
    finally:
        _drop_pg()


def assert_user_mistake(result, *fragments: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error:"), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0]


def test_version(runs):
    result = runs["mistakes"]["version"]
    assert result.returncode == 0
    assert result.stdout.strip() == "vigil 0.1.0"


@pytest.mark.parametrize("kind", KINDS)
def test_db_current_before_and_after_upgrade(runs, kind):
    seen = runs[kind]
    assert seen["before"].returncode == 0, seen["before"].stderr
    assert "empty" in seen["before"].stdout
    assert "up to date" not in seen["before"].stdout
    assert seen["upgrade"].returncode == 0, seen["upgrade"].stderr
    assert seen["after"].returncode == 0
    assert "up to date" in seen["after"].stdout


@pytest.mark.parametrize("kind", KINDS)
def test_demo_load_twice_creates_nothing_the_second_time(runs, kind):
    seen = runs[kind]
    assert seen["load1"].returncode == 0, seen["load1"].stderr
    assert seen["load2"].returncode == 0, seen["load2"].stderr
    summary = seen["load2"].stdout.splitlines()[0]
    assert summary.startswith("Demo data loaded")
    assert set(re.findall(r"(\d+) [a-z]", summary)) <= {"0"}, summary
    assert seen["counts2"] == seen["counts1"]


@pytest.mark.parametrize("kind", KINDS)
def test_keys_init_rotate_status_and_forget(runs, kind):
    seen = runs[kind]
    assert seen["keys1"].returncode == 0 and "Created encryption keys" in seen["keys1"].stdout
    assert seen["keys2"].returncode == 0 and "already exist" in seen["keys2"].stdout
    assert seen["rotate"].returncode == 0, seen["rotate"].stderr
    rewrapped = int(re.search(r"(\d+) data keys re-wrapped", seen["rotate"].stdout).group(1))
    assert rewrapped >= 120  # a key per demo incident and per defender
    status = seen["status"].stdout.splitlines()
    assert any("(active)" in line and f": {rewrapped} data keys" in line for line in status)
    assert any(line.endswith(": 0 data keys") for line in status), status
    audit_keys = [line for line in status if line.startswith("audit key ")]
    assert len(audit_keys) == 1 and audit_keys[0].endswith("(active)"), status
    assert seen["retention"].returncode == 0, seen["retention"].stderr
    assert seen["worker"].returncode == 0, seen["worker"].stderr
    assert seen["retention"].stdout.startswith("Retention applied: 0 rejected reports purged")
    assert seen["forget"].returncode == 0, seen["forget"].stderr
    assert seen["forgotten"] == [1, 1]
    assert seen["forget_missing"].returncode == 2
    assert seen["forget_missing"].stderr.startswith("Error:")


@pytest.mark.parametrize("kind", KINDS)
def test_public_publish_counts_the_demo_world_and_withholds_small_cells(runs, kind):
    published = runs[kind]["publish"]
    assert published.returncode == 0, published.stderr
    total, withheld, shown_countries = runs[kind]["published"]
    assert published.stdout.startswith(f"Public counts published: {total} incidents counted")
    assert "counts below 5 withheld" in published.stdout
    # The demo world counts about a hundred incidents in every country, while two types of
    # attack have four incidents each: withheld, their incidents left out of every number.
    assert total >= 90 and withheld >= 1 and total == shown_countries


@pytest.mark.parametrize("kind", KINDS)
def test_demo_data_is_a_rich_fictional_world(runs, kind):
    seen = runs[kind]
    assert seen["counts1"]["incidents"] >= 60
    assert seen["counts1"]["companies"] >= 30
    assert seen["countries"] >= 8
    assert seen["sectors"] >= 6


@pytest.mark.parametrize("kind", KINDS)
def test_users_create_prints_a_one_time_link(runs, kind):
    created = runs[kind]["create"]
    assert created.returncode == 0, created.stderr
    links = [line for line in created.stdout.splitlines() if "/enrol/" in line]
    assert len(links) == 1
    assert links[0].startswith(BASE_URL + "/enrol/")
    assert len(links[0]) > len(BASE_URL + "/enrol/") + 30


@pytest.mark.parametrize("kind", KINDS)
def test_duplicate_email_is_a_user_mistake(runs, kind):
    seen = runs[kind]
    assert_user_mistake(seen["duplicate"], "already exists")
    assert seen["users_after"] == seen["counts2"]["users"] + 1


@pytest.mark.parametrize("kind", KINDS)
def test_every_command_leaves_a_verifiable_audit_chain(runs, kind):
    """Entries of every command above are signed and anchored in the head file."""
    seen = runs[kind]
    assert seen["audit"].returncode == 0, seen["audit"].stdout + seen["audit"].stderr
    assert re.fullmatch(r"Audit chain intact: \d+ entries checked\.", seen["audit"].stdout.strip())


@pytest.mark.parametrize("kind", KINDS)
def test_generated_files_are_private(runs, kind):
    data_dir = runs[kind]["vigil"].data_dir
    keys = sorted(p.relative_to(data_dir).as_posix() for p in (data_dir / "keys").glob("*.key"))
    assert len(keys) == 4, keys  # first KEK, rotated KEK, blind-index key, audit key
    for name in ("secret_key", "demo-credentials.txt", "audit-head.json", *keys):
        mode = stat.S_IMODE((data_dir / name).stat().st_mode)
        assert mode == 0o600, f"{name}: {oct(mode)}"


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("unknown_org", "no-such-org"),
        ("unknown_role", "boss"),
        ("bad_email", "not-an-address"),
        ("unreachable", "VIGIL_DATABASE_URL"),
        ("serve", "vigil db upgrade"),
    ],
)
def test_mistakes_are_one_clear_line(runs, name, fragment):
    assert_user_mistake(runs["mistakes"][name], fragment)
    assert runs["mistakes"]["users_after"] == 0


def test_unparsable_database_url_is_one_clear_line(runs):
    assert_user_mistake(runs["mistakes"]["unparsable"])


def test_invalid_setting_is_one_clear_line(runs):
    assert_user_mistake(runs["mistakes"]["bad_setting"])


def test_unknown_revision_is_one_clear_line(runs):
    assert_user_mistake(runs["mistakes"]["unknown_revision"])
