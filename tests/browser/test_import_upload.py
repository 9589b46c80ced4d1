"""A coordinator brings a spreadsheet in, in Chromium with JavaScript off: upload, edit the
mapping, read the dry run (an unmapped word and an invalid line), start the import, and read
the run's counts once the worker's job has run."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_reporting import staff_sign_in
from tests.factories import make_staff
from tests.imports.incidents.conftest import MAPPING, ROWS, write_csv
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope
from vigil.imports.uploads.jobs import run_queued_upload
from vigil.organisations.service import get_organisation_by_slug


def _coordinator(live_server):  # type: ignore[no-untyped-def]
    engine = make_engine(live_server.database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            org = get_organisation_by_slug(session, slug="red-andina")
            vault = Vault(session=session, ring=keystore_for(live_server.settings).current())
            return make_staff(session, org, role="coordinator", vault=vault)
    finally:
        engine.dispose()


def _worker_round(live_server) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(live_server.database_url)
    try:
        run_queued_upload(
            make_sessionmaker(engine),
            ring=keystore_for(live_server.settings).current(),
            data_dir=live_server.settings.data_dir,
        )
    finally:
        engine.dispose()


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_upload_dry_run_and_import_without_javascript(  # type: ignore[no-untyped-def]
    page: Page, live_server, seen_hosts, tmp_path
):
    staff_sign_in(page, live_server, _coordinator(live_server))
    page.goto(live_server.url + "/staff/imports")
    page.click("#upload-link")
    page.set_input_files("#upload-file", str(write_csv(tmp_path / "andina.csv", ROWS)))
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff/imports/uploads/\d+$"))
    expect(page.locator("#mapping-text")).to_contain_text('# FIELD = "Fecha"')

    page.fill("#mapping-text", MAPPING)
    page.click("button[value=check]")
    expect(page.locator("#dry-run-summary")).to_contain_text("4 would be created")
    expect(page.locator("#dry-run-unmapped")).to_contain_text("desplazamiento")
    expect(page.locator("#dry-run-problems")).to_contain_text("Edad")

    page.click("button[value=start]")
    expect(page).to_have_url(re.compile(r"/staff/imports/\d+$"))
    expect(page.locator("#run-progress")).to_contain_text("Waiting for the worker")
    _worker_round(live_server)
    page.click("#run-progress a")
    expect(page.locator("#run-counts")).to_have_text("6 read, 4 created, 0 skipped, 2 invalid")
    expect(page.locator("#run-state")).to_contain_text("Finished")
    assert set(seen_hosts) == {"127.0.0.1"}
