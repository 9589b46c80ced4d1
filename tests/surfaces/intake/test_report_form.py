"""The anonymous reporter's journey: form, receipt, follow-up, two-way messages."""

from __future__ import annotations

import re
from hashlib import sha256

import pytest
from sqlalchemy import func, select

from tests.factories import csrf_from, make_org
from tests.intake.helpers import gps_jpeg, report_fields
from tests.intake.receipt_support import freeze_receipt_clock
from vigil.core.audit import AuditEvent
from vigil.core.throttle import Throttle
from vigil.intake.models import Report, ReportAttachment
from vigil.models import metadata


def _receipt(html: str) -> str:
    match = re.search(r'id="receipt">([\d ]+)<', html)
    assert match, "no receipt on the page"
    return match.group(1)


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def test_report_is_filed_sealed_and_gives_a_receipt_once(session, client):
    make_org(session)
    session.commit()
    response = client.post("/report", data=report_fields(client))
    assert response.status_code == 201, response.text
    receipt = _receipt(response.text)
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt)

    report = session.scalars(select(Report)).one()
    assert report.imminent and report.country == "CO" and report.attack_types == ["death_threat"]
    assert report.occurred_on.isoformat() == "2026-10-03" and report.date_precision == "day"
    row = " ".join(str(v) for v in session.execute(select(Report.__table__)).one())
    for secret in ("Quetzali", "4242", "handwritten", "Vereda", receipt.replace(" ", "")):
        assert secret not in row
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.received")).one()
    assert "Quetzali" not in event.detail


def test_bad_answers_are_explained_and_nothing_typed_is_lost(session, client):
    make_org(session)
    session.commit()
    fields = report_fields(
        client,
        narrative="",
        country="XX",
        year="2026",
        month="2",
        day="30",
        attack_type="not-a-code",
    )
    response = client.post("/report", data=fields)
    assert response.status_code == 400
    page = response.text
    assert "Please describe what happened." in page
    assert "This date does not exist" in page
    assert page.count("Please choose one of the options.") == 2
    assert "Quetzali Planted-Name" in page and "Minera Andina del Cauca" in page
    assert fields["submission_id"] in page
    assert _count(session, Report) == 0


def test_errors_are_in_the_reporters_language(session, client):
    make_org(session)
    session.commit()
    client.get("/language/es")
    response = client.post("/report", data=report_fields(client, narrative=""))
    assert response.status_code == 400
    assert "Describa lo que ocurrió." in response.text
    assert "Please describe what happened." not in response.text


def test_a_form_sent_twice_is_stored_once(session, client):
    make_org(session)
    session.commit()
    fields = report_fields(client)
    assert client.post("/report", data=fields).status_code == 201
    again = client.post("/report", data=fields)
    assert again.status_code == 409
    assert 'id="receipt"' not in again.text
    assert _count(session, Report) == 1


def _whole_database(session) -> bytes:  # type: ignore[no-untyped-def]
    """Every value of every row of every table, as bytes."""
    parts = []
    for table in metadata.sorted_tables:
        for row in session.execute(select(table)):
            parts += [v if isinstance(v, bytes) else str(v).encode() for v in row]
    return b"\n".join(parts)


def test_attachment_is_stripped_of_gps_and_only_the_cleaned_hash_is_kept_sealed(
    session, client, vault
):
    make_org(session)
    session.commit()
    photo = gps_jpeg()
    response = client.post(
        "/report",
        data=report_fields(client),
        files=[("attachments", ("IMG_2041.jpg", photo, "image/jpeg"))],
    )
    assert response.status_code == 201, response.text
    attachment = session.scalars(select(ReportAttachment)).one()
    report = session.get(Report, attachment.report_id)
    assert attachment.media_type == "image/jpeg"
    stored = vault.open_bytes(report.data_key_id, attachment.content_sealed)
    assert stored != photo
    assert vault.open(report.data_key_id, attachment.sha256_sealed) == sha256(stored).hexdigest()
    # Whoever holds the original photo cannot find it in the database: not in hex, not raw,
    # not upper-case, and the cleaned file's hash is not in clear either.
    everything = _whole_database(session)
    for digest in (sha256(photo), sha256(stored)):
        for form in (digest.hexdigest(), digest.hexdigest().upper()):
            assert form.encode() not in everything
        assert digest.digest() not in everything
    assert b"PlantedCamMaker" not in attachment.content_sealed
    assert "IMG_2041" not in " ".join(
        str(v) for v in session.execute(select(ReportAttachment.__table__)).one()
    )


def test_rejected_file_keeps_the_answers(session, client):
    make_org(session)
    session.commit()
    response = client.post(
        "/report",
        data=report_fields(client),
        files=[("attachments", ("photo.jpg", b"MZ\x90\x00" * 64, "image/jpeg"))],
    )
    assert response.status_code == 400
    assert "type we cannot accept" in response.text
    assert "Quetzali Planted-Name" in response.text
    assert _count(session, Report) == 0


def test_reporter_follows_up_and_replies_with_the_receipt(session, client):
    make_org(session)
    session.commit()
    receipt = _receipt(client.post("/report", data=report_fields(client)).text)
    token = csrf_from(client.get("/report/status").text)
    page = client.post("/report/status", data={"csrf_token": token, "receipt": receipt})
    assert page.status_code == 200
    assert "Received, waiting to be read" in page.text
    reply = client.post(
        "/report/status",
        data={"csrf_token": token, "receipt": receipt, "message": "I am safe for now."},
    )
    assert "Your message was sent." in reply.text
    assert "I am safe for now." in reply.text


def test_wrong_receipts_are_refused_and_throttled_without_storing_the_client(
    session, client, settings, monkeypatch
):
    freeze_receipt_clock(monkeypatch)
    make_org(session)
    session.commit()
    receipt = _receipt(client.post("/report", data=report_fields(client)).text)
    digits = receipt.replace(" ", "")
    guess = digits[:6] + ("1" if digits[6:] != "1" * 10 else "2") * 10
    token = csrf_from(client.get("/report/status").text)
    for _attempt in range(settings.receipt_max_failures_per_prefix):
        wrong = client.post("/report/status", data={"csrf_token": token, "receipt": guess})
        assert wrong.status_code == 404
        assert "No report matches this receipt" in wrong.text
    blocked = client.post("/report/status", data={"csrf_token": token, "receipt": receipt})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text
    stored = " ".join(str(v) for row in session.execute(select(Throttle.__table__)) for v in row)
    for secret in (digits, digits[:6], guess, "testclient"):
        assert secret not in stored


def test_forged_form_is_refused(session, client):
    make_org(session)
    session.commit()
    fields = report_fields(client, csrf_token="f" * 64)
    assert client.post("/report", data=fields).status_code == 403
    assert _count(session, Report) == 0


def test_oversized_upload_is_refused_before_it_is_stored(session, session_factory, settings):
    from fastapi.testclient import TestClient

    from vigil.app import create_app

    make_org(session)
    session.commit()
    small = settings.model_copy(update={"attachment_max_files": 1, "attachment_max_bytes": 2048})
    with TestClient(
        create_app(small, session_factory=session_factory), base_url="https://testserver"
    ) as client:
        huge = b"\xff\xd8\xff" + b"\x00" * (3 * 1024 * 1024)
        response = client.post(
            "/report",
            data=report_fields(client),
            files=[("attachments", ("big.jpg", huge, "image/jpeg"))],
        )
    assert response.status_code == 413
    assert response.headers["x-content-type-options"] == "nosniff"
    assert _count(session, Report) == 0


def test_a_reloaded_reply_is_kept_once(session, client):
    make_org(session)
    session.commit()
    receipt = _receipt(client.post("/report", data=report_fields(client)).text)
    token = csrf_from(client.get("/report/status").text)
    fields = {"csrf_token": token, "receipt": receipt, "message": "Sent twice by a reload."}
    client.post("/report/status", data=fields)
    page = client.post("/report/status", data=fields).text
    assert page.count("Sent twice by a reload.") == 1


def test_no_organisation_means_a_clear_503(client):
    response = client.post("/report", data=report_fields(client))
    assert response.status_code == 503
    assert "no organisation is set up" in response.text


def test_large_upload_is_never_written_to_disk_and_every_file_is_closed(
    session, client, tmp_path, monkeypatch
):
    """Starlette spools parts over 1 MB to /tmp in clear; ours stay in memory, and the files
    of a refused submission are closed all the same."""
    import tempfile

    import starlette.formparsers

    make_org(session)
    session.commit()
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    opened = []

    class Tracked(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            opened.append(self)

    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", Tracked)
    big = b"\x89PNG\r\n\x1a\n" + bytes(1_500_000)  # over 1 MB, and refused as damaged
    response = client.post(
        "/report",
        data=report_fields(client),
        files=[("attachments", ("big.png", big, "image/png"))],
    )
    assert response.status_code == 400
    assert len(opened) == 1
    assert not opened[0]._rolled  # never rolled over from memory to a file
    assert opened[0].closed
    assert list(spool.iterdir()) == []
    assert _count(session, Report) == 0


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", "We are not an emergency service"), ("es", "No somos un servicio de emergencias")],
)
def test_receipt_page_says_this_is_not_an_emergency_service(session, client, locale, words):
    """A defender in danger must not wait on a form: the receipt page says what to do now."""
    make_org(session)
    session.commit()
    client.headers["Accept-Language"] = locale
    response = client.post("/report", data=report_fields(client))
    assert response.status_code == 201, response.text
    assert words in response.text
