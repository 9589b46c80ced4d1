"""The recipient directory's service: validation, search, opt-out, groups, what the alert
engine is given (``contacts_for``) and tenancy."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.factories import make_org
from tests.outbox.delivery_support import secret_of, vault_of
from vigil.companies.models import Company
from vigil.contacts import groups
from vigil.contacts.models import Contact
from vigil.contacts.rules import resolve_company
from vigil.contacts.service import (
    ContactInput,
    contacts_for,
    create_contact,
    get_contact,
    opt_in,
    opt_out,
    search_contacts,
    update_contact,
)
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict, Invalid, NotFound

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def person(**changes: object) -> ContactInput:
    values: dict[str, object] = {
        "name": "Ana Ejemplo",
        "role": "human_rights_lead",
        "kind": "company",
        "organisation_name": "Minera Ficticia S.A.",
        "country": "co",
        "language": "es",
        "email": "Ana.Ejemplo@Minera-Ficticia.EXAMPLE",
    }
    values.update(changes)
    return ContactInput(**values)  # type: ignore[arg-type]


def add(session, org, **changes):  # type: ignore[no-untyped-def]
    return create_contact(
        session, vault_of(session), org_id=org.id, data=person(**changes), actor_user_id=None
    )


def test_a_contact_is_stored_normalised_and_audited_without_names(session):
    org = make_org(session)
    contact = add(session, org, webhook_url="https://hooks.minera-ficticia.example/vigil")

    assert contact.email == "Ana.Ejemplo@minera-ficticia.example"
    assert contact.country == "CO" and contact.language == "es"
    assert secret_of(session, contact) is not None and secret_of(session, contact).startswith(
        "whsec_"
    )
    assert len(base64.b64decode(secret_of(session, contact).removeprefix("whsec_"))) == 24
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "contact.created"))
    assert event is not None and event.object_id == str(contact.id)
    assert json.loads(event.detail) == {
        "channels": ["email", "webhook"],
        "kind": "company",
        "role": "human_rights_lead",
    }
    assert "Ana" not in event.detail and "example" not in event.detail


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "ana@"}, "e-mail address is not valid"),
        ({"role": "chief_spy"}, "Unknown role 'chief_spy'"),
        ({"email": "", "webhook_url": ""}, "Give an e-mail address or a webhook address"),
        ({"email": "", "webhook_url": "http://hooks.example.org/x"}, "must use https://"),
        ({"webhook_url": "ftp://hooks.example.org/x"}, "must be an https:// URL"),
        ({"webhook_url": "https://user:pw@hooks.example.org/x"}, "no user name or password"),
        ({"language": "de"}, "Language 'de' is not supported"),
        ({"country": "XX"}, "not an ISO 3166-1 country code"),
        ({"kind": "church"}, "Unknown kind 'church'"),
        ({"name": "   "}, "Give the contact's name"),
        ({"title": "x" * 201}, "Job title: too long"),
        ({"company_id": 2_000_000_000}, "No company with id"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(session, changes, message):
    org = make_org(session)
    with pytest.raises(Invalid, match=message):
        add(session, org, **changes)
    assert session.scalar(select(Contact).where(Contact.organisation_id == org.id)) is None


def test_plain_http_webhooks_only_to_this_machine(session):
    org = make_org(session)
    local = add(session, org, email="", webhook_url="http://127.0.0.1:8765/hook")
    assert local.webhook_url == "http://127.0.0.1:8765/hook"
    with pytest.raises(Invalid, match="webhook secret"):
        add(
            session, org, email="b@example.org", webhook_url="https://x.example", webhook_secret="s"
        )


def test_one_email_address_is_one_contact_per_organisation(session):
    org, other = make_org(session), make_org(session)
    add(session, org)
    with pytest.raises(Conflict, match="already in the directory"):
        add(session, org, name="Ana E.", email="ana.ejemplo@minera-ficticia.example")
    assert add(session, other).organisation_id == other.id  # another organisation may


def test_update_reports_changed_fields_and_handles_the_webhook_secret(session):
    org = make_org(session)
    contact = add(session, org)
    edit = person(title="Directora de derechos humanos", email="ana@minera-ficticia.example")
    changed = update_contact(
        session,
        vault_of(session),
        org_id=org.id,
        contact_id=contact.id,
        data=edit,
        actor_user_id=None,
    )
    assert changed == ["email", "title"]
    assert (
        update_contact(
            session,
            vault_of(session),
            org_id=org.id,
            contact_id=contact.id,
            data=edit,
            actor_user_id=None,
        )
        == []
    )

    edit.webhook_url = "https://hooks.example.org/a"
    update_contact(
        session,
        vault_of(session),
        org_id=org.id,
        contact_id=contact.id,
        data=edit,
        actor_user_id=None,
    )
    first = secret_of(session, contact)
    assert first and first.startswith("whsec_")
    update_contact(
        session,
        vault_of(session),
        org_id=org.id,
        contact_id=contact.id,
        data=edit,
        actor_user_id=None,
    )
    assert secret_of(session, contact) == first  # kept when the form leaves it empty
    edit.new_webhook_secret = True
    assert update_contact(
        session,
        vault_of(session),
        org_id=org.id,
        contact_id=contact.id,
        data=edit,
        actor_user_id=None,
    ) == ["webhook_secret"]
    assert secret_of(session, contact) not in (None, first)
    edit.new_webhook_secret, edit.webhook_url = False, ""
    update_contact(
        session,
        vault_of(session),
        org_id=org.id,
        contact_id=contact.id,
        data=edit,
        actor_user_id=None,
    )
    assert contact.webhook_url is None and secret_of(session, contact) is None

    audits = session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == "contact.updated", AuditEvent.object_id == str(contact.id)
        )
    ).all()
    assert json.loads(audits[0]) == {"fields": ["email", "title"]}
    assert all("minera" not in detail for detail in audits)


def test_search_filters_and_pages(session):
    org = make_org(session)
    for number in range(7):
        add(
            session,
            org,
            name=f"Contacto {number}",
            email=f"c{number}@example.org",
            role="stewardship" if number % 2 else "security_lead",
            kind="investor" if number % 2 else "company",
        )
    first = search_contacts(session, org_id=org.id, per_page=3)
    assert (first.total, first.pages, len(first.items)) == (7, 3, 3)
    last = search_contacts(session, org_id=org.id, per_page=3, page=3)
    assert [c.name for c in last.items] == ["Contacto 6"]
    assert search_contacts(session, org_id=org.id, role="stewardship").total == 3
    assert search_contacts(session, org_id=org.id, kind="company", text="contacto 4").total == 1
    assert search_contacts(session, org_id=org.id, text="C5@EXAMPLE").total == 1
    assert search_contacts(session, org_id=org.id, text="100%").total == 0
    contact = get_contact(session, org_id=org.id, contact_id=last.items[0].id)
    opt_out(session, contact=contact, reason="", now=NOW)
    assert search_contacts(session, org_id=org.id, opted_out=True).total == 1
    assert search_contacts(session, org_id=org.id, opted_out=False).total == 6


def test_an_opted_out_contact_gets_no_alerts_until_they_opt_in(session):
    org = make_org(session)
    contact = add(session, org)
    assert contacts_for(session, org_id=org.id, role="human_rights_lead") == [contact]

    assert opt_out(session, contact=contact, reason="Asked by e-mail", now=NOW) is True
    assert opt_out(session, contact=contact, reason="again", now=NOW) is False  # idempotent
    assert contact.opt_out_reason == "Asked by e-mail"
    assert contacts_for(session, org_id=org.id, role="human_rights_lead") == []
    everyone = contacts_for(session, org_id=org.id, include_opted_out=True)
    assert everyone == [contact]

    assert opt_in(session, contact=contact, now=NOW) is True
    assert contact.opted_out_at is None and contact.opt_out_reason is None
    assert contacts_for(session, org_id=org.id) == [contact]
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "contact", AuditEvent.object_id == str(contact.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["contact.created", "contact.opted_out", "contact.opted_in"]


def test_contacts_for_combines_company_kind_country_and_group(session):
    org, other = make_org(session), make_org(session)
    company = Company(name="Minera Ficticia S.A.", key="test-minera-ficticia")
    session.add(company)
    session.flush()
    lead = add(session, org, company_id=company.id)
    embassy = add(
        session,
        org,
        name="Oficial de la embajada",
        role="embassy_officer",
        kind="embassy",
        country="NO",
        email="officer@embassy.example",
    )
    add(session, other, company_id=company.id)  # another organisation's: never returned
    group = groups.create_group(session, org_id=org.id, name="Embajadas Bogotá", actor_user_id=None)
    groups.add_member(
        session, org_id=org.id, group_id=group.id, contact_id=embassy.id, actor_user_id=None
    )

    assert contacts_for(session, org_id=org.id, company_ids=[company.id]) == [lead]
    assert contacts_for(session, org_id=org.id, company_ids=[]) == []  # empty map: nobody
    assert contacts_for(session, org_id=org.id, kinds=["embassy"], countries=["no"]) == [embassy]
    assert contacts_for(session, org_id=org.id, group_names=["embajadas  BOGOTÁ"]) == [embassy]
    assert contacts_for(session, org_id=org.id, group_names=["Unknown"]) == []
    assert contacts_for(session, org_id=org.id, role="embassy_officer", kinds=["company"]) == []
    assert resolve_company(session, "test-minera-ficticia") == company.id
    assert resolve_company(session, str(company.id)) == company.id
    with pytest.raises(Invalid, match="No company with id or key"):
        resolve_company(session, "no-such-key")


def test_groups_are_unique_by_name_and_keep_contacts_when_deleted(session):
    org = make_org(session)
    contact = add(session, org)
    group = groups.create_group(session, org_id=org.id, name="Compradores", actor_user_id=None)
    with pytest.raises(Conflict):
        groups.create_group(session, org_id=org.id, name=" compradores ", actor_user_id=None)
    with pytest.raises(Invalid, match="semicolon"):
        groups.create_group(session, org_id=org.id, name="a;b", actor_user_id=None)
    args = {"org_id": org.id, "group_id": group.id, "contact_id": contact.id}
    assert groups.add_member(session, **args, actor_user_id=None) is True
    assert groups.add_member(session, **args, actor_user_id=None) is False
    assert groups.group_members(session, org_id=org.id, group_id=group.id) == [contact]
    groups.rename_group(
        session, org_id=org.id, group_id=group.id, name="Marcas", actor_user_id=None
    )
    assert [(g.name, n) for g, n in groups.list_groups(session, org_id=org.id)] == [("Marcas", 1)]
    assert groups.remove_member(session, **args, actor_user_id=None) is True
    groups.add_member(session, **args, actor_user_id=None)
    groups.delete_group(session, org_id=org.id, group_id=group.id, actor_user_id=None)
    assert groups.list_groups(session, org_id=org.id) == []
    assert get_contact(session, org_id=org.id, contact_id=contact.id) is contact


def test_another_organisations_contacts_and_groups_are_not_found(session):
    org, other = make_org(session), make_org(session)
    contact = add(session, org)
    group = groups.create_group(session, org_id=org.id, name="Inversores", actor_user_id=None)
    mine = add(session, other, email="someone@example.org")
    with pytest.raises(NotFound):
        get_contact(session, org_id=other.id, contact_id=contact.id)
    with pytest.raises(NotFound):
        update_contact(
            session,
            vault_of(session),
            org_id=other.id,
            contact_id=contact.id,
            data=person(),
            actor_user_id=None,
        )
    with pytest.raises(NotFound):
        groups.get_group(session, org_id=other.id, group_id=group.id)
    with pytest.raises(NotFound):  # my contact into their group
        groups.add_member(
            session, org_id=other.id, group_id=group.id, contact_id=mine.id, actor_user_id=None
        )
    with pytest.raises(NotFound):  # their contact into my group
        groups.add_member(
            session, org_id=org.id, group_id=group.id, contact_id=mine.id, actor_user_id=None
        )
    assert search_contacts(session, org_id=other.id).items == [mine]
