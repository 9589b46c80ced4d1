"""`verify_chain` finds every kind of tampering an attacker with database access can do: edit
any field, delete, insert, reorder, cut the end off or empty the log, re-sign with a guessed
key; and it still verifies entries signed before a key rotation. On both databases.

Each test starts from an empty log (inside its rolled-back transaction), appends five entries
signed with its own key, commits (the head file is written), then tampers through plain SQL.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, event, insert, select, update

from vigil.core.audit import (
    GENESIS_MAC,
    AuditEvent,
    AuditKeyError,
    AuditSeal,
    bind_audit,
    configure_audit,
    entry_mac,
    record_event,
)
from vigil.core.audit_head import Head, read_head, write_head
from vigil.core.audit_verify import verify_chain
from vigil.core.crypto import AuditKeys

TABLE = AuditEvent.__table__


def new_keys(*ids: str, active: str | None = None) -> AuditKeys:
    return AuditKeys(
        keys={key_id: secrets.token_bytes(32) for key_id in ids}, active_id=active or ids[0]
    )


@pytest.fixture
def keys() -> AuditKeys:
    return new_keys("k1", "k2")


@pytest.fixture
def seal(keys, tmp_path) -> AuditSeal:
    return AuditSeal(keys=lambda: keys, head_path=tmp_path / "audit-head.json")


def append(session, count: int = 5) -> list[int]:
    return [
        record_event(
            session,
            action=f"test.step{n}",
            organisation_id=3,
            actor_user_id=7,
            object_type="case",
            object_id=n,
            detail={"n": n},
        ).id
        for n in range(count)
    ]


@pytest.fixture
def ids(session, seal) -> list[int]:
    """Five committed entries in an otherwise empty log, anchored by the head file."""
    bind_audit(session, seal)
    session.execute(delete(TABLE))
    entry_ids = append(session)
    session.commit()
    return entry_ids


def row(session, entry_id: int) -> dict:
    return dict(session.execute(select(TABLE).where(TABLE.c.id == entry_id)).mappings().one())


def reinsert(session, values: dict) -> None:
    session.execute(insert(TABLE).values(**values))


@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_untouched_chain_verifies_and_matches_its_head(session, seal, ids, batch):
    report = verify_chain(session, batch=batch)
    assert report.intact and report.reason is None and report.first_broken_id is None
    assert report.checked == 5 and report.behind == 0
    head = read_head(seal.head_path)
    assert head == Head(
        seq=5, entry_id=ids[-1], mac=row(session, ids[-1])["entry_mac"], key_id="k1"
    )


def test_entries_are_read_in_batches_not_all_at_once(session, ids):
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if "audit_events" in statement:
            statements.append(statement)

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", remember)
    try:
        assert verify_chain(session, batch=2).intact
    finally:
        event.remove(connection, "before_cursor_execute", remember)
    assert len(statements) == 3  # 2 + 2 + 1
    assert all("LIMIT" in statement.upper() for statement in statements)


MAC_FIELDS = {
    "seq": 2,
    "key_id": "k2",
    "prev_mac": "f" * 64,
    "occurred_at": lambda value: value + timedelta(seconds=1),
    "organisation_id": 4,
    "actor_user_id": 8,
    "action": "test.innocent",
    "object_type": "defender",
    "object_id": "99",
    "detail": '{"n": 99}',
}


@pytest.mark.parametrize("field", sorted(MAC_FIELDS))
def test_the_mac_covers_every_field(keys, field):
    """A MAC that left out any one field would let that field be rewritten unseen."""
    entry = SimpleNamespace(
        seq=1,
        key_id="k1",
        prev_mac=GENESIS_MAC,
        occurred_at=datetime(2026, 3, 14, 9, 0, tzinfo=UTC),
        organisation_id=3,
        actor_user_id=7,
        action="incident.viewed",
        object_type="case",
        object_id="1",
        detail='{"n": 1}',
    )
    original = entry_mac(keys, entry)
    change = MAC_FIELDS[field]
    setattr(entry, field, change(getattr(entry, field)) if callable(change) else change)
    assert entry_mac(keys, entry) not in (None, original)


@pytest.mark.parametrize("field", [*sorted(MAC_FIELDS), "entry_mac"])
def test_editing_any_field_in_the_database_is_detected(session, ids, field):
    target = ids[2]
    change = MAC_FIELDS.get(field, "e" * 64)
    if field == "seq":
        change = 30  # a seq of its own: unique
    value = change(row(session, target)[field]) if callable(change) else change
    session.execute(update(TABLE).where(TABLE.c.id == target).values({field: value}))
    report = verify_chain(session)
    assert not report.intact
    assert report.first_broken_id == target, report.reason
    assert report.checked == 2
    expected = "does not link" if field in ("seq", "prev_mac") else "edited"
    assert expected in report.reason


def test_an_entry_signed_with_an_unknown_key_is_named(session, ids):
    session.execute(update(TABLE).where(TABLE.c.id == ids[1]).values(key_id="gone"))
    report = verify_chain(session)
    assert report.first_broken_id == ids[1]
    assert "audit key 'gone'" in report.reason


def _resign_from(session, start_id: int, key: bytes) -> None:
    """What the attack on the old plain-SHA-256 chain did: rewrite the links and MACs of
    every entry from ``start_id`` on, here with a key the attacker made up."""
    rows = session.execute(select(TABLE).where(TABLE.c.id >= start_id).order_by(TABLE.c.id)).all()
    previous = session.execute(
        select(TABLE.c.seq, TABLE.c.entry_mac)
        .where(TABLE.c.id < start_id)
        .order_by(TABLE.c.id.desc())
        .limit(1)
    ).first()
    seq, prev = previous.seq, previous.entry_mac
    guessed = AuditKeys(keys={"k1": key}, active_id="k1")
    for old in rows:
        seq += 1
        entry = SimpleNamespace(**{**old._asdict(), "seq": seq, "prev_mac": prev})
        mac = entry_mac(guessed, entry)
        session.execute(
            update(TABLE).where(TABLE.c.id == old.id).values(seq=seq, prev_mac=prev, entry_mac=mac)
        )
        prev = mac


def test_an_edit_re_signed_with_a_guessed_key_is_detected(session, ids):
    session.execute(update(TABLE).where(TABLE.c.id == ids[2]).values(action="test.innocent"))
    _resign_from(session, ids[2], secrets.token_bytes(32))
    report = verify_chain(session)
    assert report.first_broken_id == ids[2]
    assert "edited" in report.reason


def test_a_deletion_re_signed_with_a_guessed_key_is_detected(session, ids):
    session.execute(delete(TABLE).where(TABLE.c.id == ids[2]))
    _resign_from(session, ids[3], secrets.token_bytes(32))
    report = verify_chain(session)
    assert report.first_broken_id == ids[3]
    assert "edited" in report.reason


def test_deleted_entry_is_detected(session, ids):
    session.execute(delete(TABLE).where(TABLE.c.id == ids[2]))
    report = verify_chain(session)
    assert report.first_broken_id == ids[3]
    assert "deleted" in report.reason


def test_deleting_the_first_entry_is_detected(session, ids):
    session.execute(delete(TABLE).where(TABLE.c.id == ids[0]))
    report = verify_chain(session)
    assert report.first_broken_id == ids[1] and report.checked == 0
    assert "genesis" in report.reason


def test_inserted_entry_is_detected(session, ids):
    """A copy of a genuine entry (valid MAC) slipped in between two others."""
    second = row(session, ids[1])
    session.execute(update(TABLE).where(TABLE.c.id.in_(ids[2:])).values(id=TABLE.c.id + 100))
    reinsert(session, {**second, "id": ids[2], "seq": 1000, "entry_mac": "a" * 64})
    report = verify_chain(session)
    assert report.first_broken_id == ids[2]
    assert "inserted" in report.reason


def test_appended_forgery_is_detected(session, ids):
    last = row(session, ids[-1])
    forged = {**last, "id": ids[-1] + 1, "seq": 6, "prev_mac": last["entry_mac"]}
    reinsert(session, {**forged, "action": "test.forged", "entry_mac": "b" * 64})
    report = verify_chain(session)
    assert report.first_broken_id == ids[-1] + 1
    assert "edited" in report.reason


def test_reordered_entries_are_detected(session, ids):
    first, second = row(session, ids[1]), row(session, ids[2])
    session.execute(delete(TABLE).where(TABLE.c.id.in_([ids[1], ids[2]])))
    reinsert(session, {**second, "id": ids[1]})
    reinsert(session, {**first, "id": ids[2]})
    report = verify_chain(session)
    assert report.first_broken_id == ids[1]
    assert "reordered" in report.reason


def test_forged_entry_before_the_first_id_is_detected(session, ids):
    first = row(session, ids[0])
    reinsert(session, {**first, "id": -1, "seq": 0, "entry_mac": "e" * 64})
    report = verify_chain(session)
    assert report.first_broken_id == -1
    assert "genesis" in report.reason
    assert report.checked == 0


def test_a_cut_off_end_is_detected(session, ids):
    session.execute(delete(TABLE).where(TABLE.c.id.in_(ids[3:])))
    report = verify_chain(session)
    assert not report.intact and report.first_broken_id is None
    assert report.checked == 3
    assert "deleted from the end" in report.reason
    assert f"entry {ids[-1]} at position 5" in report.reason


def test_the_last_entry_alone_deleted_is_detected(session, ids):
    session.execute(delete(TABLE).where(TABLE.c.id == ids[-1]))
    report = verify_chain(session)
    assert not report.intact and report.checked == 4


def test_an_emptied_log_is_detected(session, ids):
    session.execute(delete(TABLE))
    report = verify_chain(session)
    assert not report.intact and report.checked == 0
    assert report.reason == "the log is empty but the head file says it held 5 entries"


def test_an_entry_other_than_the_one_the_head_names_is_detected(session, seal, ids):
    head = read_head(seal.head_path)
    write_head(seal.head_path, Head(5, head.entry_id, "d" * 64, "k1"), force=True)
    report = verify_chain(session)
    assert report.first_broken_id == ids[-1]
    assert "head file" in report.reason


def test_a_head_file_behind_the_log_is_reported_not_tampering(session, seal, ids):
    """A process that stopped between its commit and the head write: the entries after the
    head carry valid MACs, so the log is intact and the report says how far behind."""
    third = row(session, ids[2])
    write_head(seal.head_path, Head(3, ids[2], third["entry_mac"], "k1"), force=True)
    report = verify_chain(session)
    assert report.intact and report.checked == 5 and report.behind == 2
    record_event(session, action="test.next")
    session.commit()
    assert read_head(seal.head_path).seq == 6  # the next entry brings it up to date


def test_a_missing_head_file_is_reported(session, seal, ids):
    seal.head_path.unlink()
    report = verify_chain(session)
    assert not report.intact and "no head file" in report.reason


def test_an_empty_log_without_head_file_is_intact(session, seal):
    bind_audit(session, seal)
    session.execute(delete(TABLE))
    report = verify_chain(session)
    assert report.intact and report.checked == 0


def test_a_damaged_head_file_is_reported(session, seal, ids):
    seal.head_path.write_text("{not json")
    report = verify_chain(session)
    assert not report.intact and "head file cannot be read" in report.reason


def test_a_rotated_key_still_verifies_older_entries(session, tmp_path):
    first = new_keys("k1")
    current = {"keys": first}
    seal = AuditSeal(keys=lambda: current["keys"], head_path=tmp_path / "head.json")
    bind_audit(session, seal)
    session.execute(delete(TABLE))
    append(session, 2)
    current["keys"] = AuditKeys(keys={**first.keys, "k2": secrets.token_bytes(32)}, active_id="k2")
    append(session, 2)
    session.commit()
    assert [r.key_id for r in session.execute(select(TABLE.c.key_id).order_by(TABLE.c.id))] == [
        "k1",
        "k1",
        "k2",
        "k2",
    ]
    assert verify_chain(session).intact
    # Without the old key file, its entries can no longer be checked: the report says so.
    current["keys"] = AuditKeys(keys={"k2": current["keys"].keys["k2"]}, active_id="k2")
    report = verify_chain(session)
    assert not report.intact and "audit key 'k1'" in report.reason


def test_the_wrong_key_fails_at_the_first_entry(session, seal, ids):
    wrong = AuditSeal(keys=lambda: new_keys("k1", "k2"), head_path=seal.head_path)
    report = verify_chain(session, seal=wrong)
    assert report.first_broken_id == ids[0]
    assert "edited" in report.reason


def test_the_mac_is_hmac_sha256_under_the_signing_key(session, keys, ids):
    """Pin the construction: a plain hash, or a MAC under another key, would not match."""
    stored = row(session, ids[0])
    message = json.dumps(
        [
            "vigil-audit/1",
            1,
            "k1",
            GENESIS_MAC,
            stored["occurred_at"].isoformat(),
            3,
            7,
            "test.step0",
            "case",
            "0",
            '{"n": 0}',
        ],
        separators=(",", ":"),
    ).encode()
    assert stored["entry_mac"] == hmac.new(keys.keys["k1"], message, hashlib.sha256).hexdigest()


def test_entries_record_position_and_key(session, ids):
    rows = session.execute(select(TABLE).order_by(TABLE.c.id)).mappings().all()
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["prev_mac"] == GENESIS_MAC
    assert all(r["prev_mac"] == p["entry_mac"] for p, r in itertools.pairwise(rows))
    assert {r["key_id"] for r in rows} == {"k1"}


def test_recording_without_a_configured_key_is_refused(session):
    previous = configure_audit(None)
    try:
        with pytest.raises(AuditKeyError):
            record_event(session, action="test.unsigned")
    finally:
        configure_audit(previous)
