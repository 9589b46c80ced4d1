"""An anonymous reporter and an analyst talk to each other through Vigil, in Chromium with
JavaScript switched off: the report, its receipt, the triage queue, a reply and an answer."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, select

from vigil.core.db import make_engine, make_sessionmaker, session_scope
from vigil.intake.models import Report

NARRATIVE = "Dos hombres armados llegaron de noche a la casa y nos dijeron que dejáramos el valle."
QUESTION = "¿Está usted a salvo ahora?"
ANSWER = "Sí, gracias"


def gps_jpeg(path: Path) -> Path:
    """A small photo whose EXIF says where it was taken."""
    exif = Image.Exif()
    exif[0x010F] = "PlantedCamMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (2.0, 26.0, 31.0), 3: "W", 4: (76.0, 36.0, 22.0)})
    Image.new("RGB", (32, 24), (120, 40, 40)).save(path, "JPEG", exif=exif)
    assert Image.open(path).getexif().get_ifd(0x8825)  # the upload really carries GPS
    return path


def watch_hosts(context: BrowserContext, hosts: list[str]) -> None:
    """Like the ``seen_hosts`` fixture, for a context the test opens itself."""
    context.on("request", lambda request: hosts.append(urlparse(request.url).hostname or ""))
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlparse(route.request.url).hostname == "127.0.0.1"
            else route.abort()
        ),
    )


def latest_report_id(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            report_id = session.scalar(select(func.max(Report.id)))
    finally:
        engine.dispose()
    assert report_id is not None
    return report_id


def staff_sign_in(page: Page, live_server, analyst) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/login")
    page.fill("#email", analyst.user.email)
    page.fill("#password", analyst.password)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login/code"))
    page.fill("#code", analyst.code())
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff/"))


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_reporter_and_analyst_talk_without_javascript(  # type: ignore[no-untyped-def]
    page: Page, browser: Browser, live_server, analyst, seen_hosts, tmp_path
):
    # The reporter, in Spanish, files an urgent report with a photo.
    page.goto(live_server.url + "/report")
    page.click("text=Español")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.check("input[name=imminent]")
    page.check("#attack_type-death_threat")
    page.select_option("#country", "CO")
    page.fill("#narrative", NARRATIVE)
    page.set_input_files("#attachments", str(gps_jpeg(tmp_path / "IMG_2041.jpg")))
    page.click("#send-report")
    summary = page.locator(".error-summary")
    if summary.count():
        errors = " | ".join(page.locator(".error").all_inner_texts())
        pytest.fail(f"the report was refused: {summary.inner_text()} {errors}")
    receipt = page.locator("#receipt").inner_text().strip()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt), receipt
    report_id = latest_report_id(live_server.database_url)

    # The analyst, in a browser of their own, finds it at the top of the queue.
    staff_context = browser.new_context(java_script_enabled=False)
    watch_hosts(staff_context, seen_hosts)
    staff = staff_context.new_page()
    try:
        staff_sign_in(staff, live_server, analyst)
        staff.goto(live_server.url + "/staff/reports")
        rows = staff.locator("table.reports tbody tr")
        ids = [row.get_attribute("id") for row in rows.all()]
        mine = ids.index(f"report-{report_id}")
        for position in range(mine + 1):  # urgent reports first: nothing ordinary before it
            expect(rows.nth(position).locator(".imminent")).to_have_count(1)
        expect(rows.nth(mine)).to_contain_text("Colombia")
        expect(rows.nth(mine)).to_contain_text("Death threat")

        staff.click(f"a[href='/staff/reports/{report_id}']")
        expect(staff.locator("h1")).to_contain_text(f"Report {report_id}")
        expect(staff.locator("main")).to_contain_text(NARRATIVE)
        files = staff.locator("table.attachments")
        expect(files).to_contain_text("image/jpeg")
        expect(files).to_contain_text("EXIF (incl. GPS)")
        with staff.expect_download() as download_info:
            staff.click("table.attachments a")
        download = download_info.value
        assert re.fullmatch(rf"report-{report_id}-\d+\.jpg", download.suggested_filename)
        photo = Image.open(io.BytesIO(Path(download.path()).read_bytes()))
        assert photo.format == "JPEG" and photo.size == (32, 24)
        assert not photo.getexif() and not photo.getexif().get_ifd(0x8825)

        staff.fill("#body", QUESTION)
        staff.click("#reply-form button[type=submit]")
        expect(staff).to_have_url(re.compile(rf"/staff/reports/{report_id}\?done=replied$"))
        expect(staff.locator(".conversation")).to_contain_text(QUESTION)

        # The reporter comes back with the receipt, reads the question and answers.
        page.goto(live_server.url + "/report/status")
        page.fill("#receipt", receipt)
        page.click("main button[type=submit]")
        conversation = page.locator(".conversation")
        expect(conversation).to_contain_text(QUESTION)
        page.fill("#message", ANSWER)
        page.click("main button[type=submit]")
        expect(page.locator(".conversation")).to_contain_text(ANSWER)

        # The analyst reloads the report and reads the answer after the question.
        staff.reload()
        entries = staff.locator(".conversation li")
        expect(entries).to_have_count(2)
        expect(entries.nth(0)).to_contain_text(QUESTION)
        expect(entries.nth(1)).to_contain_text(ANSWER)
    finally:
        staff_context.close()

    assert seen_hosts, "no request was observed"
    assert set(seen_hosts) == {"127.0.0.1"}


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_enter_in_a_text_field_sends_the_report(page: Page, live_server, seen_hosts):  # type: ignore[no-untyped-def]
    """Enter presses the form's first submit button: that must be "Send the report", not
    "Show the regions of the chosen country" (which only reloads the form)."""
    page.goto(live_server.url + "/report")
    page.check("#attack_type-death_threat")
    page.select_option("#country", "CO")
    page.fill("#narrative", NARRATIVE)
    page.fill("#place", "Vereda El Carmen")
    page.press("#place", "Enter")
    expect(page.locator("#receipt")).to_be_visible()
