"""Batches, checkpoints and resuming: a run stopped mid-file (here by a callback raising after
its second batch, as a crash would) is resumed after its checkpoint, with no row twice and
none missing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.imports.incidents.conftest import HEADER, write_csv
from vigil.imports.models import ImportedRecord, ImportRun
from vigil.incidents.models import Incident


class Crash(Exception):
    pass


def rows(count: int) -> list[list[str]]:
    """``count`` valid rows (lines 2 … count + 1), all different."""
    return [
        [f"R-{n}", f"{1 + n % 28:02d}/0{1 + n % 9}/2019", "Colombia", "", "", "", "", "",
         "asesinato", "", "", "", f"Row {n}"]
        for n in range(count)
    ]  # fmt: skip


def crash_after(number: int):
    def after_batch(done: int) -> None:
        if done == number:
            raise Crash(f"stopped after batch {done}")

    return after_batch


def incidents_of(session, org) -> int:
    query = select(func.count()).select_from(Incident).where(Incident.organisation_id == org.id)
    return session.scalar(query)


def test_a_stopped_run_resumes_after_its_checkpoint(session, org, run_import, tmp_path):
    path = write_csv(tmp_path / "eleven.csv", rows(11))

    with pytest.raises(Crash):
        run_import(path, batch_size=3, after_batch=crash_after(2))

    (run,) = session.scalars(select(ImportRun).where(ImportRun.organisation_id == org.id)).all()
    session.refresh(run)
    assert (run.state, run.error, run.checkpoint_line) == ("failed", "stopped after batch 2", 7)
    assert (run.rows_read, run.rows_created) == (6, 6)
    assert incidents_of(session, org) == 6

    report = run_import(path, batch_size=3)

    assert report.run_id == run.id and report.resumed_from_line == 7
    assert (report.rows_read, report.created, report.skipped) == (5, 5, 0)
    session.refresh(run)
    assert (run.state, run.rows_read, run.rows_created, run.checkpoint_line) == (
        "finished",
        11,
        11,
        12,
    )
    lines = session.scalars(
        select(ImportedRecord.line)
        .where(ImportedRecord.run_id == run.id, ImportedRecord.entity_type == "incident")
        .order_by(ImportedRecord.line)
    ).all()
    assert lines == list(range(2, 13))  # every line once: no gap, no duplicate
    assert incidents_of(session, org) == 11


def test_no_resume_starts_a_new_run_and_skips_what_was_imported(session, org, run_import, tmp_path):
    path = write_csv(tmp_path / "eleven.csv", rows(11))
    with pytest.raises(Crash):
        run_import(path, batch_size=4, after_batch=crash_after(1))

    report = run_import(path, batch_size=4, resume=False)

    assert (report.resumed_from_line, report.created, report.skipped) == (0, 7, 4)
    assert incidents_of(session, org) == 11
    states = session.scalars(
        select(ImportRun.state).where(ImportRun.organisation_id == org.id).order_by(ImportRun.id)
    ).all()
    assert states == ["failed", "finished"]


def test_a_duplicate_of_a_row_before_the_checkpoint_is_still_seen(
    session, org, run_import, tmp_path
):
    data = rows(4)
    data.append(list(data[0]))  # line 6 repeats line 2's id
    path = write_csv(tmp_path / "repeat.csv", data)
    with pytest.raises(Crash):
        run_import(path, batch_size=2, after_batch=crash_after(1))

    report = run_import(path, batch_size=2)

    assert (report.created, report.skipped, report.duplicates) == (2, 0, 1)
    (problem,) = report.problems
    assert (problem.line, problem.message) == (6, "duplicate: the same id as line 2")
    assert incidents_of(session, org) == 4


@pytest.mark.parametrize("size", [0, 10_001])
def test_batch_size_is_bounded(run_import, tmp_path, size):
    from vigil.core.errors import Invalid

    path = write_csv(tmp_path / "one.csv", rows(1))
    with pytest.raises(Invalid, match="batch size"):
        run_import(path, batch_size=size)


def test_batch_size_one_and_file_size_batches_give_the_same_result(session, run_import, tmp_path):
    path = write_csv(tmp_path / "five.csv", rows(5))
    report = run_import(path, batch_size=1)
    run = session.get(ImportRun, report.run_id)
    assert (report.created, run.checkpoint_line) == (5, 6)
    assert HEADER[0] == "ID"
