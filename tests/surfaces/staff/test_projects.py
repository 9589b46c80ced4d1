"""Projects and sites from the analyst pages: adding one under its operator, editing its
location, land tenure and FPIC status, handing it to another operator, and linking or
unlinking public documents — each change kept in the operator's history and audited."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.companies.models import CompanyRevision, Project, ProjectDocument
from vigil.companies.service import CompanyIn, ProjectIn, upsert_company, upsert_project
from vigil.core.audit import AuditEvent

EIA = {
    "kind": "impact_assessment",
    "title": "EIA El Roble expansion",
    "url": "https://example.org/eia.pdf",
    "published_on": "2024-02-01",
    "language": "es",
}


def _world(session):  # type: ignore[no-untyped-def]
    minera, _ = upsert_company(
        session, data=CompanyIn(key="p:minera", name="Minera Andina S.A.S.", jurisdiction="CO")
    )
    other, _ = upsert_company(session, data=CompanyIn(key="p:other", name="Cobre del Sur SA"))
    project, _ = upsert_project(
        session,
        data=ProjectIn(
            key="p:roble",
            name="El Roble mine",
            kind="mine",
            country="CO",
            region="Cauca",
            operator_key="p:minera",
        ),
    )
    return minera, other, project


def _signed_in(session, client, role="analyst"):  # type: ignore[no-untyped-def]
    org = make_org(session)
    account = make_staff(session, org, role=role)
    session.commit()
    sign_in(client, account)
    return account


def _history(session, company_id):  # type: ignore[no-untyped-def]
    session.expire_all()
    rows = session.scalars(
        select(CompanyRevision)
        .where(CompanyRevision.company_id == company_id)
        .order_by(CompanyRevision.id)
    ).all()
    return [(r.field, r.old_value, r.new_value) for r in rows]


def test_writer_links_a_document_and_it_shows_in_history(session, client):
    minera, _other, project = _world(session)
    analyst = _signed_in(session, client)

    page = client.get(f"/staff/projects/{project.id}")
    assert page.status_code == 200
    assert 'id="document-form"' in page.text
    response = client.post(
        f"/staff/projects/{project.id}/documents",
        data={"csrf_token": csrf_from(page.text), **EIA},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/projects/{project.id}?done=document_added"

    shown = client.get(response.headers["location"]).text
    assert "The document was linked." in shown
    assert 'href="https://example.org/eia.pdf" rel="noopener noreferrer nofollow"' in shown
    assert "Environmental and social impact assessment" in shown
    assert "Feb 1, 2024" in shown and 'lang="es"' in shown

    assert _history(session, minera.id) == [
        (
            "project_document",
            None,
            "El Roble mine: EIA El Roble expansion <https://example.org/eia.pdf>",
        )
    ]
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "project.document_added")
    ).one()
    assert event.object_type == "project" and event.object_id == str(project.id)
    assert event.actor_user_id == analyst.user.id
    assert "impact_assessment" in event.detail and "EIA" not in event.detail

    company_page = client.get(f"/staff/companies/{minera.id}").text
    assert "Project document" in company_page  # the history row
    assert "EIA El Roble expansion" in company_page
    assert analyst.user.display_name in company_page


def test_a_refused_document_keeps_what_was_typed(session, client):
    minera, _other, project = _world(session)
    _signed_in(session, client)
    token = csrf_from(client.get(f"/staff/projects/{project.id}").text)

    cases = [
        ({"url": "javascript:alert(1)"}, "public http(s) address"),
        ({"url": "ftp://example.org/eia.pdf"}, "public http(s) address"),
        ({"kind": "rumour"}, "Choose the kind of document"),
        ({"published_on": "01/02/2024"}, "year-month-day"),
        ({"published_on": "2999-01-01"}, "cannot be in the future"),
        ({"language": "xx-nonsense"}, "is not a language tag"),
        ({"title": "  "}, "needs a title"),
    ]
    for change, message in cases:
        data = {"csrf_token": token, **EIA, **change}
        response = client.post(f"/staff/projects/{project.id}/documents", data=data)
        assert response.status_code == 422, change
        assert message in response.text, change
        assert 'role="alert"' in response.text
        for field in ("title", "url", "published_on", "language"):
            if data[field].strip():
                assert f'value="{data[field]}"' in response.text, (change, field)
    session.expire_all()
    assert not session.scalars(select(ProjectDocument)).all()
    assert _history(session, minera.id) == []

    first = client.post(
        f"/staff/projects/{project.id}/documents", data={"csrf_token": token, **EIA}
    )
    assert first.status_code == 303
    again = client.post(
        f"/staff/projects/{project.id}/documents", data={"csrf_token": token, **EIA}
    )
    assert again.status_code == 422
    assert "already linked" in again.text


def test_language_tags_are_normalised(session, client):
    _minera, _other, project = _world(session)
    _signed_in(session, client)
    token = csrf_from(client.get(f"/staff/projects/{project.id}").text)
    data = {**EIA, "language": "pt_br", "published_on": ""}
    response = client.post(
        f"/staff/projects/{project.id}/documents", data={"csrf_token": token, **data}
    )
    assert response.status_code == 303
    document = session.scalars(select(ProjectDocument)).one()
    assert document.language == "pt-BR" and document.published_on is None
    # Indigenous languages without a Babel locale are still languages (Aymara).
    aymara = {**EIA, "url": "https://example.org/resumen-aymara.pdf", "language": "AY"}
    response = client.post(
        f"/staff/projects/{project.id}/documents", data={"csrf_token": token, **aymara}
    )
    assert response.status_code == 303
    session.expire_all()
    assert sorted(d.language for d in session.scalars(select(ProjectDocument))) == ["ay", "pt-BR"]


def test_writer_unlinks_a_document_and_history_keeps_it(session, client):
    minera, _other, project = _world(session)
    _signed_in(session, client)
    token = csrf_from(client.get(f"/staff/projects/{project.id}").text)
    client.post(f"/staff/projects/{project.id}/documents", data={"csrf_token": token, **EIA})
    document_id = session.scalars(select(ProjectDocument.id)).one()

    page = client.get(f"/staff/projects/{project.id}").text
    action = f"/staff/projects/{project.id}/documents/{document_id}/remove"
    assert f'action="{action}"' in page
    response = client.post(action, data={"csrf_token": token})
    assert response.status_code == 303
    assert "The document was unlinked." in client.get(response.headers["location"]).text
    session.expire_all()
    assert session.get(ProjectDocument, document_id) is None
    assert _history(session, minera.id)[-1] == (
        "project_document",
        "El Roble mine: EIA El Roble expansion <https://example.org/eia.pdf>",
        None,
    )
    assert session.scalars(
        select(AuditEvent).where(AuditEvent.action == "project.document_removed")
    ).one()
    # Gone means gone: removing it twice, or through another project, is "not found".
    assert client.post(action, data={"csrf_token": token}).status_code == 404


def test_auditors_read_projects_but_cannot_change_them(session, client):
    minera, _other, project = _world(session)
    _signed_in(session, client, role="auditor")

    page = client.get(f"/staff/projects/{project.id}")
    assert page.status_code == 200
    assert "El Roble mine" in page.text
    assert 'id="document-form"' not in page.text and "/edit" not in page.text
    token = csrf_from(page.text)
    posts = [
        (f"/staff/projects/{project.id}/documents", EIA),
        (f"/staff/projects/{project.id}/edit", {"name": "X", "kind": "mine", "country": "CO"}),
        (f"/staff/companies/{minera.id}/projects", {"name": "X", "kind": "dam", "country": "CO"}),
        (f"/staff/projects/{project.id}/operator", {"company_id": str(minera.id)}),
    ]
    for url, data in posts:
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    assert client.get(f"/staff/projects/{project.id}/edit").status_code == 403
    session.expire_all()
    assert not session.scalars(select(ProjectDocument)).all()
    assert _history(session, minera.id) == []


def test_writer_adds_and_edits_a_project_with_history(session, client):
    minera, _other, _project = _world(session)
    _signed_in(session, client)

    company_page = client.get(f"/staff/companies/{minera.id}").text
    assert f'href="/staff/companies/{minera.id}/projects/new"' in company_page
    form = client.get(f"/staff/companies/{minera.id}/projects/new")
    assert form.status_code == 200
    assert '<option value="CO" selected>' in form.text  # the operator's jurisdiction
    token = csrf_from(form.text)
    created = client.post(
        f"/staff/companies/{minera.id}/projects",
        data={
            "csrf_token": token,
            "name": "La Colosa dam",
            "kind": "dam",
            "country": "CO",
            "region": "Tolima",
            "land_tenure": "Collective title of the Nasa community (contested).",
            "fpic_status": "not_sought",
            "sector": "mining",
        },
    )
    assert created.status_code == 303
    project = session.scalars(select(Project).where(Project.name == "La Colosa dam")).one()
    assert created.headers["location"] == f"/staff/projects/{project.id}?done=created"
    assert project.operator_id == minera.id and project.sector.code == "mining"
    page = client.get(created.headers["location"]).text
    for expected in ("The project was added.", "FPIC not sought", "Tolima", "Nasa community"):
        assert expected in page, expected

    edited = client.post(
        f"/staff/projects/{project.id}/edit",
        data={
            "csrf_token": token,
            "name": "La Colosa dam",
            "kind": "dam",
            "country": "CO",
            "region": "Tolima",
            "land_tenure": "Collective title of the Nasa community (contested).",
            "fpic_status": "contested",
            "sector": "mining",
        },
    )
    assert edited.status_code == 303
    assert edited.headers["location"] == f"/staff/projects/{project.id}?done=edited"
    assert _history(session, minera.id) == [
        ("project", None, "La Colosa dam"),
        ("project_fpic_status", "La Colosa dam: not_sought", "La Colosa dam: contested"),
    ]
    history = client.get(f"/staff/companies/{minera.id}").text
    assert "Project FPIC status" in history
    assert (
        "La Colosa dam: FPIC not sought" in history and "La Colosa dam: FPIC contested" in history
    )
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "project")
    ).all()
    assert actions == ["project.created", "project.edited"]

    same = client.post(
        f"/staff/projects/{project.id}/edit",
        data={
            "csrf_token": token,
            "name": "La Colosa dam",
            "kind": "dam",
            "country": "CO",
            "region": "Tolima",
            "land_tenure": "Collective title of the Nasa community (contested).",
            "fpic_status": "contested",
            "sector": "mining",
        },
    )
    assert same.headers["location"] == f"/staff/projects/{project.id}?done=unchanged"


def test_project_mistakes_are_explained_and_nothing_is_kept(session, client):
    minera, _other, project = _world(session)
    _signed_in(session, client)
    token = csrf_from(client.get(f"/staff/projects/{project.id}/edit").text)
    good = {"name": "El Roble mine", "kind": "mine", "country": "CO", "region": "Nariño"}
    cases = [
        ({"name": ""}, "needs a name"),
        ({"kind": ""}, "kind of project"),
        ({"country": "Atlantis"}, "Choose the country"),
        ({"fpic_status": "maybe"}, "free, prior and informed consent"),
        ({"sector": "astrology"}, "Choose a sector"),
    ]
    for change, message in cases:
        data = {"csrf_token": token, **good, "fpic_status": "unknown", **change}
        response = client.post(f"/staff/projects/{project.id}/edit", data=data)
        assert response.status_code == 422, change
        assert message in response.text, change
        assert 'value="Nariño"' in response.text  # what was typed stays
    session.expire_all()
    assert session.get(Project, project.id).region == "Cauca"
    assert _history(session, minera.id) == []


def test_operator_is_changed_through_the_company_search(session, client):
    minera, other, project = _world(session)
    _signed_in(session, client)

    page = client.get(f"/staff/projects/{project.id}").text
    link = page.split('id="change-operator"')[0].rsplit('href="', 1)[1].split('"')[0]
    chosen = client.get(link + f"&company_id={other.id}")
    assert chosen.status_code == 303
    confirm = client.get(chosen.headers["location"])
    assert confirm.status_code == 200 and "Cobre del Sur SA" in confirm.text
    response = client.post(
        f"/staff/projects/{project.id}/operator",
        data={"csrf_token": csrf_from(confirm.text), "company_id": str(other.id)},
    )
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Project, project.id).operator_id == other.id
    assert _history(session, minera.id) == [("project", "El Roble mine", None)]
    assert _history(session, other.id) == [("project", None, "El Roble mine")]
    assert "El Roble mine" in client.get(f"/staff/companies/{other.id}").text
    missing = client.post(
        f"/staff/projects/{project.id}/operator",
        data={"csrf_token": csrf_from(confirm.text), "company_id": "2000000000"},
    )
    assert missing.status_code == 404


def test_a_project_without_operator_needs_one_before_other_changes(session, client):
    _minera, _other, _project = _world(session)
    orphan, _ = upsert_project(
        session, data=ProjectIn(key="p:orphan", name="Orphan dam", kind="dam", country="BR")
    )
    _signed_in(session, client)
    page = client.get(f"/staff/projects/{orphan.id}")
    assert page.status_code == 200 and "Name the operator" in page.text
    token = csrf_from(page.text)
    refused = client.post(
        f"/staff/projects/{orphan.id}/documents", data={"csrf_token": token, **EIA}
    )
    assert refused.status_code == 422
    assert "operator first" in refused.text
    assert client.get(f"/staff/projects/{orphan.id}/edit").status_code == 409
    assert client.get("/staff/projects/2000000000").status_code == 404
