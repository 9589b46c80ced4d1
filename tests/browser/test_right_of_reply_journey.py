"""The right of reply in a real browser, with JavaScript off and on: an analyst asks a
company to respond, the company's contact answers through the signed link in the e-mail, the
analyst classifies and approves the answer, and once the register batch has run the public
incident page shows it verbatim. Nothing is asked of any host but 127.0.0.1."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from tests.browser.axe import assert_no_serious_axe_violations
from tests.browser.conftest import LiveServer
from tests.browser.register_world import live_db
from tests.browser.test_reporting import staff_sign_in, watch_hosts
from tests.factories import StaffAccount
from tests.public.register_helpers import publishable
from tests.responses.support import token_in
from vigil.companies.models import Company
from vigil.contacts.models import Contact
from vigil.core.db import utcnow
from vigil.organisations.service import get_organisation_by_slug
from vigil.outbox.models import Delivery
from vigil.outbox.service import open_content
from vigil.public.register_batch import refresh_register
from vigil.public.register_models import PublicIncident

QUESTION = "Did your security contractor patrol the access road in March?"


@dataclass
class Case:
    incident_id: int
    company_name: str
    contact_name: str


def _publishable_case(live_server: LiveServer) -> Case:
    """A verified incident of red-andina, old enough to publish, whose victim agreed to appear
    under an alias; a company involved in it with a contact in the directory."""
    word = secrets.token_hex(4)
    with live_db(live_server) as (session, vault):
        org = get_organisation_by_slug(session, slug="red-andina")
        company = Company(name=f"Minera Reply {word} S.A.")
        session.add(company)
        session.flush()
        incident = publishable(session, org, vault, company_id=company.id)
        contact = Contact(
            organisation_id=org.id,
            name=f"Carla Contact {word}",
            email=f"carla-{word}@minera.example",
            company_id=company.id,
        )
        session.add(contact)
        session.flush()
        return Case(incident.id, company.name, contact.name)


def _link_in_the_email(live_server: LiveServer) -> str:
    with live_db(live_server) as (session, vault):
        delivery = session.scalars(
            select(Delivery).where(Delivery.purpose == "reply_request").order_by(Delivery.id.desc())
        ).first()
        assert delivery is not None
        content = open_content(vault, delivery)
    assert QUESTION in content["text"]
    return f"/l/{token_in(content)}"


def _publish(live_server: LiveServer, case: Case) -> str:
    """What the worker does every few minutes; the incident's public code."""
    with live_db(live_server) as (session, vault):
        refresh_register(session, vault=vault, settings=live_server.settings, now=utcnow())
        code = session.scalar(
            select(PublicIncident.code).where(PublicIncident.incident_id == case.incident_id)
        )
    assert code
    return code


@pytest.mark.parametrize("javascript", [False, True])
def test_a_company_answer_reaches_the_public_page(
    browser: Browser, live_server: LiveServer, analyst: StaffAccount, javascript: bool
) -> None:
    case = _publishable_case(live_server)
    hosts: list[str] = []
    staff_context = browser.new_context(java_script_enabled=javascript)
    watch_hosts(staff_context, hosts)
    staff = staff_context.new_page()
    staff_sign_in(staff, live_server, analyst)
    responses_url = f"{live_server.url}/staff/incidents/{case.incident_id}/responses"

    # The analyst asks the company's contact.
    staff.goto(responses_url)
    expect(staff.locator("#no-requests")).to_be_visible()
    staff.get_by_label("Company and contact").select_option(label=f"{case.contact_name} (en)")
    staff.get_by_label("Question").fill(QUESTION)
    staff.get_by_role("button", name="Send the request").click()
    expect(staff.get_by_role("status")).to_have_text("Saved.")
    expect(staff.locator(".question")).to_have_text(QUESTION)

    # The contact opens the link in the e-mail, somewhere else, and answers.
    answer = f"We deny that our contractor patrolled the road. Audit {secrets.token_hex(3)}."
    company_context = browser.new_context(java_script_enabled=javascript)
    watch_hosts(company_context, hosts)
    company = company_context.new_page()
    company.goto(live_server.url + _link_in_the_email(live_server))
    expect(company.get_by_role("heading", level=1)).to_have_text("Right of reply")
    expect(company.locator("#reply-question")).to_have_text(QUESTION)
    expect(company.locator("#reply-facts")).to_contain_text(case.company_name)
    expect(company.locator("main")).not_to_contain_text("Defender A")
    if javascript:
        assert_no_serious_axe_violations(company)
    company.get_by_label("Your response").fill(answer)
    company.get_by_label("Your name (optional)").fill("R. Ortiz")
    company.get_by_role("button", name="Send").click()
    expect(company.locator("main")).to_contain_text("Thank you")
    company.reload()
    expect(company.locator("#reply-answered")).to_be_visible()
    expect(company.locator("textarea")).to_have_count(0)

    # The analyst reads it, classifies it and approves it.
    staff.goto(responses_url)
    expect(staff.locator("blockquote.answer")).to_have_text(answer)
    staff.get_by_label("What kind of answer is it?").select_option("denial")
    staff.get_by_role("button", name="Save the classification").click()
    expect(staff.get_by_role("status")).to_have_text("Saved.")
    staff.get_by_role("button", name="Approve for publication").click()
    expect(staff.locator("article.card")).to_contain_text("Approved for publication")
    expect(staff.get_by_role("button", name="Approve for publication")).to_have_count(0)

    # After the register batch, a reader finds the incident and the answer, verbatim.
    code = _publish(live_server, case)
    reader_context = browser.new_context(java_script_enabled=javascript)
    watch_hosts(reader_context, hosts)
    reader = reader_context.new_page()
    reader.goto(f"{live_server.url}/incidents")
    search = reader.get_by_role("search")
    search.get_by_label("Search").fill(case.company_name)
    search.get_by_role("button", name="Filter").click()
    expect(reader.locator("#result-count")).to_have_text("1 incident matches.")
    reader.locator("#register-list > li > a").click()
    expect(reader).to_have_url(f"{live_server.url}/incidents/{code}")
    expect(reader.locator("blockquote.verbatim")).to_have_text(answer)
    expect(reader.locator("main")).to_contain_text("Published verbatim, as the company sent it.")
    expect(reader.locator("main")).not_to_contain_text("Hidden Name")
    expect(reader.locator("main")).not_to_contain_text("R. Ortiz")
    if javascript:
        assert_no_serious_axe_violations(reader)
    assert set(hosts) == {"127.0.0.1"}, hosts
    for context in (staff_context, company_context, reader_context):
        context.close()
