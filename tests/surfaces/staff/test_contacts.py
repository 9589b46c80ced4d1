"""The recipient directory's staff pages with plain form posts (no JavaScript): writers add,
edit, opt out and group contacts and import a CSV; auditors only read; another
organisation's contacts and groups are not found on any page."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.factories import csrf_from, make_org, make_staff, sign_in
from tests.outbox.delivery_support import secret_of, vault_of
from vigil.contacts import groups
from vigil.contacts.models import Contact
from vigil.contacts.service import ContactInput, contacts_for, create_contact

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "contacts" / "directory.csv"
FORM = {
    "name": "Ana Ejemplo",
    "role": "human_rights_lead",
    "kind": "company",
    "title": "Directora de derechos humanos",
    "organisation_name": "Minera Ficticia S.A.",
    "country": "CO",
    "language": "es",
    "email": "ana@minera-ficticia.example",
    "webhook_url": "",
    "notes": "",
}


def post(client, page: str, path: str, data: dict[str, str], **kwargs):  # type: ignore[no-untyped-def]
    """Submit a form the way a browser does: the CSRF token comes from the page it is on."""
    token = csrf_from(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def seed(session, org, name="Bruno Modelo", email="bruno@example.org", **extra):  # type: ignore[no-untyped-def]
    data = ContactInput(name=name, role="stewardship", kind="investor", email=email, **extra)
    return create_contact(session, vault_of(session), org_id=org.id, data=data, actor_user_id=None)


def test_an_analyst_adds_edits_opts_out_and_groups_a_contact(session, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    session.commit()
    sign_in(client, analyst)

    assert 'href="/staff/contacts"' in client.get("/staff/dashboard").text  # the nav link
    refused = post(client, "/staff/contacts/new", "/staff/contacts/new", {**FORM, "email": "ana@"})
    assert refused.status_code == 422
    assert "The e-mail address is not valid" in refused.text
    assert 'value="Directora de derechos humanos"' in refused.text  # what was typed is kept

    created = post(client, "/staff/contacts/new", "/staff/contacts/new", FORM)
    assert created.status_code == 303
    page = created.headers["location"]
    assert page.endswith("?done=created")
    contact = session.scalar(select(Contact).where(Contact.organisation_id == org.id))
    assert contact is not None and contact.email == "ana@minera-ficticia.example"
    read = client.get(page)
    assert "The contact was added." in read.text and "Minera Ficticia S.A." in read.text

    base = f"/staff/contacts/{contact.id}"
    hook = {**FORM, "webhook_url": "https://hooks.minera-ficticia.example/v"}
    assert post(client, base, base, hook).headers["location"] == f"{base}?done=updated"
    session.refresh(contact)
    assert secret_of(session, contact) and secret_of(session, contact) in client.get(base).text
    assert post(client, base, base, hook).headers["location"] == f"{base}?done=unchanged"
    bad = post(client, base, base, {**FORM, "webhook_url": "http://hooks.example.org/x"})
    assert bad.status_code == 422 and "must use https://" in bad.text

    assert (
        post(client, base, f"{base}/opt-out", {"reason": "Pidió no recibir más"}).status_code == 303
    )
    session.refresh(contact)
    assert contact.opted_out_at is not None
    assert contacts_for(session, org_id=org.id) == []
    assert "Pidió no recibir más" in client.get(base).text
    listed = client.get("/staff/contacts?state=opted_out")
    assert f'href="/staff/contacts/{contact.id}"' in listed.text
    assert (
        f'href="/staff/contacts/{contact.id}"'
        not in client.get("/staff/contacts?state=active").text
    )
    assert post(client, base, f"{base}/opt-in", {}).status_code == 303
    session.refresh(contact)
    assert contact.opted_out_at is None

    made = post(client, "/staff/contact-groups", "/staff/contact-groups", {"name": "Mineras"})
    assert made.status_code == 303
    group_page = made.headers["location"].split("?")[0]
    group_id = int(group_page.rsplit("/", 1)[1])
    again = post(client, "/staff/contact-groups", "/staff/contact-groups", {"name": "mineras"})
    assert again.status_code == 422 and "already exists" in again.text
    assert post(client, base, f"{base}/groups", {"group_id": str(group_id)}).status_code == 303
    assert "Ana Ejemplo" in client.get(group_page).text
    assert contacts_for(session, org_id=org.id, group_names=["Mineras"]) == [contact]
    renamed = post(client, group_page, group_page, {"name": "Empresas mineras"})
    assert renamed.status_code == 303
    removed = post(client, group_page, f"{group_page}/members/{contact.id}/remove", {})
    assert removed.status_code == 303
    assert groups.group_members(session, org_id=org.id, group_id=group_id) == []
    assert post(client, group_page, f"{group_page}/delete", {}).status_code == 303
    assert client.get(group_page).status_code == 404


def test_the_list_filters_and_pages_without_javascript(session, client):
    org = make_org(session)
    auditor = make_staff(session, org, role="auditor")
    for number in range(27):
        seed(session, org, name=f"Inversor {number:02d}", email=f"i{number}@example.org")
    seed(session, org, name="Embajada", email="e@example.org", country="NO")
    session.commit()
    sign_in(client, auditor)

    first = client.get("/staff/contacts")
    assert first.status_code == 200 and "28 contacts" in first.text
    assert 'href="/staff/contacts?page=2&amp;state=all"' in first.text
    second = client.get("/staff/contacts?page=2&state=all")
    assert "Inversor 26" in second.text and "Inversor 00" not in second.text
    norway = client.get("/staff/contacts?country=NO&role=stewardship")
    assert "1 contact" in norway.text and "Embajada" in norway.text
    assert "Inversor" not in norway.text.split('id="contact-table"')[1]
    found = client.get("/staff/contacts", params={"q": "inversor 1"})
    assert "10 contacts" in found.text  # 10 to 19
    fragment = client.get("/staff/contacts?q=embajada", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "Embajada" in fragment.text
    assert "Add a contact" not in first.text  # read-only role


def test_a_csv_upload_shows_line_numbered_errors_and_keeps_good_rows(session, client):
    org = make_org(session)
    analyst = make_staff(session, org, role="coordinator")
    session.commit()
    sign_in(client, analyst)
    bad = FIXTURE.read_bytes() + b"Sin Canal,security_lead,,company,Minera,,,,,,,\n"
    page = "/staff/contacts/import"

    strict = post(client, page, page, {"strict": "yes"}, files={"file": ("c.csv", bad, "text/csv")})
    assert strict.status_code == 422 and "nothing was imported" in strict.text
    assert "<td>7</td>" in strict.text and "Give an e-mail address or a webhook" in strict.text
    assert contacts_for(session, org_id=org.id) == []

    loose = post(client, page, page, {}, files={"file": ("c.csv", bad, "text/csv")})
    assert loose.status_code == 200 and "4 created, 0 updated, 0 unchanged." in loose.text
    assert "<td>7</td>" in loose.text
    assert len(contacts_for(session, org_id=org.id)) == 4

    again = post(
        client, page, page, {}, files={"file": ("c.csv", FIXTURE.read_bytes(), "text/csv")}
    )
    assert "0 created, 0 updated, 4 unchanged." in again.text
    latin = post(
        client, page, page, {}, files={"file": ("c.csv", "é".encode("latin-1"), "text/csv")}
    )
    assert latin.status_code == 422 and "not UTF-8" in latin.text


def test_an_auditor_reads_but_cannot_change_anything(session, client):
    org = make_org(session)
    auditor = make_staff(session, org, role="auditor")
    contact = seed(session, org)
    group = groups.create_group(session, org_id=org.id, name="Inversores", actor_user_id=None)
    session.commit()
    sign_in(client, auditor)
    base = f"/staff/contacts/{contact.id}"

    read = client.get(base)
    assert read.status_code == 200 and "Bruno Modelo" in read.text
    assert 'action="/staff/contacts/' not in read.text  # no forms for a read-only role
    assert client.get(f"/staff/contact-groups/{group.id}").status_code == 200
    assert client.get("/staff/contacts/new").status_code == 403
    assert client.get("/staff/contacts/import").status_code == 403
    for path, data in [
        ("/staff/contacts/new", FORM),
        (base, FORM),
        (f"{base}/opt-out", {"reason": "x"}),
        (f"{base}/opt-in", {}),
        (f"{base}/groups", {"group_id": str(group.id)}),
        (f"{base}/groups/{group.id}/remove", {}),
        ("/staff/contact-groups", {"name": "Nuevo"}),
        (f"/staff/contact-groups/{group.id}", {"name": "Otro"}),
        (f"/staff/contact-groups/{group.id}/delete", {}),
        (f"/staff/contact-groups/{group.id}/members/{contact.id}/remove", {}),
    ]:
        assert post(client, "/staff/contacts", path, data).status_code == 403, path
    session.refresh(contact)
    assert contact.opted_out_at is None and contact.name == "Bruno Modelo"
    assert groups.get_group(session, org_id=org.id, group_id=group.id).name == "Inversores"


@pytest.mark.parametrize("role", ["analyst", "auditor"])
def test_another_organisations_contacts_and_groups_are_404_everywhere(session, client, role):
    org, other = make_org(session), make_org(session)
    theirs = seed(session, other)
    their_group = groups.create_group(session, org_id=other.id, name="Suyos", actor_user_id=None)
    staff = make_staff(session, org, role=role)
    mine = seed(session, org, name="Mía", email="mia@example.org")
    my_group = groups.create_group(session, org_id=org.id, name="Míos", actor_user_id=None)
    session.commit()
    sign_in(client, staff)
    base = f"/staff/contacts/{theirs.id}"

    assert client.get(base).status_code == 404
    assert client.get(f"/staff/contact-groups/{their_group.id}").status_code == 404
    assert "Bruno Modelo" not in client.get("/staff/contacts").text
    assert "Suyos" not in client.get("/staff/contact-groups").text
    if role == "auditor":
        return  # the writers' routes refuse an auditor before looking anything up
    for path, data in [
        (base, FORM),
        (f"{base}/opt-out", {"reason": "x"}),
        (f"{base}/opt-in", {}),
        (f"{base}/groups", {"group_id": str(my_group.id)}),
        (f"{base}/groups/{my_group.id}/remove", {}),
        (f"/staff/contacts/{mine.id}/groups", {"group_id": str(their_group.id)}),
        (f"/staff/contact-groups/{their_group.id}", {"name": "Renombrado"}),
        (f"/staff/contact-groups/{their_group.id}/delete", {}),
        (f"/staff/contact-groups/{their_group.id}/members/{theirs.id}/remove", {}),
        (f"/staff/contact-groups/{my_group.id}/members/{theirs.id}/remove", {}),
    ]:
        assert post(client, "/staff/contacts", path, data).status_code == 404, path
    session.refresh(theirs)
    assert theirs.opted_out_at is None and theirs.name == "Bruno Modelo"
    assert groups.get_group(session, org_id=other.id, group_id=their_group.id).name == "Suyos"
