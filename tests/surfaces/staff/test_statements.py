"""Collective statements through the pages, JavaScript off: a coordinator drafts, invites and
publishes; the invitee signs through the link in their language; the public page lists the
organisations that signed with the date, and nobody else. Analysts draft but cannot publish;
another organisation sees none of it."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.factories import csrf_from, make_org, make_staff, sign_in
from tests.statements.support import mails_to, make_contact, token_in
from vigil.core.audit import AuditEvent
from vigil.statements.models import Statement

DRAFT = {
    "title": "Protect the water defenders of the Cauca",
    "body": "We, the undersigned, call for guarantees.\n\nA second paragraph.",
    "language": "en",
    "country": "CO",
    "region": "Cauca",
    "sector": "Mining",
    "company": "",
}


def post(client, page: str, path: str, data: dict) -> object:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data})


def _draft_with_invitees(session, client):  # type: ignore[no-untyped-def]
    org = make_org(session)
    coordinator = make_staff(session, org, "coordinator")
    signer = make_contact(session, org, "Ana Firmante", "Andes Mining SA", language="es")
    decliner = make_contact(session, org, "Bo Decliner", "Blue Hydro Ltd")
    silent = make_contact(session, org, "Cy Silent", "Copper Co")
    session.commit()
    sign_in(client, coordinator)
    refused = post(client, "/staff/statements", "/staff/statements", {**DRAFT, "title": ""})
    assert refused.status_code == 422
    assert "We, the undersigned" in refused.text  # the typed text comes back
    created = post(client, "/staff/statements", "/staff/statements", DRAFT)
    assert created.status_code == 303
    page = created.headers["location"].split("?")[0]
    statement_id = int(page.rsplit("/", 1)[1])
    ids = [str(c.id) for c in (signer, decliner, silent)]
    added = post(client, page, f"{page}/invitees", {"contact_ids": ids})
    assert added.status_code == 303
    sent = post(client, page, f"{page}/send", {})
    assert sent.status_code == 303
    return org, coordinator, (signer, decliner, silent), page, statement_id


def _answer(client, token: str, data: dict):  # type: ignore[no-untyped-def]
    form = client.get(f"/l/{token}")
    assert form.status_code == 200
    return form, client.post(f"/l/{token}", data={"csrf_token": csrf_from(form.text), **data})


def test_invite_sign_publish_and_the_public_page(session, vault, client) -> None:  # type: ignore[no-untyped-def]
    org, _coordinator, (signer, decliner, silent), page, _sid = _draft_with_invitees(
        session, client
    )
    staff_cookies = list(client.cookies.jar)
    client.cookies.clear()  # the invitee has no staff session
    token = token_in(mails_to(session, vault, signer)[0])
    form, refused = _answer(client, token, {"stance": "sign", "organisation_name": "Andes"})
    assert "Protect the water defenders of the Cauca" in form.text
    assert 'value="Andes Mining SA"' in form.text  # the directory's name, as a default
    assert form.headers["Content-Language"] == "es"
    assert refused.status_code == 422  # no signer name: the form comes back as typed
    assert 'value="Andes"' in refused.text
    _form, signed = _answer(
        client,
        token,
        {
            "stance": "sign",
            "organisation_name": "Andes Mining S.A.",
            "name": "Ana Firmante",
            "title": "Gerente",
        },
    )
    assert signed.status_code == 200
    _form, declined = _answer(
        client, token_in(mails_to(session, vault, decliner)[0]), {"stance": "decline"}
    )
    assert declined.status_code == 200

    assert client.get("/statements").text.count("Protect the water") == 0  # still a draft
    for cookie in staff_cookies:
        client.cookies.jar.set_cookie(cookie)
    staff_page = client.get(page).text
    assert "Ana Firmante" in staff_page  # the signer is known to staff
    published = post(client, page, f"{page}/publish", {})
    assert published.status_code == 303

    client.cookies.clear()
    listing = client.get("/statements")
    slug = re.search(r'href="/statements/([a-z0-9-]+)"', listing.text).group(1)
    public = client.get(f"/statements/{slug}", headers={"Accept-Language": "en"})
    assert public.status_code == 200
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", public.text)
    assert len(rows) == 1
    assert rows[0][0] == "Andes Mining S.A."
    assert rows[0][1]  # the date it was signed
    for hidden in ("Ana Firmante", "Gerente", "Blue Hydro", "Copper Co", signer.email):
        assert hidden not in public.text
    # The silent invitee's link was closed by publication.
    late = client.get(f"/l/{token_in(mails_to(session, vault, silent)[0])}")
    assert late.status_code == 404
    session.expire_all()
    actions = set(
        session.scalars(select(AuditEvent.action).where(AuditEvent.organisation_id == org.id))
    )
    assert {
        "statement.created",
        "statement.invited",
        "statement.signed",
        "statement.declined",
        "statement.published",
        "link.used",
    } <= actions


def test_an_analyst_drafts_but_cannot_publish(session, vault, client) -> None:  # type: ignore[no-untyped-def]
    org, _coordinator, (signer, _d, _s), page, statement_id = _draft_with_invitees(session, client)
    client.cookies.clear()
    _answer(
        client,
        token_in(mails_to(session, vault, signer)[0]),
        {"stance": "sign", "organisation_name": "Andes", "name": "Ana"},
    )
    analyst = make_staff(session, org, "analyst")
    session.commit()
    sign_in(client, analyst)
    view = client.get(page)
    assert view.status_code == 200
    assert f"{page}/publish" not in view.text  # no button
    refused = post(client, page, f"{page}/publish", {})
    assert refused.status_code == 403
    session.expire_all()
    assert session.get(Statement, statement_id).state == "draft"
    assert client.get("/statements/" + session.get(Statement, statement_id).slug).status_code == 404


def test_another_organisation_sees_no_draft(session, client) -> None:  # type: ignore[no-untyped-def]
    _org, _coordinator, _contacts, page, _sid = _draft_with_invitees(session, client)
    other = make_staff(session, make_org(session), "coordinator")
    session.commit()
    client.cookies.clear()
    sign_in(client, other)
    assert client.get(page).status_code == 404
    assert "Protect the water" not in client.get("/staff/statements").text
    token = csrf_from(client.get("/staff/statements").text)
    assert client.post(f"{page}/publish", data={"csrf_token": token}).status_code == 404
