"""Playbooks as versioned data, on both databases: defaults install once, edits add versions
and keep the old ones readable, bad text stores nothing, and one organisation never sees
another's playbooks."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import func, select

from tests.factories import make_org
from vigil.core.audit import AuditEvent
from vigil.core.errors import Invalid, NotFound
from vigil.playbooks.models import Playbook
from vigil.playbooks.parsing import PlaybookInvalid, parse_playbook_yaml
from vigil.playbooks.schema import dump_document
from vigil.playbooks.service import (
    default_playbook_files,
    export_playbook,
    get_playbook,
    get_version,
    history,
    import_playbook,
    install_default_playbooks,
    list_playbooks,
    playbook_for_attack_type,
)

DEATH_THREAT = next(p for p in default_playbook_files() if p.stem == "death_threat").read_text()


def count(session, org) -> int:
    return session.scalar(select(func.count(Playbook.id)).where(Playbook.organisation_id == org.id))


def edited(text: str = DEATH_THREAT) -> str:
    return text.replace("deadline_hours: 24", "deadline_hours: 12", 1)


def test_defaults_install_once_and_cover_the_attack_types(session):
    org = make_org(session)
    installed = install_default_playbooks(session, org_id=org.id)
    assert len(installed) == len(default_playbook_files()) >= 7
    assert all(p.version == 1 and p.is_current for p in installed)
    assert install_default_playbooks(session, org_id=org.id) == []  # idempotent
    assert count(session, org) == len(installed)
    for attack_type, code in [
        ("death_threat", "death_threat"),
        ("killing", "killing"),
        ("physical_assault", "physical_assault"),
        ("judicial_civil_slapp", "judicial_harassment"),
        ("judicial_criminal", "judicial_harassment"),
        ("smear_campaign", "smear_campaign"),
        ("surveillance", "surveillance"),
        ("digital_attack", "surveillance"),
        ("arbitrary_detention", "arbitrary_detention"),
    ]:
        found = playbook_for_attack_type(session, org_id=org.id, attack_type_code=attack_type)
        assert found is not None and found.code == code, attack_type
    assert playbook_for_attack_type(session, org_id=org.id, attack_type_code="travel_ban") is None


def test_install_never_replaces_an_edited_playbook(session):
    org = make_org(session)
    import_playbook(session, org_id=org.id, yaml_text=edited(), actor_user_id=None)
    install_default_playbooks(session, org_id=org.id)
    assert [p.version for p in history(session, org_id=org.id, code="death_threat")] == [1]
    current = get_playbook(session, org_id=org.id, code="death_threat")
    assert current.document["tiers"][0]["deadline_hours"] == 12


def test_an_edit_makes_version_two_and_version_one_stays_readable(session):
    org = make_org(session)
    first = import_playbook(session, org_id=org.id, yaml_text=DEATH_THREAT, actor_user_id=None)
    second = import_playbook(session, org_id=org.id, yaml_text=edited(), actor_user_id=None)
    assert (first.version, second.version) == (1, 2)
    assert not first.is_current and second.is_current
    assert [p.id for p in list_playbooks(session, org_id=org.id)] == [second.id]
    old = get_version(session, playbook_id=first.id, org_id=org.id)
    assert old.document["tiers"][0]["deadline_hours"] == 24
    assert export_playbook(session, org_id=org.id, code="death_threat", version=1) == DEATH_THREAT
    assert export_playbook(session, org_id=org.id, code="death_threat") == edited()
    assert [p.version for p in history(session, org_id=org.id, code="death_threat")] == [2, 1]
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.organisation_id == org.id, AuditEvent.action == "playbook.imported"
        )
    ).all()
    assert sorted(e.detail for e in events) == [
        '{"code": "death_threat", "version": 1}',
        '{"code": "death_threat", "version": 2}',
    ]


def test_the_same_content_again_adds_no_version(session):
    org = make_org(session)
    first = import_playbook(session, org_id=org.id, yaml_text=DEATH_THREAT, actor_user_id=None)
    # Only a comment differs: the document is the same.
    again = import_playbook(
        session, org_id=org.id, yaml_text="# re-saved\n" + DEATH_THREAT, actor_user_id=None
    )
    assert again.id == first.id and count(session, org) == 1


def test_going_back_to_an_older_text_is_a_new_version(session):
    org = make_org(session)
    import_playbook(session, org_id=org.id, yaml_text=DEATH_THREAT, actor_user_id=None)
    import_playbook(session, org_id=org.id, yaml_text=edited(), actor_user_id=None)
    third = import_playbook(session, org_id=org.id, yaml_text=DEATH_THREAT, actor_user_id=None)
    assert third.version == 3 and third.is_current


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("urgency: 0", "urgency: [0", "a flow sequence that starts at line 13"),
        ("{of: lender}", "{of: finance}", "unknown leverage role 'finance'"),
        ("{remind: 3}", "{remind: 7}", "tier 7 does not exist"),
        ("Dear {{ recipient_name }}", "Dear {{ name }}", "messages.en.body: unknown variable"),
        ("\n  en:\n    subject:", "\n  it:\n    subject:", "an English message (en)"),
        ("[death_threat]", "[not_a_type]", "unknown attack type 'not_a_type'"),
    ],
)
def test_a_bad_text_stores_nothing_and_changes_nothing(session, old, new, expected):
    org = make_org(session)
    current = import_playbook(session, org_id=org.id, yaml_text=DEATH_THREAT, actor_user_id=None)
    bad = edited().replace(old, new, 1)
    with pytest.raises(PlaybookInvalid, match="not valid") as caught:
        import_playbook(session, org_id=org.id, yaml_text=bad, actor_user_id=None)
    assert expected in str(caught.value)
    assert count(session, org) == 1
    session.refresh(current)
    assert current.is_current


def test_the_edit_form_cannot_rename_a_playbook(session):
    org = make_org(session)
    import_playbook(session, org_id=org.id, yaml_text=DEATH_THREAT, actor_user_id=None)
    renamed = DEATH_THREAT.replace("code: death_threat", "code: threats")
    with pytest.raises(Invalid, match="must stay 'death_threat'"):
        import_playbook(
            session,
            org_id=org.id,
            yaml_text=renamed,
            actor_user_id=None,
            expected_code="death_threat",
        )
    assert count(session, org) == 1


def test_export_then_import_gives_the_same_document(session):
    source, target = make_org(session), make_org(session)
    original = import_playbook(
        session, org_id=source.id, yaml_text=DEATH_THREAT, actor_user_id=None
    )
    text = export_playbook(session, org_id=source.id, code="death_threat")
    copy = import_playbook(session, org_id=target.id, yaml_text=text, actor_user_id=None)
    assert copy.document == original.document
    # The stored document itself, written back out as YAML, reads back identically too.
    dumped = yaml.safe_dump(original.document, allow_unicode=True, sort_keys=False)
    assert dump_document(parse_playbook_yaml(dumped)) == original.document


def test_another_organisations_playbooks_are_not_found(session):
    mine, theirs = make_org(session), make_org(session)
    (playbook, *_) = install_default_playbooks(session, org_id=theirs.id)
    with pytest.raises(NotFound):
        get_version(session, playbook_id=playbook.id, org_id=mine.id)
    with pytest.raises(NotFound):
        export_playbook(session, org_id=mine.id, code=playbook.code)
    with pytest.raises(NotFound):
        history(session, org_id=mine.id, code=playbook.code)
    assert list_playbooks(session, org_id=mine.id) == []
    assert (
        playbook_for_attack_type(session, org_id=mine.id, attack_type_code="death_threat") is None
    )
    # Versions are numbered per organisation.
    own = import_playbook(session, org_id=mine.id, yaml_text=DEATH_THREAT, actor_user_id=None)
    assert own.version == 1


def test_the_playbook_named_after_an_attack_type_is_preferred(session):
    org = make_org(session)
    broad = DEATH_THREAT.replace("code: death_threat", "code: threats").replace(
        "attack_types: [death_threat]", "attack_types: [threat_intimidation, death_threat]"
    )
    import_playbook(session, org_id=org.id, yaml_text=broad, actor_user_id=None)
    found = playbook_for_attack_type(session, org_id=org.id, attack_type_code="death_threat")
    assert found is not None and found.code == "threats"
    import_playbook(session, org_id=org.id, yaml_text=DEATH_THREAT, actor_user_id=None)
    found = playbook_for_attack_type(session, org_id=org.id, attack_type_code="death_threat")
    assert found is not None and found.code == "death_threat"
    found = playbook_for_attack_type(session, org_id=org.id, attack_type_code="threat_intimidation")
    assert found is not None and found.code == "threats"
