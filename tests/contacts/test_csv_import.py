"""Importing the recipient directory from CSV: bad rows reported by line, good rows kept,
``strict`` all or nothing, re-imports update instead of doubling; and `vigil contacts`."""

from __future__ import annotations

import csv
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import make_org
from tests.outbox.delivery_support import secret_of, vault_of
from vigil import cli
from vigil.companies.models import Company
from vigil.contacts import cli as directory_cli
from vigil.contacts import groups
from vigil.contacts.csv_import import decode_csv, import_contacts_csv
from vigil.contacts.models import Contact, ContactGroup
from vigil.contacts.service import contacts_for, find_by_email, get_contact
from vigil.core.audit import AuditEvent
from vigil.core.errors import Invalid
from vigil.imports import directory_cli as import_cli

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "contacts" / "directory.csv"
HEADER = "name,role,kind,organisation,email,groups,notes\n"


def fixture_text() -> str:
    return decode_csv(FIXTURE.read_bytes())


def count(session, org) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(func.count()).select_from(Contact).where(Contact.organisation_id == org.id)
    )


def run_import(session, org, text: str, **options):  # type: ignore[no-untyped-def]
    return import_contacts_csv(session, vault_of(session), org_id=org.id, text=text, **options)


def test_the_fixture_imports_contacts_groups_and_channels(session):
    org = make_org(session)
    result = run_import(session, org, fixture_text())

    assert (result.created, result.updated, result.errors) == (4, 0, [])
    claire = find_by_email(session, org_id=org.id, email="claire.exemple@ambassade.example")
    assert claire is not None and claire.language == "fr" and claire.country == "FR"
    assert claire.notes == "Two lines\nof notes"
    assert secret_of(session, claire) and secret_of(session, claire).startswith("whsec_")
    mining = groups.find_group(session, org_id=org.id, name="Empresas mineras")
    assert mining is not None
    members = groups.group_members(session, org_id=org.id, group_id=mining.id)
    assert sorted(c.name for c in members) == ["Ana Ejemplo", "Bruno Modelo"]
    desk = contacts_for(session, org_id=org.id, role="protection_programme")
    assert [c.email for c in desk] == [None]
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "contacts.imported"))
    assert audit is not None and '"created": 4' in audit.detail


def test_a_bad_row_is_reported_by_line_and_the_good_rows_are_kept(session):
    org = make_org(session)
    text = HEADER + (
        "Uno Bueno,security_lead,company,Minera,uno@example.org,Nuevo grupo,\n"  # line 2
        "Dos Malo,security_lead,company,Minera,dos@,,\n"  # line 3: bad e-mail
        'Tres Bueno,stewardship,investor,Fondo,tres@example.org,,"notes on\n'  # lines 4-5
        'two lines"\n'
        "Cuatro Malo,astronaut,company,Minera,cuatro@example.org,,\n"  # line 6: bad role
        "Cinco Malo,security_lead,company,Minera,cinco@example.org,,,extra\n"  # line 7
        "\n"  # line 8: blank, skipped
        "Uno Otra Vez,security_lead,company,Minera,UNO@example.org,,\n"  # line 9: duplicate
        "Seis Malo,security_lead,company,Minera,,,\n"  # line 10: no channel
    )
    result = run_import(session, org, text)

    assert result.imported and result.created == 2
    assert [(e.line, e.message.split(":")[0]) for e in result.errors] == [
        (3, "The e-mail address is not valid"),
        (6, "Unknown role 'astronaut'"),
        (7, "8 cells for 7 columns."),
        (9, "The same e-mail address is on line 2."),
        (10, "Give an e-mail address or a webhook address to reach the contact."),
    ]
    assert str(result.errors[0]).startswith("line 3: ")
    assert count(session, org) == 2
    assert groups.find_group(session, org_id=org.id, name="nuevo grupo") is not None
    assert result.summary() == "2 created, 0 updated, 0 unchanged; 5 rows with errors."


def test_strict_imports_nothing_when_a_row_is_bad(session):
    org = make_org(session)
    text = HEADER + (
        "Uno Bueno,security_lead,company,Minera,uno@example.org,Grupo estricto,\n"
        "Dos Malo,security_lead,company,Minera,dos@,,\n"
    )
    result = run_import(session, org, text, strict=True)

    assert not result.imported and (result.created, result.updated) == (0, 0)
    assert [e.line for e in result.errors] == [3]
    assert count(session, org) == 0
    assert (
        session.scalar(select(ContactGroup).where(ContactGroup.organisation_id == org.id)) is None
    )
    assert "nothing imported" in result.summary()
    fixed = run_import(session, org, text.replace("dos@", "dos@example.org"), strict=True)
    assert fixed.created == 2 and count(session, org) == 2


def test_importing_again_updates_instead_of_doubling(session):
    org = make_org(session)
    run_import(session, org, fixture_text())
    again = run_import(session, org, fixture_text())
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 4, [])

    ana = find_by_email(session, org_id=org.id, email="ana.ejemplo@minera-ficticia.example")
    assert ana is not None
    ana_id, secret = ana.id, secret_of(session, ana)
    changed = (
        "name,role,email,title,groups\n"  # columns not in the file keep their values
        "Ana Ejemplo,human_rights_lead,ANA.EJEMPLO@minera-ficticia.example,Vicepresidenta,"
        "Nueva lista\n"
    )
    update = run_import(session, org, changed)
    assert (update.created, update.updated) == (0, 1), update.errors
    ana = get_contact(session, org_id=org.id, contact_id=ana_id)
    assert ana.title == "Vicepresidenta" and ana.organisation_name == "Minera Ficticia S.A."
    assert ana.language == "es" and secret_of(session, ana) == secret
    names = [g.name for g in groups.contact_groups(session, org_id=org.id, contact_id=ana_id)]
    assert names == ["Empresas mineras", "Nueva lista"]  # groups are only added
    assert count(session, org) == 4


def test_semicolon_files_with_a_byte_order_mark_and_a_company_key(session):
    org = make_org(session)
    company = Company(name="Minera Ficticia S.A.", key="test-minera-csv")
    session.add(company)
    session.flush()
    raw = (
        "\ufeffName;Role;Company;Email;Webhook_URL\n"
        "Ana Ejemplo;human_rights_lead;test-minera-csv;ana@example.org;\n"
        "Desk;security_lead;no-such-company;desk@example.org;\n"
    ).encode()
    result = run_import(session, org, decode_csv(raw))
    assert result.created == 1
    assert [(e.line, e.message) for e in result.errors] == [
        (3, "No company with id or key 'no-such-company' in the registry.")
    ]
    assert contacts_for(session, org_id=org.id, company_ids=[company.id])[0].name == "Ana Ejemplo"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty"),
        ("name,role,phone\n", "Unknown column 'phone'"),
        ("name,email\n", "at least the columns name and role"),
        ("name,role,title\n", "an email or a webhook_url column"),
        ("name,role,email,email\n", "appears twice"),
    ],
)
def test_a_bad_header_imports_nothing(session, text, message):
    org = make_org(session)
    with pytest.raises(Invalid, match=message):
        run_import(session, org, text)


def test_a_row_the_csv_reader_cannot_parse_stops_the_import_and_keeps_nothing(session):
    org = make_org(session)
    text = HEADER + "Uno,security_lead,company,M,uno@example.org,,\n" + "Dos," + "x" * 2000
    limit = csv.field_size_limit(1000)  # some libraries raise Python's default limit
    try:
        with pytest.raises(Invalid, match=r"Line 3: the CSV is malformed \(field larger"):
            run_import(session, org, text)
    finally:
        csv.field_size_limit(limit)
    assert count(session, org) == 0


def test_a_file_that_is_not_utf8_is_refused():
    with pytest.raises(Invalid, match="not UTF-8"):
        decode_csv("name,role\nJosé,other\n".encode("latin-1"))


# --- `vigil contacts` in-process, on the test database ----------------------------------------


@pytest.fixture
def vigil(session, settings, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """Run `vigil …` through ``cli.main`` (one-line errors, exit codes) on the test session."""

    @contextmanager
    def test_session(_url: str):  # type: ignore[no-untyped-def]
        yield session
        session.flush()

    monkeypatch.setattr(directory_cli, "load_settings", lambda: settings)
    monkeypatch.setattr(cli, "load_settings", lambda: settings)  # the audit key's settings
    monkeypatch.setattr(directory_cli, "database_session", test_session)
    # ``vigil contacts import`` records an import run: it lives with the imports.
    monkeypatch.setattr(import_cli, "load_settings", lambda: settings)
    monkeypatch.setattr(import_cli, "database_session", test_session)

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["vigil", *args])
        with pytest.raises(SystemExit) as stopped:
            cli.main()
        out = capsys.readouterr()
        return int(stopped.value.code or 0), out.out, out.err

    return run


def test_cli_imports_lists_and_reports_mistakes_in_one_line(session, vigil, tmp_path):
    org = make_org(session)
    code, out, err = vigil("contacts", "import", str(FIXTURE), "--org", org.slug)
    assert code == 0 and out.strip() == "4 created, 0 updated, 0 unchanged.", err

    code, out, err = vigil("contacts", "list", "--org", org.slug, "--role", "stewardship")
    assert code == 0 and "Bruno Modelo (Fondo Imaginario)" in out and "Ana" not in out
    assert err.strip() == "1 contact."

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Uno,security_lead,company,M,uno@example.org,,\nDos,x,company,M,d@,,\n")
    code, out, err = vigil("contacts", "import", str(bad), "--org", org.slug, "--strict")
    assert code == 2 and out == ""
    first, last = err.splitlines()
    assert first.startswith("line 3: Unknown role 'x': use one of security_lead, ")
    assert last == "Error: 1 row with errors: nothing imported (strict)."
    assert find_by_email(session, org_id=org.id, email="uno@example.org") is None

    for args, fragment in [
        (("contacts", "import", str(tmp_path / "none.csv"), "--org", org.slug), "Cannot read"),
        (("contacts", "import", str(FIXTURE), "--org", "no-such-org"), "No organisation"),
        (("contacts", "list", "--org", org.slug, "--role", "boss"), "Unknown role 'boss'"),
    ]:
        code, out, err = vigil(*args)
        assert code == 2 and err.startswith(f"Error: {fragment}") and len(err.splitlines()) == 1
