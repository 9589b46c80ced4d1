"""Reports with photos sent while other requests write are all stored: a real server over its
own database file (not the rolled-back test transaction), several reporters at once, and
writers that keep committing, as staff pages that audit every read do."""

from __future__ import annotations

import base64
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from tests.factories import make_org
from tests.intake.helpers import gps_jpeg, report_fields
from vigil.app import create_app
from vigil.core.config import Environment, Settings
from vigil.core.db import make_engine, make_sessionmaker, session_scope, utcnow
from vigil.core.jobs import JobRun
from vigil.core.migrations import upgrade
from vigil.intake.models import Report, ReportAttachment
from vigil.vocabularies.service import seed_vocabularies

REPORTERS = 3
REPORTS_EACH = 2


@pytest.fixture(params=["sqlite", "postgresql"])
def live_settings(request, tmp_path) -> Iterator[Settings]:  # type: ignore[no-untyped-def]
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'var' / 'vigil.db'}"
    else:
        name = pg_database_name("_reports")
        url = create_pg_database(name)
    upgrade(url)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        seed_vocabularies(session)
        make_org(session)
    engine.dispose()
    try:
        yield Settings(
            env=Environment.test,
            data_dir=tmp_path / "var",
            database_url=url,
            secret_key=secrets.token_urlsafe(48),
            master_key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            cookie_secure=False,  # plain http on 127.0.0.1
        )
    finally:
        if name:
            drop_pg_database(name)


@pytest.fixture
def server_url(live_settings: Settings) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(live_settings), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _send_reports(url: str) -> list[int]:
    statuses = []
    with httpx.Client(base_url=url, timeout=60) as browser:
        for _ in range(REPORTS_EACH):
            fields = report_fields(browser)
            response = browser.post(
                "/report",
                data=fields,
                files=[("attachments", ("photo.jpg", gps_jpeg(), "image/jpeg"))],
            )
            assert re.search(r'id="receipt">[\d ]+<', response.text) or response.status_code != 201
            statuses.append(response.status_code)
    return statuses


def _keep_writing(settings: Settings, stop: threading.Event) -> int:
    """Short write transactions back to back, each reading first and writing after, as a
    staff page that reads a case and then audits the view."""
    engine = make_engine(settings.effective_database_url)
    factory = make_sessionmaker(engine)
    writes = 0
    try:
        while not stop.is_set():
            with session_scope(factory) as session:
                session.scalar(select(func.count()).select_from(Report))
                session.merge(
                    JobRun(name=f"writer-{threading.get_ident()}", last_started_at=utcnow())
                )
            writes += 1
            time.sleep(0.01)
    finally:
        engine.dispose()
    return writes


def test_every_report_with_a_photo_is_stored_while_others_write(live_settings, server_url):
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=REPORTERS + 2) as pool:
        writers = [pool.submit(_keep_writing, live_settings, stop) for _ in range(2)]
        reporters = [pool.submit(_send_reports, server_url) for _ in range(REPORTERS)]
        statuses = [status for future in reporters for status in future.result()]
        stop.set()
        writes = sum(writer.result() for writer in writers)

    assert statuses == [201] * (REPORTERS * REPORTS_EACH)
    assert writes > 0
    engine = make_engine(live_settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            assert session.scalar(select(func.count()).select_from(Report)) == len(statuses)
            count = session.scalar(select(func.count()).select_from(ReportAttachment))
            assert count == len(statuses)
    finally:
        engine.dispose()
