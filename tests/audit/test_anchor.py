"""The anchors outside the database: the head file follows committed entries only (never a
rolled-back one), is private, atomic and never moves back; checkpoints are signed and catch a
log cut back to an older head; concurrent writers never fork the chain. On both databases."""

from __future__ import annotations

import itertools
import json
import secrets
import stat
import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from vigil.core.audit import AuditEvent, AuditSeal, audit_seal, bind_audit, record_event
from vigil.core.audit_head import (
    AnchorError,
    Head,
    read_checkpoint,
    read_head,
    write_checkpoint,
    write_head,
)
from vigil.core.audit_verify import Anchor, tail_head, verify_chain
from vigil.core.crypto import AuditKeys
from vigil.core.db import utcnow
from vigil.worker import run_audit_checkpoint_if_due

TABLE = AuditEvent.__table__


@pytest.fixture
def keys() -> AuditKeys:
    return AuditKeys(keys={"k1": secrets.token_bytes(32)}, active_id="k1")


@pytest.fixture
def seal(keys, tmp_path) -> AuditSeal:
    return AuditSeal(keys=lambda: keys, head_path=tmp_path / "data" / "audit-head.json")


@pytest.fixture
def log(session, seal):
    """An empty log (inside the test's transaction) signed with the test's own key."""
    bind_audit(session, seal)
    session.execute(delete(TABLE))
    return session


def test_the_head_is_written_only_once_the_entries_are_committed(log, seal):
    first = record_event(log, action="test.one")
    assert read_head(seal.head_path) is None  # flushed, not committed: nothing anchored yet
    second = record_event(log, action="test.two")
    log.commit()
    assert read_head(seal.head_path) == Head(2, second.id, second.entry_mac, "k1")
    assert first.seq == 1

    record_event(log, action="test.rolled_back")
    log.rollback()
    assert read_head(seal.head_path).seq == 2  # a rolled-back entry is never anchored
    assert verify_chain(log).intact


def test_an_entry_of_a_rolled_back_savepoint_is_not_anchored(log, seal):
    kept = record_event(log, action="test.kept")
    with pytest.raises(RuntimeError), log.begin_nested():
        record_event(log, action="test.undone")
        raise RuntimeError("refused")
    log.commit()
    assert read_head(seal.head_path) == Head(1, kept.id, kept.entry_mac, "k1")
    assert verify_chain(log).intact


def test_the_head_file_is_private_and_leaves_no_temporary_file(log, seal):
    record_event(log, action="test.one")
    log.commit()
    assert stat.S_IMODE(seal.head_path.stat().st_mode) == 0o600
    assert sorted(p.name for p in seal.head_path.parent.iterdir()) == [
        "audit-head.json",
        "audit-head.json.lock",
    ]
    assert json.loads(seal.head_path.read_text())["seq"] == 1


def test_the_head_never_moves_back_unless_forced(tmp_path):
    path = tmp_path / "audit-head.json"
    assert write_head(path, Head(5, 50, "a" * 64, "k1"))
    assert not write_head(path, Head(4, 40, "b" * 64, "k1"))  # a slower writer, older entry
    assert not write_head(path, Head(5, 50, "a" * 64, "k1"))
    assert read_head(path).seq == 5
    assert write_head(path, Head(4, 40, "b" * 64, "k1"), force=True)  # a restore
    assert read_head(path) == Head(4, 40, "b" * 64, "k1")


def test_a_damaged_head_file_is_kept_as_evidence(tmp_path):
    path = tmp_path / "audit-head.json"
    path.write_text("{damaged")
    with pytest.raises(AnchorError):
        write_head(path, Head(1, 1, "a" * 64, "k1"))
    assert path.read_text() == "{damaged"


def test_a_failed_head_write_does_not_undo_the_commit(log, tmp_path, keys, caplog):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    bind_audit(log, AuditSeal(keys=lambda: keys, head_path=blocked / "audit-head.json"))
    entry = record_event(log, action="test.one")
    log.commit()
    assert log.get(AuditEvent, entry.id) is not None
    assert "audit head file could not be written" in caplog.text


def test_a_checkpoint_is_signed_and_catches_a_log_cut_back_with_its_head(log, seal, keys):
    """An attacker who can also replace the head file puts back an older copy after cutting
    the log: only a checkpoint kept elsewhere still knows how long the log was."""
    for n in range(3):
        record_event(log, action=f"test.step{n}")
    log.commit()
    old_head = read_head(seal.head_path)
    record_event(log, action="test.step3")
    log.commit()
    checkpoint = seal.head_path.parent.parent / "elsewhere" / "cp.json"
    write_checkpoint(checkpoint, tail_head(log), keys, created_at=utcnow())
    assert stat.S_IMODE(checkpoint.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        write_checkpoint(checkpoint, tail_head(log), keys, created_at=utcnow())

    log.execute(delete(TABLE).where(TABLE.c.seq == 4))
    write_head(seal.head_path, old_head, force=True)
    assert verify_chain(log).intact  # the head file alone is fooled
    anchors = [Anchor("the checkpoint cp.json", read_checkpoint(checkpoint, keys))]
    report = verify_chain(log, checkpoints=anchors)
    assert not report.intact
    assert "the checkpoint cp.json names entry" in report.reason
    assert "deleted from the end" in report.reason


def test_an_altered_or_foreign_checkpoint_is_refused(tmp_path, keys):
    path = tmp_path / "cp.json"
    write_checkpoint(path, Head(3, 30, "a" * 64, "k1"), keys, created_at=utcnow())
    assert read_checkpoint(path, keys) == Head(3, 30, "a" * 64, "k1")
    body = json.loads(path.read_text())
    body["head"]["seq"] = 2
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(body))
    with pytest.raises(AnchorError, match="invalid signature"):
        read_checkpoint(altered, keys)
    other = AuditKeys(keys={"k1": secrets.token_bytes(32)}, active_id="k1")
    with pytest.raises(AnchorError, match="invalid signature"):
        read_checkpoint(path, other)
    with pytest.raises(AnchorError, match="not available"):
        read_checkpoint(path, AuditKeys(keys={"k9": b"x" * 32}, active_id="k9"))


def test_the_worker_writes_a_daily_checkpoint_when_configured(
    session_factory, settings, tmp_path, keys
):
    elsewhere = tmp_path / "checkpoints"
    now = utcnow()
    with session_factory() as session:
        bind_audit(session, AuditSeal(keys=lambda: keys))
        session.execute(delete(TABLE))
        record_event(session, action="test.one")
        session.commit()
    assert not run_audit_checkpoint_if_due(session_factory, settings, now)  # not configured
    configured = settings.model_copy(update={"audit_checkpoint_dir": elsewhere})
    assert run_audit_checkpoint_if_due(session_factory, configured, now)
    assert not run_audit_checkpoint_if_due(session_factory, configured, now + timedelta(hours=23))
    [written] = elsewhere.iterdir()
    head = read_checkpoint(written, audit_seal(configured).keys())
    assert head.seq == 1 and head.mac == tail_head_of(session_factory).mac


def tail_head_of(factory: sessionmaker) -> Head:
    with factory() as session:
        head = tail_head(session)
    assert head is not None
    return head


def test_concurrent_writers_never_fork_the_chain(engine, keys, tmp_path):
    """Eight threads append at once, each in its own committed transaction: every entry gets
    its own position and links to the one before it."""
    seal = AuditSeal(keys=lambda: keys, head_path=tmp_path / "audit-head.json")
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        before = session.scalar(select(TABLE.c.id).order_by(TABLE.c.id.desc()).limit(1)) or 0
    failures: list[BaseException] = []
    start = threading.Barrier(8)

    def append(n: int) -> None:
        start.wait()
        for _attempt in range(50):
            try:
                with factory() as session, session.begin():
                    bind_audit(session, seal)
                    record_event(session, action="test.concurrent", object_id=n)
                return
            except OperationalError:  # SQLite: another writer holds the lock; try again
                if engine.dialect.name != "sqlite":
                    raise
        failures.append(RuntimeError(f"writer {n} never got the lock"))

    threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with factory() as session:
            rows = session.execute(
                select(TABLE.c.seq, TABLE.c.prev_mac, TABLE.c.entry_mac)
                .where(TABLE.c.id > before)
                .order_by(TABLE.c.seq)
            ).all()
        assert not failures
        assert len(rows) == 8
        assert [r.seq for r in rows] == list(range(rows[0].seq, rows[0].seq + 8))
        assert all(r.prev_mac == p.entry_mac for p, r in itertools.pairwise(rows))
        assert read_head(seal.head_path).seq == rows[-1].seq
    finally:
        with factory() as session, session.begin():
            session.execute(delete(TABLE).where(TABLE.c.id > before))
