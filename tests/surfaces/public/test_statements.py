"""The public statement and dialogue pages read only what was published: no draft, no
report awaiting review, no signer's or member's personal name; members who did not report
are named by organisation."""

from __future__ import annotations

from tests.factories import csrf_from, make_org, make_staff, sign_in
from tests.statements.support import mails_to, make_contact, token_in
from vigil.statements import dialogues, service


def test_a_draft_is_not_public(session, client) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    staff = make_staff(session, org, "analyst")
    data = service.StatementInput(title="Secret draft title", body="Words.", language="en")
    row = service.create_statement(session, org_id=org.id, data=data, actor_user_id=staff.user.id)
    session.commit()
    listing = client.get("/statements")
    assert listing.status_code == 200
    assert "Secret draft title" not in listing.text
    assert client.get(f"/statements/{row.slug}").status_code == 404
    assert client.get("/statements/No_Such").status_code in (404, 422)


def test_dialogue_period_report_publish_public_page(session, vault, client) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    coordinator = make_staff(session, org, "coordinator")
    members = [
        make_contact(session, org, "Ana Persona", "Andes Mining SA"),
        make_contact(session, org, "Bo Persona", "Blue Hydro Ltd"),
        make_contact(session, org, "Cy Persona", "Copper Co"),
    ]
    session.commit()
    sign_in(client, coordinator)

    def post(page: str, path: str, data: dict):  # type: ignore[no-untyped-def]
        return client.post(path, data={"csrf_token": csrf_from(client.get(page).text), **data})

    created = post(
        "/staff/dialogues",
        "/staff/dialogues",
        {"name": "Cauca mining roundtable", "region": "Cauca", "description": "Quarterly."},
    )
    assert created.status_code == 303
    page = created.headers["location"].split("?")[0]
    for contact in members:
        assert post(page, f"{page}/members", {"contact_id": str(contact.id)}).status_code == 303
    assert post(page, f"{page}/periods", {"label": "2026-Q4"}).status_code == 303

    for contact, text in ((members[0], "Andes trained guards."), (members[1], "Blue waits.")):
        token = token_in(mails_to(session, vault, contact)[0])
        form = client.get(f"/l/{token}")
        sent = client.post(
            f"/l/{token}", data={"csrf_token": csrf_from(form.text), "message": text}
        )
        assert sent.status_code == 200
    session.expire_all()
    (space,) = dialogues.list_spaces(session, org_id=org.id)
    reports = dialogues.reports(
        session, period_ids=[p.id for p in dialogues.periods(session, space=space)]
    )
    andes = next(r for r in reports if r.contact_id == members[0].id)
    assert post(page, f"{page}/reports/{andes.id}/publish", {}).status_code == 303

    client.cookies.clear()
    public = client.get(f"/dialogues/{space.slug}", headers={"Accept-Language": "en"})
    assert public.status_code == 200
    assert "Period 2026-Q4" in public.text
    assert "Andes trained guards." in public.text
    assert "Blue waits." not in public.text  # awaiting review: not public
    did_not_report = public.text.split("Members who did not report")[1]
    assert "Copper Co" in did_not_report
    assert "Blue Hydro Ltd" not in did_not_report  # it did report
    assert "Persona" not in public.text  # no person's name
    assert space.slug in client.get("/dialogues").text
