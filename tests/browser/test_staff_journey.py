"""What a person sees in Chromium: language switch, two-step sign-in, incident list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect


def sign_in(page: Page, live_server, analyst) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/login")
    page.fill("#email", analyst.user.email)
    page.fill("#password", analyst.password)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login/code"))
    page.fill("#code", analyst.code())
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff/now$"))  # "Needs me now" first
    page.click("nav a[href='/staff/incidents']")
    expect(page).to_have_url(re.compile(r"/staff/incidents$"))


def test_language_switch_sign_in_and_incidents(page: Page, live_server, analyst, seen_hosts):
    page.goto(live_server.url + "/")
    expect(page.locator("h2#by-country")).to_have_text("By country")
    page.click("text=Español")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h2#by-country")).to_have_text("Por país")
    expect(page.locator("table.counts").first).to_contain_text("Colombia")

    sign_in(page, live_server, analyst)
    expect(page.locator("h1")).to_have_text("Incidentes")
    expect(page.locator("table.incidents")).to_contain_text("El Roble")
    page.click("text=Night-time death threat against a community leader")
    expect(page.locator("h1")).to_contain_text("El Roble")
    expect(page.locator(".acts")).to_contain_text("Amenaza de muerte")

    assert seen_hosts, "no request was observed"
    assert set(seen_hosts) == {"127.0.0.1"}


def test_htmx_filter_updates_table_in_place(page: Page, live_server, analyst, seen_hosts):
    sign_in(page, live_server, analyst)
    # htmx binds its change trigger once it has loaded and processed the page: selecting
    # before that reloads nothing and the test would flake.
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")
    page.select_option("#status", "rejected")
    expect(page).to_have_url(re.compile(r"status=rejected"))
    rows = page.locator("table.incidents tbody tr")
    expect(rows.first).to_contain_text("Rejected")
    assert page.locator("select#status").count() == 1  # fragment swapped, no nested page
    assert set(seen_hosts) == {"127.0.0.1"}


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_everything_works_without_javascript(page: Page, live_server, analyst, seen_hosts):
    sign_in(page, live_server, analyst)
    page.select_option("#status", "rejected")
    page.click("form.filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"status=rejected"))
    expect(page.locator("table.incidents tbody tr").first).to_contain_text("Rejected")
    page.click("text=Sign out")
    expect(page).to_have_url(live_server.url + "/")
    page.goto(live_server.url + "/staff/incidents")
    expect(page).to_have_url(re.compile(r"/login"))
    assert set(seen_hosts) == {"127.0.0.1"}


def test_api_docs_render_from_vendored_assets(page: Page, live_server, seen_hosts):
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(live_server.url + "/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Vigil")
    expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/incidents")
    assert violations == []
    assert set(seen_hosts) == {"127.0.0.1"}
