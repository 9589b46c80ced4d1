"""The web upload of the incident importer: a coordinator uploads a file, maps it, reads the
dry run (unmapped values and invalid lines), starts the import, which the worker runs, and
reads the run's counts; a refused form keeps the mapping as typed; bad files are refused
with a reason, never a server error; analysts and auditors cannot; another organisation's
upload, mapping and run are never shown."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import csrf_from, make_org, make_staff, sign_in
from tests.imports.incidents.conftest import MAPPING, ROWS, write_csv
from vigil.core.crypto import Vault, keystore_for
from vigil.imports.uploads import service
from vigil.imports.uploads.models import ImportUpload, SavedMapping, UploadState
from vigil.incidents.models import Incident
from vigil.worker import run_import_uploads_now


def _csv_bytes(tmp_path: Path, rows=ROWS) -> bytes:
    return write_csv(tmp_path / "source.csv", rows).read_bytes()


def _upload(client, data: bytes, name: str = "killings.csv", mapping_id: str = ""):
    token = csrf_from(client.get("/staff/imports/upload").text)
    return client.post(
        "/staff/imports/upload",
        data={"csrf_token": token, "mapping_id": mapping_id},
        files={"file": (name, io.BytesIO(data), "application/octet-stream")},
    )


def _act(client, upload_url: str, mapping: str, action: str = "check", **extra: str):
    token = csrf_from(client.get(upload_url).text)
    form = {"csrf_token": token, "mapping": mapping, "syntax": "toml", "action": action}
    return client.post(upload_url, data={**form, **extra})


@pytest.fixture
def coordinator(session, client):
    org = make_org(session)
    account = make_staff(session, org, "coordinator")
    session.commit()
    sign_in(client, account)
    return org


def _incidents(session, org_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Incident).where(Incident.organisation_id == org_id)
    )


def test_upload_dry_run_import_and_reupload(
    session, session_factory, client, settings, coordinator, tmp_path
):
    org_id = coordinator.id
    response = _upload(client, _csv_bytes(tmp_path))
    assert response.status_code == 303
    url = response.headers["location"]
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="mapping-text"' in page.text and "# FIELD = &#34;Fecha&#34;" in page.text
    upload = session.scalars(select(ImportUpload)).one()
    stored = service.upload_path(settings.data_dir, upload)
    assert stored.is_file() and stored.parent == settings.data_dir / "uploads"
    assert "killings" not in stored.name and stored.stat().st_mode & 0o077 == 0

    report = _act(client, url, MAPPING)
    assert report.status_code == 200
    assert (
        "6 rows read: 4 would be created, 0 already imported, 1 invalid, 1 with unmapped values"
        in report.text
    )
    assert "<td>attack_type</td><td>desplazamiento</td><td>1</td><td>6</td>" in report.text
    assert "<td>7</td><td>Fecha</td>" in report.text and "<td>7</td><td>Edad</td>" in report.text
    assert _incidents(session, org_id) == 0  # a dry run writes nothing

    started = _act(client, url, MAPPING, action="start")
    assert started.status_code == 303
    run_url = started.headers["location"]
    waiting = client.get(run_url)
    assert "Waiting for the worker" in waiting.text
    assert '<meta http-equiv="refresh"' in waiting.text
    assert _incidents(session, org_id) == 0  # not imported inside the request

    assert run_import_uploads_now(session_factory, settings, _utc()) is True
    assert run_import_uploads_now(session_factory, settings, _utc()) is False
    done = client.get(run_url)
    assert "6 read, 4 created, 0 skipped, 2 invalid" in done.text
    assert '<meta http-equiv="refresh"' not in done.text
    assert _incidents(session, org_id) == 4
    session.expire_all()
    assert session.get(ImportUpload, upload.id).state == UploadState.done
    assert not stored.exists()  # deleted once imported

    again = _upload(client, _csv_bytes(tmp_path), name="killings-again.csv")
    second_url = again.headers["location"]
    assert "4 already imported" in _act(client, second_url, MAPPING).text
    run_url = _act(client, second_url, MAPPING, action="start").headers["location"]
    run_import_uploads_now(session_factory, settings, _utc())
    assert "6 read, 0 created, 4 skipped" in client.get(run_url).text
    assert _incidents(session, org_id) == 4


def _utc():
    from vigil.core.db import utcnow

    return utcnow()


def test_a_bad_mapping_comes_back_as_typed_with_its_line(client, coordinator, tmp_path):
    url = _upload(client, _csv_bytes(tmp_path)).headers["location"]
    typed = '[columns]\nid = "ID"\ndate = { column = "Fecha", order = "DMY" }\nkolor = "País"\n'
    response = _act(client, url, typed)
    assert response.status_code == 422
    assert "Mapping line 4:" in response.text
    assert "kolor = &#34;País&#34;" in response.text
    broken = _act(client, url, '[columns\nid = "ID"\n')
    assert broken.status_code == 422 and "line 1" in broken.text
    assert "[columns\nid = &#34;ID&#34;" in broken.text
    refused = _act(client, url, typed, action="start")
    assert refused.status_code == 422 and "Mapping line 4:" in refused.text


def test_a_saved_mapping_is_reused_and_stays_in_its_organisation(
    session, client, coordinator, tmp_path
):
    url = _upload(client, _csv_bytes(tmp_path)).headers["location"]
    saved = _act(client, url, MAPPING, action="save", mapping_name="Red Andina")
    assert saved.status_code == 200 and "Mapping saved as “Red Andina”." in saved.text
    mapping = session.scalars(select(SavedMapping)).one()
    form = client.get("/staff/imports/upload").text
    assert f'<option value="{mapping.id}">Red Andina</option>' in form
    second = _upload(client, _csv_bytes(tmp_path), mapping_id=str(mapping.id))
    page = client.get(second.headers["location"]).text
    assert "[values.attack_type]" in page

    other = make_org(session)
    theirs = service.save_mapping(
        session, org_id=other.id, name="Theirs", text=MAPPING, syntax="toml"
    )
    session.commit()
    assert "Theirs" not in client.get("/staff/imports/upload").text
    refused = _upload(client, _csv_bytes(tmp_path), mapping_id=str(theirs.id))
    assert refused.status_code == 404


def test_another_organisations_upload_and_run_are_not_found(
    session, client, settings, coordinator, tmp_path
):
    other = make_org(session)
    theirs = service.store_upload(
        session, org_id=other.id, data_dir=settings.data_dir, original_name="theirs.csv",
        stream=io.BytesIO(_csv_bytes(tmp_path)), by_user_id=None,
        vault=Vault(session=session, ring=keystore_for(settings).current()),
    )  # fmt: skip
    theirs.mapping_text = MAPPING
    run = service.queue_upload(session, org_id=other.id, upload=theirs, by_user_id=None)
    session.commit()
    assert client.get(f"/staff/imports/uploads/{theirs.id}").status_code == 404
    assert client.get(f"/staff/imports/{run.id}").status_code == 404
    token = csrf_from(client.get("/staff/imports/upload").text)
    response = client.post(
        f"/staff/imports/uploads/{theirs.id}",
        data={"csrf_token": token, "mapping": MAPPING, "action": "start"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["analyst", "auditor"])
def test_analysts_and_auditors_cannot_upload(session, client, role, tmp_path):
    org = make_org(session)
    account = make_staff(session, org, role)
    session.commit()
    sign_in(client, account)
    assert client.get("/staff/imports/upload").status_code == 403
    token = csrf_from(client.get("/staff/playbooks").text)
    response = client.post(
        "/staff/imports/upload",
        data={"csrf_token": token},
        files={"file": ("k.csv", io.BytesIO(_csv_bytes(tmp_path)), "text/csv")},
    )
    assert response.status_code == 403
    assert session.scalar(select(func.count()).select_from(ImportUpload)) == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("k.csv", b"", "The file is empty."),
        ("k.csv", b"ID,Fecha\r\n", "The file has a header but no rows under it."),
        (
            "k.xlsx",
            b"PK\x03\x04 not a workbook",
            "&#39;k.xlsx&#39; is not a readable XLSX workbook",
        ),
        ("k.json", b'{"a": 1}\n', "the format must be one of CSV, XLSX or JSON lines"),
        ("k.jsonl", b"\xff\xfe\x00garbage", "no JSON object with named fields"),
    ],
)
def test_bad_files_are_refused_with_a_reason(
    session, client, settings, coordinator, name, data, message
):
    response = _upload(client, data, name=name)
    assert response.status_code == 422, response.text[:500]
    assert message in response.text
    assert session.scalar(select(func.count()).select_from(ImportUpload)) == 0
    assert list((settings.data_dir / "uploads").glob("*")) == []


def test_undecodable_bytes_are_reported_by_line(client, coordinator, tmp_path):
    data = (
        _csv_bytes(tmp_path, ROWS[:2]) + b"A-9,01/01/2019,Colombia,\xff\xfe\x81,,,,,asesinato,,,,\n"
    )
    url = _upload(client, data).headers["location"]
    response = _act(client, url, MAPPING)
    assert response.status_code == 200
    assert "<td>4</td>" in response.text, response.text
    assert "has bytes that are not valid" in response.text, response.text[-3000:]


def test_a_file_over_the_limit_is_refused(session, client, settings, coordinator, monkeypatch):
    monkeypatch.setattr(service, "MAX_UPLOAD_BYTES", 1024 * 1024)
    header = b"ID,Fecha\n"
    row = b"A-1,01/01/2019\n"
    exact = header + row * ((1024 * 1024 - len(header)) // len(row))
    exact += b"x" * (1024 * 1024 - len(exact) - 1) + b"\n"
    assert len(exact) == 1024 * 1024
    assert _upload(client, exact).status_code == 303
    over = _upload(client, exact + b"\n")
    assert over.status_code == 422
    assert "The file is larger than 1 MB" in over.text
    assert session.scalar(select(func.count()).select_from(ImportUpload)) == 1
    assert len(list((settings.data_dir / "uploads").glob("*"))) == 1
