"""Registry rules behind the pages: search keys, renames, documents, edit history."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import make_org, make_staff
from vigil.companies.registry import CompanyEdit, edit_company, revision_author, search_companies
from vigil.companies.service import (
    CompanyIn,
    ProjectDocumentIn,
    ProjectIn,
    add_project_document,
    clean_country,
    upsert_company,
    upsert_project,
)
from vigil.core.errors import Invalid, NotFound


def test_search_ignores_legal_forms_accents_and_merged_records(session):
    kept, _ = upsert_company(session, data=CompanyIn(key="s:1", name="Química Perlacos, S.L."))
    merged, _ = upsert_company(session, data=CompanyIn(key="s:2", name="Quimica Perlacos SL"))
    merged.merged_into_id = kept.id
    session.flush()

    result = search_companies(session, query="quimica perlacos")
    assert [c.id for c in result.items] == [kept.id]
    assert search_companies(session, query="100%_").total == 0  # LIKE wildcards are literal
    assert search_companies(session, query="s.l.").total >= 1  # only a legal form: plain text


def test_rename_keeps_the_old_name_and_records_one_revision_per_field(session):
    org = make_org(session)
    editor = make_staff(session, org)
    company, _ = upsert_company(session, data=CompanyIn(key="s:3", name="Old Name Ltd"))
    revisions = edit_company(
        session,
        company_id=company.id,
        data=CompanyEdit(name="New Name Ltd", jurisdiction="gb"),
        org_id=org.id,
        actor_user_id=editor.user.id,
    )
    assert [(r.field, r.old_value, r.new_value) for r in revisions] == [
        ("name", "Old Name Ltd", "New Name Ltd"),
        ("jurisdiction", None, "GB"),
    ]
    kinds = {n.name: n.kind for n in company.names}
    assert kinds == {"Old Name Ltd": "former", "New Name Ltd": "primary"}
    assert search_companies(session, query="old name").items == [company]
    again = edit_company(
        session,
        company_id=company.id,
        data=CompanyEdit(name="New Name Ltd", jurisdiction="GB"),
        org_id=org.id,
        actor_user_id=editor.user.id,
    )
    assert again == []  # nothing changed, nothing written
    assert revision_author(revisions[0], org_id=org.id) == editor.user.display_name
    assert revision_author(revisions[0], org_id=org.id + 1) is None


def test_project_documents_are_validated_and_idempotent(session):
    upsert_company(session, data=CompanyIn(key="s:op", name="Operator SA"))
    project, _ = upsert_project(
        session,
        data=ProjectIn(key="s:p", name="Dam", kind="dam", country="BR", operator_key="s:op"),
    )
    data = ProjectDocumentIn(
        kind="contract",
        title="Concession contract",
        url="https://example.org/contract.pdf",
        published_on=date(2020, 1, 1),
        language="pt-BR",
    )
    first, created = add_project_document(session, project_id=project.id, data=data)
    again, created_again = add_project_document(session, project_id=project.id, data=data)
    assert created and not created_again and first.id == again.id
    assert [d.title for d in project.documents] == ["Concession contract"]
    for bad in (
        ProjectDocumentIn(kind="rumour", title="x", url="https://example.org/x"),
        ProjectDocumentIn(kind="contract", title="x", url="javascript:alert(1)"),
        ProjectDocumentIn(kind="contract", title="", url="https://example.org/y"),
        ProjectDocumentIn(kind="contract", title="x", url="https://example.org/z", language="e s"),
    ):
        with pytest.raises(Invalid):
            add_project_document(session, project_id=project.id, data=bad)
    with pytest.raises(NotFound):
        add_project_document(session, project_id=2_000_000, data=data)


def test_country_cleaning_accepts_codes_and_names():
    assert clean_country("co") == "CO"
    assert clean_country("Deutschland") == "DE"
    assert clean_country("zz") is None
    assert clean_country("Atlantis") is None
