"""The upload's storage and jobs: files under the data directory with random names, the size
limit at its edge, saved mappings per organisation, the queued job run by slices (resumed
after its checkpoint, also when its worker died), and files deleted after import or after
the retention period."""

from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_org
from tests.imports.incidents.conftest import MAPPING, ROWS, write_csv
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound
from vigil.imports.models import ImportRun, RunState
from vigil.imports.uploads import jobs, service
from vigil.imports.uploads.models import ImportUpload, UploadState
from vigil.incidents.models import Incident


def _store(session, settings, org, data: bytes, **kwargs):
    vault = Vault(session=session, ring=keystore_for(settings).current())
    return service.store_upload(
        session, org_id=org.id, data_dir=settings.data_dir, original_name="k.csv",
        stream=io.BytesIO(data), by_user_id=None, vault=vault, **kwargs,
    )  # fmt: skip


@pytest.fixture
def csv_bytes(tmp_path) -> bytes:
    return write_csv(tmp_path / "k.csv", ROWS).read_bytes()


def test_the_size_limit_at_its_edge(session, settings, csv_bytes):
    org = make_org(session)
    upload = _store(session, settings, org, csv_bytes, max_bytes=len(csv_bytes))
    assert upload.size == len(csv_bytes)
    with pytest.raises(Invalid, match="larger than"):
        _store(session, settings, org, csv_bytes, max_bytes=len(csv_bytes) - 1)
    assert [p.name for p in (settings.data_dir / "uploads").iterdir()] == [upload.stored_name]
    assert os.stat(service.upload_path(settings.data_dir, upload)).st_mode & 0o777 == 0o600


def test_the_file_is_sealed_on_disk_and_opened_only_for_a_read(session, settings, csv_bytes):
    upload = _store(session, settings, make_org(session), csv_bytes)
    stored = service.upload_path(settings.data_dir, upload).read_bytes()
    assert len(stored) > len(csv_bytes) and b"P\xc3\xads" not in stored  # "País", in clear
    assert all(line not in stored for line in csv_bytes.splitlines() if line)
    vault = Vault(session=session, ring=keystore_for(settings).current())
    with service.plain_copy(vault, settings.data_dir, upload) as path:
        assert path.read_bytes() == csv_bytes
        assert os.stat(path).st_mode & 0o777 == 0o600
    assert [p.name for p in (settings.data_dir / "uploads").iterdir()] == [upload.stored_name]
    vault.destroy(upload.data_key_id)
    with (
        pytest.raises(Invalid, match="no longer kept"),
        service.plain_copy(Vault(session=session, ring=vault.ring), settings.data_dir, upload),
    ):
        pass


def test_the_skeleton_names_every_column(session, settings, csv_bytes):
    upload = _store(session, settings, make_org(session), csv_bytes)
    text = upload.mapping_text
    assert 'name = "k.csv"' in text and '# FIELD = "País"' in text


def test_saved_mappings_belong_to_their_organisation(session):
    org, other = make_org(session), make_org(session)
    saved = service.save_mapping(
        session, org_id=org.id, name=" Andina ", text=MAPPING, syntax="toml"
    )
    again = service.save_mapping(
        session, org_id=org.id, name="Andina", text=MAPPING + "\n", syntax="toml"
    )
    assert again.id == saved.id and saved.name == "Andina"
    assert [m.name for m in service.list_mappings(session, org_id=other.id)] == []
    with pytest.raises(NotFound):
        service.get_saved_mapping(session, org_id=other.id, mapping_id=saved.id)
    with pytest.raises(Invalid, match="Mapping line 1"):
        service.save_mapping(session, org_id=org.id, name="Bad", text="[kolumns]\n", syntax="toml")
    with pytest.raises(Invalid, match="1 to 120"):
        service.save_mapping(session, org_id=org.id, name="x" * 121, text=MAPPING, syntax="toml")


def _queued(session, settings, csv_bytes):
    org = make_org(session)
    upload = _store(session, settings, org, csv_bytes)
    upload.mapping_text = MAPPING
    run = service.queue_upload(session, org_id=org.id, upload=upload, by_user_id=None)
    session.commit()
    return org, upload, run


def _created(session, org) -> int:
    return session.scalar(
        select(func.count()).select_from(Incident).where(Incident.organisation_id == org.id)
    )


def test_a_slice_is_paused_and_the_next_round_resumes_after_the_checkpoint(
    session, session_factory, settings, vault, csv_bytes
):
    org, upload, run = _queued(session, settings, csv_bytes)
    assert jobs.run_queued_upload(
        session_factory, ring=vault.ring, data_dir=settings.data_dir, slice_=timedelta(0),
        batch_size=2,
    ) == upload.id  # fmt: skip
    session.expire_all()
    assert session.get(ImportUpload, upload.id).state == UploadState.queued
    paused = session.get(ImportRun, run.id)
    assert (paused.state, paused.checkpoint_line, paused.rows_read) == (RunState.running, 3, 2)

    jobs.run_queued_upload(session_factory, ring=vault.ring, data_dir=settings.data_dir)
    session.expire_all()
    done = session.get(ImportRun, run.id)
    assert (done.state, done.rows_read, done.rows_created) == (RunState.finished, 6, 4)
    assert _created(session, org) == 4
    assert session.get(ImportUpload, upload.id).state == UploadState.done
    assert not service.upload_path(settings.data_dir, upload).exists()


def test_a_dead_workers_claim_is_taken_again_only_once_stale(
    session, session_factory, settings, vault, csv_bytes
):
    org, upload, _run = _queued(session, settings, csv_bytes)
    now = utcnow()
    assert jobs.claim_next_upload(session_factory, now=now) == upload.id  # then it "dies"
    early = now + jobs.STALE_CLAIM - timedelta(seconds=1)
    assert jobs.claim_next_upload(session_factory, now=early) is None
    later = now + jobs.STALE_CLAIM + timedelta(seconds=1)
    assert (
        jobs.run_queued_upload(
            session_factory, ring=vault.ring, data_dir=settings.data_dir, now=later
        )
        == upload.id
    )
    assert _created(session, org) == 4


def test_a_mapping_refused_by_the_database_fails_the_run_and_deletes_the_file(
    session, session_factory, settings, vault, csv_bytes
):
    _org, upload, run = _queued(session, settings, csv_bytes)
    upload.mapping_text = MAPPING.replace('"killing"', '"no_such_code"')
    session.commit()
    jobs.run_queued_upload(session_factory, ring=vault.ring, data_dir=settings.data_dir)
    session.expire_all()
    assert session.get(ImportUpload, upload.id).state == UploadState.failed
    failed = session.get(ImportRun, run.id)
    assert failed.state == RunState.failed and "no_such_code" in failed.error
    assert not service.upload_path(settings.data_dir, upload).exists()


def test_files_never_imported_are_deleted_after_the_retention_period(session, settings, csv_bytes):
    upload = _store(session, settings, make_org(session), csv_bytes)
    path = service.upload_path(settings.data_dir, upload)
    day = upload.created_at + service.RETENTION
    assert service.sweep_uploads(session, data_dir=settings.data_dir, now=day) == 0
    assert path.exists()
    later = day + timedelta(seconds=1)
    assert service.sweep_uploads(session, data_dir=settings.data_dir, now=later) == 1
    assert not path.exists() and upload.state == UploadState.expired
