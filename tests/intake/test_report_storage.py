"""A report is never lost to a server error: whatever goes wrong while storing it, nothing is
half-stored and the reporter gets the form back with everything they typed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, OperationalError

from tests.factories import make_org
from tests.intake.helpers import gps_jpeg, report_fields
from vigil.core.audit import AuditEvent
from vigil.core.crypto import DataKey
from vigil.intake import service
from vigil.intake.models import Report
from vigil.intake.schemas import TEXT_FIELDS

NOT_SAVED = "Your report could not be saved, and nothing was stored."
ATTACH_AGAIN = "Please attach your files again."
BAD_CHARACTER = "This answer contained a character that cannot be stored."


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def _locked(*_args, **_kwargs):  # type: ignore[no-untyped-def]
    raise OperationalError("INSERT INTO reports", {}, Exception("database is locked"))


def _refused(*_args, **_kwargs):  # type: ignore[no-untyped-def]
    raise DataError("INSERT INTO reports", {}, Exception("text fields cannot contain NUL"))


def _bug(*_args, **_kwargs):  # type: ignore[no-untyped-def]
    raise RuntimeError("a programming mistake")


@pytest.mark.parametrize(("failure", "status"), [(_locked, 503), (_refused, 400), (_bug, 503)])
def test_a_failed_store_gives_the_form_back_and_keeps_nothing(
    session, client, monkeypatch, failure, status
):
    """The failure comes after the report, its key and its files were flushed: all of it is
    rolled back."""
    make_org(session)
    session.commit()
    keys_before = _count(session, DataKey)
    real_file_report = service.file_report

    def file_then_fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_file_report(*args, **kwargs)
        failure()

    monkeypatch.setattr("vigil.surfaces.intake.reports.file_report", file_then_fail)
    fields = report_fields(client, earlier_threats="Two motorbikes circled the house.")
    response = client.post(
        "/report", data=fields, files=[("attachments", ("photo.jpg", gps_jpeg(), "image/jpeg"))]
    )
    assert response.status_code == status
    page = response.text
    assert NOT_SAVED in page and ATTACH_AGAIN in page
    for typed in ("Quetzali Planted-Name", "+57 300 000 4242", "Two motorbikes", "Cauca"):
        assert typed in page
    assert 'value="death_threat" checked' in page and 'value="CO" selected' in page
    assert fields["submission_id"] in page  # sending it again is not taken for a duplicate
    assert _count(session, Report) == 0
    assert _count(session, DataKey) == keys_before
    assert not session.scalar(select(AuditEvent.id).where(AuditEvent.action == "report.received"))


def test_a_crash_while_cleaning_files_gives_the_form_back(session, client, monkeypatch):
    make_org(session)
    session.commit()
    monkeypatch.setattr("vigil.surfaces.intake.reports.sanitise", _bug)
    response = client.post(
        "/report",
        data=report_fields(client),
        files=[("attachments", ("photo.jpg", gps_jpeg(), "image/jpeg"))],
    )
    assert response.status_code == 503
    assert NOT_SAVED in response.text and ATTACH_AGAIN in response.text
    assert "Quetzali Planted-Name" in response.text
    assert _count(session, Report) == 0


def test_the_form_comes_back_even_when_the_database_cannot_be_read(session, client, monkeypatch):
    """The options then come from what the reporter chose, so no answer is lost."""
    make_org(session)
    session.commit()
    monkeypatch.setattr("vigil.surfaces.intake.reports.file_report", _locked)
    monkeypatch.setattr("vigil.surfaces.intake.reports.read_only_scope", _locked)
    response = client.post("/report", data=report_fields(client))
    assert response.status_code == 503
    page = response.text
    assert NOT_SAVED in page and "Quetzali Planted-Name" in page
    assert 'value="death_threat" checked' in page  # a ticked type of attack
    for chosen in ("community_leader", "unknown", "CO"):
        assert f'value="{chosen}" selected' in page


def test_the_message_is_in_the_reporters_language(session, client, monkeypatch):
    make_org(session)
    session.commit()
    monkeypatch.setattr("vigil.surfaces.intake.reports.file_report", _locked)
    client.get("/language/es")
    response = client.post("/report", data=report_fields(client))
    assert response.status_code == 503
    assert "No se pudo guardar su reporte y no se ha guardado nada." in response.text
    assert "Quetzali Planted-Name" in response.text


@pytest.mark.parametrize("year", ["99999999999", "10000", "9" * 5000])
def test_an_absurd_year_is_a_form_error(session, client, year):
    make_org(session)
    session.commit()
    response = client.post("/report", data=report_fields(client, year=year))
    assert response.status_code == 400
    assert "This date does not exist" in response.text
    assert "Quetzali Planted-Name" in response.text
    assert _count(session, Report) == 0


@pytest.mark.parametrize("name", sorted(TEXT_FIELDS))
def test_a_nul_character_in_any_text_is_a_form_error(session, client, name):
    make_org(session)
    session.commit()
    fields = report_fields(client)
    fields[name] = "Before\x00after the NUL"
    response = client.post("/report", data=fields)
    assert response.status_code == 400
    assert BAD_CHARACTER in response.text
    assert "Beforeafter the NUL" in response.text  # kept, without the character
    assert "\x00" not in response.text
    assert _count(session, Report) == 0


def test_a_nul_character_in_the_date_is_a_form_error(session, client):
    make_org(session)
    session.commit()
    response = client.post("/report", data=report_fields(client, year="20\x0026"))
    assert response.status_code == 400
    assert BAD_CHARACTER in response.text
    assert _count(session, Report) == 0


def test_slow_work_happens_before_the_database_is_touched(session, client, monkeypatch):
    """Cleaning files and hashing the receipt (Argon2) take long; on SQLite no one else can
    write while the report's transaction is open, so both come first."""
    make_org(session)
    session.commit()
    steps: list[str] = []

    def spy(name, real):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            steps.append(name)
            return real(*args, **kwargs)

        return wrapper

    from vigil.intake import choices
    from vigil.surfaces.intake import reports as views

    monkeypatch.setattr(views, "sanitise", spy("sanitise", views.sanitise))
    monkeypatch.setattr(service, "receipt_digest", spy("argon2", service.receipt_digest))
    monkeypatch.setattr(
        choices, "receiving_organisations", spy("database", choices.receiving_organisations)
    )
    fields = report_fields(client)
    response = client.post(
        "/report", data=fields, files=[("attachments", ("photo.jpg", gps_jpeg(), "image/jpeg"))]
    )
    assert response.status_code == 201, response.text
    assert steps == ["sanitise", "argon2", "database"]
