"""Each role sees the links its role allows, and the server refuses the rest: the templates ask
``vigil.access`` (through the gate's ``Staff``) instead of comparing role names, so a page can
never offer what the route would refuse."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_org, make_staff, sign_in
from vigil.access import Role
from vigil.playbooks.service import install_default_playbooks

#: role → (sees the audit log, may edit playbooks, may write)
ALLOWED = {
    Role.coordinator: (True, True, True),
    Role.analyst: (False, False, True),
    Role.auditor: (True, False, False),
}


@pytest.mark.parametrize("role", list(Role))
def test_pages_offer_what_the_role_may_do(session, app, role: Role):
    reads_audit, edits_playbooks, writes = ALLOWED[role]
    org = make_org(session)
    member = make_staff(session, org, role)
    [playbook, *_] = install_default_playbooks(session, org_id=org.id)
    session.commit()
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, member)
        page = client.get(f"/staff/playbooks/{playbook.id}").text
        assert ('href="/staff/audit"' in page) is reads_audit
        assert (f'href="/staff/playbooks/{playbook.code}/edit"' in page) is edits_playbooks
        assert ('href="/staff/contacts/new"' in client.get("/staff/contacts").text) is writes

        assert client.get("/staff/audit").status_code == (200 if reads_audit else 404)
        edit = client.get(f"/staff/playbooks/{playbook.code}/edit")
        assert edit.status_code == (200 if edits_playbooks else 403)
        assert client.get("/staff/contacts/new").status_code == (200 if writes else 403)
