"""The playbook pages as staff use them: everyone reads, only coordinators change, refused text
comes back with its problems, versions stay readable, other organisations' playbooks are
invisible."""

from __future__ import annotations

import html

from sqlalchemy import func, select

from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.playbooks.models import Playbook
from vigil.playbooks.service import default_playbook_files, import_playbook

DEATH_THREAT = next(p for p in default_playbook_files() if p.stem == "death_threat").read_text()


def versions(session, org) -> int:
    return session.scalar(select(func.count(Playbook.id)).where(Playbook.organisation_id == org.id))


def setup(session, client, role: str):
    org = make_org(session)
    playbook = import_playbook(session, org_id=org.id, yaml_text=DEATH_THREAT, actor_user_id=None)
    sign_in(client, make_staff(session, org, role))
    return org, playbook


def test_an_analyst_reads_a_playbook_in_words(session, client):
    _org, playbook = setup(session, client, "analyst")
    page = client.get("/staff/playbooks")
    assert page.status_code == 200
    assert 'href="/staff/playbooks"' in page.text  # the nav link
    assert f'href="/staff/playbooks/{playbook.id}"' in page.text
    assert "Install the default playbooks" not in page.text  # coordinators only
    page = client.get(f"/staff/playbooks/{playbook.id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Tier 1: Operator, parent company and state protection programme" in text
    assert "Site security lead of the operator" in text
    assert "Human-rights lead of the parent company" in text
    assert "Any contact of buyers, supply-chain tier 1 or closer" in text
    assert "Any contact of investors, holding at least 1 %" in text
    assert (
        "National human-rights institution (anyone in the directory with this role), "
        "in the incident's country"
    ) in text
    assert (
        "If nobody in tier 1 has responded substantively, notify tier 2: "
        "Buyers, investors and lenders"
    ) in text
    assert "Remind the recipients of tier 1 who have neither acknowledged nor answered" in text
    assert "+24 h" in text and "+72 h" in text  # the timeline
    assert "Safety first." in text  # guidance
    assert "Defender A" in text  # messages previewed with sample data
    assert "Amenaza de muerte" in text or "amenaza de muerte" in text
    assert f'href="/staff/playbooks/{playbook.id}/yaml"' in page.text
    assert "/edit" not in page.text


def test_an_analyst_or_auditor_cannot_change_playbooks(session, client):
    for role in ("analyst", "auditor"):
        org, playbook = setup(session, client, role)
        assert client.get(f"/staff/playbooks/{playbook.id}").status_code == 200
        assert client.get("/staff/playbooks/death_threat/edit").status_code == 403
        token = csrf_from(client.get("/staff/playbooks").text)
        response = client.post(
            "/staff/playbooks/death_threat/edit",
            data={"csrf_token": token, "yaml_text": DEATH_THREAT.replace("24", "12")},
        )
        assert response.status_code == 403
        assert "Only coordinators can change playbooks." in response.text
        response = client.post(
            "/staff/playbooks/import",
            data={"csrf_token": token},
            files={"file": ("p.yaml", DEATH_THREAT.encode(), "application/yaml")},
        )
        assert response.status_code == 403
        response = client.post("/staff/playbooks/install-defaults", data={"csrf_token": token})
        assert response.status_code == 403
        assert versions(session, org) == 1
        client.cookies.clear()


def test_a_coordinator_edits_and_version_one_stays_readable(session, client):
    org, first = setup(session, client, "coordinator")
    page = client.get("/staff/playbooks/death_threat/edit")
    assert page.status_code == 200
    assert html.escape("{notify: 1}", quote=False) in page.text  # the YAML in the textarea
    changed = DEATH_THREAT.replace("deadline_hours: 24", "deadline_hours: 12", 1)
    response = client.post(
        "/staff/playbooks/death_threat/edit",
        data={"csrf_token": csrf_from(page.text), "yaml_text": changed},
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Saved as a new version." in page.text
    assert "Expected to respond within 12 hours." in page.text
    old = client.get(f"/staff/playbooks/{first.id}")
    assert "not the current version" in old.text
    assert "Expected to respond within 24 hours." in old.text
    history = client.get("/staff/playbooks/death_threat/history")
    assert history.status_code == 200 and history.text.count("/yaml") == 2
    download = client.get(f"/staff/playbooks/{first.id}/yaml")
    assert download.text == DEATH_THREAT
    assert 'filename="death_threat-v1.yaml"' in download.headers["content-disposition"]
    assert versions(session, org) == 2


def test_a_refused_edit_shows_the_problems_above_the_kept_text(session, client):
    org, _playbook = setup(session, client, "coordinator")
    token = csrf_from(client.get("/staff/playbooks/death_threat/edit").text)
    bad = DEATH_THREAT.replace("{of: lender}", "{of: finance}")
    response = client.post(
        "/staff/playbooks/death_threat/edit", data={"csrf_token": token, "yaml_text": bad}
    )
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "The playbook was not saved" in text
    assert "tiers[1].recipients[2].of: unknown leverage role 'finance'" in text
    assert "{of: finance}" in text  # the submitted text is kept
    assert text.index("unknown leverage role") < text.index("<textarea")
    assert versions(session, org) == 1


def test_the_same_text_saved_again_is_reported_unchanged(session, client):
    org, playbook = setup(session, client, "coordinator")
    token = csrf_from(client.get("/staff/playbooks/death_threat/edit").text)
    response = client.post(
        "/staff/playbooks/death_threat/edit", data={"csrf_token": token, "yaml_text": DEATH_THREAT}
    )
    assert response.headers["location"] == f"/staff/playbooks/{playbook.id}?done=unchanged"
    assert versions(session, org) == 1


def test_a_coordinator_uploads_a_playbook_file(session, client):
    org, _playbook = setup(session, client, "coordinator")
    page = client.get("/staff/playbooks/import")
    token = csrf_from(page.text)
    other = DEATH_THREAT.replace("code: death_threat", "code: threats")
    response = client.post(
        "/staff/playbooks/import",
        data={"csrf_token": token},
        files={"file": ("threats.yaml", other.encode(), "application/yaml")},
    )
    assert response.status_code == 303
    assert "Imported." in client.get(response.headers["location"]).text
    response = client.post(
        "/staff/playbooks/import",
        data={"csrf_token": token},
        files={"file": ("bad.yaml", b"code: x\nurgency: [0\n", "application/yaml")},
    )
    assert response.status_code == 422
    assert "YAML syntax error at line" in response.text
    response = client.post(
        "/staff/playbooks/import",
        data={"csrf_token": token},
        files={"file": ("bad.yaml", "código".encode("latin-1"), "application/yaml")},
    )
    assert response.status_code == 422 and "not UTF-8" in response.text
    assert versions(session, org) == 2


def test_a_coordinator_installs_the_defaults_from_the_list(session, client):
    org = make_org(session)
    sign_in(client, make_staff(session, org, "coordinator"))
    token = csrf_from(client.get("/staff/playbooks").text)
    response = client.post("/staff/playbooks/install-defaults", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Arbitrary detention" in page.text and "Smear campaign" in page.text
    assert versions(session, org) == len(default_playbook_files())


def test_another_organisations_playbook_is_not_found(session, client):
    theirs = make_org(session)
    playbook = import_playbook(
        session, org_id=theirs.id, yaml_text=DEATH_THREAT, actor_user_id=None
    )
    sign_in(client, make_staff(session, make_org(session), "coordinator"))
    assert client.get(f"/staff/playbooks/{playbook.id}").status_code == 404
    assert client.get(f"/staff/playbooks/{playbook.id}/yaml").status_code == 404
    assert client.get("/staff/playbooks/death_threat/history").status_code == 404
    assert client.get("/staff/playbooks/death_threat/edit").status_code == 404
    assert "death_threat" not in client.get("/staff/playbooks").text


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/staff/playbooks")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
