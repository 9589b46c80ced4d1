"""`verify_chain` finds the first edited, deleted or reordered entry, on both databases.

Each test appends its own entries after whatever the table already holds, tampers with them
through plain SQL (as an attacker with database access would), and checks which entry the
verification names."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import event, text

from vigil.core.audit import GENESIS_HASH, AuditEvent, entry_digest, record_event, verify_chain


def append(session, count: int = 5) -> list[int]:
    return [
        record_event(
            session, action=f"test.step{n}", object_type="case", object_id=n, detail={"n": n}
        ).id
        for n in range(count)
    ]


def row(session, entry_id: int) -> dict:
    result = session.execute(text("SELECT * FROM audit_events WHERE id = :id"), {"id": entry_id})
    return dict(result.mappings().one())


@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_untouched_chain_verifies(session, batch):
    ids = append(session)
    report = verify_chain(session, batch=batch)
    assert report.intact
    assert report.first_broken_id is None and report.reason is None
    total = session.scalar(text("SELECT count(*) FROM audit_events"))
    assert report.checked == total >= len(ids)


def test_entries_are_read_in_batches_not_all_at_once(session):
    append(session, 7)
    total = session.scalar(text("SELECT count(*) FROM audit_events"))
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if "audit_events" in statement:
            statements.append(statement)

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", remember)
    try:
        assert verify_chain(session, batch=3).intact
    finally:
        event.remove(connection, "before_cursor_execute", remember)
    assert len(statements) == total // 3 + 1
    assert all("LIMIT" in statement.upper() for statement in statements)


def test_edited_entry_is_detected(session):
    ids = append(session)
    session.execute(
        text("UPDATE audit_events SET action = 'test.innocent' WHERE id = :id"), {"id": ids[2]}
    )
    report = verify_chain(session)
    assert not report.intact
    assert report.first_broken_id == ids[2]
    assert "edited" in report.reason


def test_edited_entry_with_recomputed_hash_breaks_the_next_link(session):
    ids = append(session)
    original = session.get(AuditEvent, ids[2])
    fields = ("occurred_at", "organisation_id", "actor_user_id", "object_type", "object_id")
    forged = SimpleNamespace(
        **{name: getattr(original, name) for name in fields},
        action="test.innocent",
        detail=original.detail,
    )
    session.execute(
        text("UPDATE audit_events SET action = :action, entry_hash = :hash WHERE id = :id"),
        {"action": forged.action, "hash": entry_digest(original.prev_hash, forged), "id": ids[2]},
    )
    report = verify_chain(session)
    assert report.first_broken_id == ids[3]
    assert "does not link" in report.reason


def test_deleted_entry_is_detected(session):
    ids = append(session)
    session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[2]})
    report = verify_chain(session)
    assert report.first_broken_id == ids[3]
    assert "deleted" in report.reason


def test_reordered_entries_are_detected(session):
    ids = append(session)
    first, second = row(session, ids[1]), row(session, ids[2])
    session.execute(
        text("DELETE FROM audit_events WHERE id IN (:a, :b)"), {"a": ids[1], "b": ids[2]}
    )
    columns = [name for name in first if name != "id"]
    insert = text(
        f"INSERT INTO audit_events (id, {', '.join(columns)}) "
        f"VALUES (:id, {', '.join(':' + name for name in columns)})"
    )
    session.execute(insert, {**second, "id": ids[1]})
    session.execute(insert, {**first, "id": ids[2]})
    report = verify_chain(session)
    assert report.first_broken_id == ids[1]
    assert "reordered" in report.reason


def test_tampered_first_entry_is_detected(session):
    append(session)
    first_id = session.scalar(text("SELECT min(id) FROM audit_events"))
    assert row(session, first_id)["prev_hash"] == GENESIS_HASH
    session.execute(
        text("UPDATE audit_events SET prev_hash = :hash WHERE id = :id"),
        {"hash": "f" * 64, "id": first_id},
    )
    report = verify_chain(session)
    assert report.first_broken_id == first_id
    assert "genesis" in report.reason
    assert report.checked == 0


def test_forged_entry_before_the_first_id_is_detected(session):
    append(session)
    first = row(session, session.scalar(text("SELECT min(id) FROM audit_events")))
    columns = [name for name in first if name != "id"]
    session.execute(
        text(
            f"INSERT INTO audit_events (id, {', '.join(columns)}) "
            f"VALUES (:id, {', '.join(':' + name for name in columns)})"
        ),
        {**first, "id": -1, "entry_hash": "e" * 64},
    )
    report = verify_chain(session)
    assert report.first_broken_id == -1
    assert "edited" in report.reason
