"""The import-run service: a run's life (start, batches with a checkpoint, finish or fail and
resume), the source keys that keep a re-run from creating twice, provenance, and tenancy."""

from __future__ import annotations

import pytest

from tests.factories import make_org
from vigil.core.errors import NotFound
from vigil.imports.models import ImportRun, RunKind, RunState
from vigil.imports.runs import (
    count_problems,
    fail_run,
    find_resumable_run,
    finish_run,
    get_run,
    known_source_keys,
    list_runs,
    provenance_for,
    record_created,
    record_problem,
    run_problems,
    save_checkpoint,
    start_run,
)

SHA = "a" * 64


def new_run(session, org_id, *, kind: str = RunKind.incidents, sha: str = SHA) -> ImportRun:
    return start_run(
        session,
        organisation_id=org_id,
        kind=kind,
        source_name="killings.csv",
        file_sha256=sha,
        mapping_text="[columns]\ndate = 'Fecha'\n",
    )


def test_batches_move_the_checkpoint_and_add_up_the_counts(session):
    org = make_org(session)
    run = new_run(session, org.id)
    assert run.id and run.state == RunState.running and run.organisation_id == org.id
    save_checkpoint(session, run=run, line=501, read=500, created=480, skipped=15, invalid=5)
    save_checkpoint(session, run=run, line=1001, read=500, created=500)
    finish_run(session, run=run, read=3, created=2, invalid=1)
    assert (run.rows_read, run.rows_created, run.rows_skipped, run.rows_invalid) == (
        1003,
        982,
        15,
        6,
    )
    assert run.checkpoint_line == 1001 and run.state == RunState.finished
    assert run.finished_at is not None


def test_a_failed_run_is_found_again_and_resumes_after_its_checkpoint(session):
    org, other = make_org(session), make_org(session)
    run = new_run(session, org.id)
    save_checkpoint(session, run=run, line=500, read=499, created=499)
    fail_run(session, run=run, error="database went away\n  (traceback…)")
    assert run.state == RunState.failed and run.error == "database went away (traceback…)"

    assert (
        find_resumable_run(session, organisation_id=other.id, kind="incidents", file_sha256=SHA)
        is None
    )
    assert (
        find_resumable_run(session, organisation_id=org.id, kind="incidents", file_sha256="b" * 64)
        is None
    )
    again = find_resumable_run(session, organisation_id=org.id, kind="incidents", file_sha256=SHA)
    assert again is run and run.state == RunState.running and run.error is None
    assert run.checkpoint_line == 500 and run.rows_created == 499
    finish_run(session, run=run)
    assert (
        find_resumable_run(session, organisation_id=org.id, kind="incidents", file_sha256=SHA)
        is None
    )


def test_known_keys_are_per_organisation_and_kind(session):
    org, other = make_org(session), make_org(session)
    run = new_run(session, org.id)
    record_created(session, run=run, entity_type="defender", entity_id=7, line=2, source_key="k2")
    record_created(session, run=run, entity_type="incident", entity_id=11, line=2, source_key="k2")
    record_created(session, run=run, entity_type="incident", entity_id=12, line=3, source_key="k3")
    session.flush()
    keys = [f"k{n}" for n in range(1, 1200)]  # more than one chunk of look-ups
    assert known_source_keys(session, organisation_id=org.id, kind="incidents", keys=keys) == {
        "k2": 7,
        "k3": 12,
    }
    assert known_source_keys(
        session, organisation_id=org.id, kind="incidents", keys=keys, entity_type="incident"
    ) == {"k2": 11, "k3": 12}
    assert known_source_keys(session, organisation_id=other.id, kind="incidents", keys=keys) == {}
    assert known_source_keys(session, organisation_id=org.id, kind="contacts", keys=keys) == {}


def test_problems_come_back_in_line_order_and_long_messages_are_cut(session):
    org = make_org(session)
    run = new_run(session, org.id)
    record_problem(session, run=run, line=9, kind="invalid", message="age 4145", column="Edad")
    record_problem(session, run=run, line=3, kind="undecodable", message="x" * 5000)
    session.flush()
    problems = run_problems(session, run=run)
    assert [(p.line, p.kind, p.column) for p in problems] == [
        (3, "undecodable", None),
        (9, "invalid", "Edad"),
    ]
    assert len(problems[0].message) == 1000 and count_problems(session, run=run) == 2


def test_runs_are_seen_by_their_organisation_only(session):
    org, other = make_org(session), make_org(session)
    mine = new_run(session, org.id)
    theirs = new_run(session, other.id, kind=RunKind.contacts)
    registry = new_run(session, None, kind=RunKind.ftm)
    assert list_runs(session, organisation_id=org.id) == [mine]
    assert list_runs(session, organisation_id=None) == [registry]
    assert {r.id for r in list_runs(session, organisation_id=None, every_organisation=True)} >= {
        mine.id,
        theirs.id,
        registry.id,
    }
    assert get_run(session, run_id=mine.id, organisation_id=org.id) is mine
    for run_id in (theirs.id, registry.id, 2_000_000_000):
        with pytest.raises(NotFound):
            get_run(session, run_id=run_id, organisation_id=org.id)
    assert get_run(session, run_id=theirs.id, organisation_id=None, every_organisation=True)


def test_registry_runs_have_no_organisation_and_others_need_one(session):
    org = make_org(session)
    with pytest.raises(ValueError):
        new_run(session, org.id, kind=RunKind.companies)
    with pytest.raises(ValueError):
        new_run(session, None, kind=RunKind.contacts)
    with pytest.raises(ValueError):
        new_run(session, org.id, kind="spreadsheet")


def test_provenance_names_file_line_and_run(session):
    org, other = make_org(session), make_org(session)
    run = new_run(session, org.id)
    record_created(session, run=run, entity_type="incident", entity_id=41, line=17, source_key="r")
    session.flush()
    found = provenance_for(session, entity_type="incident", entity_id=41, organisation_id=org.id)
    assert found is not None
    assert (found.source_name, found.line, found.run_id) == ("killings.csv", 17, run.id)
    assert provenance_for(session, entity_type="incident", entity_id=42) is None
    assert provenance_for(session, entity_type="defender", entity_id=41) is None
    assert (
        provenance_for(session, entity_type="incident", entity_id=41, organisation_id=other.id)
        is None
    )
