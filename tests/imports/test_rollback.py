"""Rolling back an import run: exactly the run's records go, in the right order, audited;
records of another run or made by hand stay; a run whose records are in use is refused with
the records named; another organisation's run cannot be touched."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import make_incident, make_org
from vigil.companies.csv_import import import_companies_csv, parse_mapping
from vigil.companies.models import Address, Company, CompanyName
from vigil.contacts.csv_import import import_contacts_csv
from vigil.contacts.models import Contact
from vigil.core.audit import AuditEvent
from vigil.core.crypto import DataKey
from vigil.core.errors import Conflict, NotFound
from vigil.defenders.models import Defender
from vigil.imports.models import ImportedRecord, ImportRun, RunKind, RunState
from vigil.imports.recording import CreatedRows, Outcome, close_run
from vigil.imports.rollback import rollback_run
from vigil.imports.runs import known_source_keys, record_created, start_run
from vigil.incidents.models import Act, Incident, IncidentEdit, Source
from vigil.playbooks.models import Playbook
from vigil.playbooks.service import import_playbook, install_default_playbooks


def incident_run(session, org, vault, *, count: int = 2, title: str = "Imported"):
    """A finished incident run that created ``count`` incidents, each with its defender."""
    run = start_run(
        session,
        organisation_id=org.id,
        kind=RunKind.incidents,
        source_name="killings.csv",
        file_sha256="0" * 64,
    )
    incidents = []
    for line in range(2, 2 + count):
        incident = make_incident(session, org, vault=vault, title=f"{title} {line}")
        key = f"{run.id}-{line}"
        record_created(
            session, run=run, entity_type="incident", entity_id=incident.id, line=line,
            source_key=key,
        )  # fmt: skip
        record_created(
            session, run=run, entity_type="defender", entity_id=incident.acts[0].victim_id,
            line=line, source_key=key,
        )  # fmt: skip
        incidents.append(incident)
    close_run(session, run=run, created=CreatedRows(), outcome=Outcome(read=count, skipped=0))
    run.rows_created = count
    session.flush()
    return run, incidents


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_rollback_deletes_exactly_the_runs_incidents_and_defenders(session, vault):
    org = make_org(session)
    run, mine = incident_run(session, org, vault)
    other_run, others = incident_run(session, org, vault, title="Other run")
    by_hand = make_incident(session, org, vault=vault, title="By hand")
    mine_ids = [i.id for i in mine]
    victims = [i.acts[0].victim_id for i in mine]
    keys = [i.data_key_id for i in mine]

    deleted = rollback_run(session, run_id=run.id, organisation_id=org.id, by_user_id=None)

    assert deleted == {"incident": 2, "defender": 2}
    assert count(session, Incident, Incident.id.in_(mine_ids)) == 0
    assert count(session, Act, Act.incident_id.in_(mine_ids)) == 0
    assert count(session, Source, Source.incident_id.in_(mine_ids)) == 0
    assert count(session, Defender, Defender.id.in_(victims)) == 0
    # Crypto-shredded: no backup can open what the run brought in.
    assert count(session, DataKey, DataKey.id.in_(keys), DataKey.wrapped.is_not(None)) == 0
    survivors = [*others, by_hand]
    assert count(session, Incident, Incident.id.in_([i.id for i in survivors])) == 3
    assert count(session, Defender, Defender.id.in_([i.acts[0].victim_id for i in survivors])) == 3
    session.refresh(run)
    assert run.state == RunState.rolled_back and run.rolled_back_at is not None
    assert count(session, ImportedRecord, ImportedRecord.run_id == run.id) == 0
    assert count(session, ImportedRecord, ImportedRecord.run_id == other_run.id) == 4
    # The same file can come in again: its keys are no longer known.
    assert (
        known_source_keys(session, organisation_id=org.id, kind="incidents", keys=[f"{run.id}-2"])
        == {}
    )
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.organisation_id == org.id)
    ).all()
    assert actions.count("incident.deleted") == 2 and "import.rolled_back" in actions


def test_an_incident_edited_since_the_import_is_named_and_nothing_is_deleted(session, vault):
    org = make_org(session)
    run, mine = incident_run(session, org, vault, count=3)
    session.add(IncidentEdit(incident_id=mine[1].id, fields="title"))
    session.flush()

    with pytest.raises(Conflict) as refused:
        rollback_run(session, run_id=run.id, organisation_id=org.id)

    message = str(refused.value)
    assert message.startswith(f"Import run #{run.id} cannot be rolled back")
    assert f"incident #{mine[1].id} is used by incident_edits #" in message
    assert f"incident #{mine[0].id}" not in message
    assert count(session, Incident, Incident.id.in_([i.id for i in mine])) == 3
    assert session.get(ImportRun, run.id).state == RunState.finished


def test_a_defender_who_is_a_victim_in_another_incident_blocks_the_rollback(session, vault):
    org = make_org(session)
    run, mine = incident_run(session, org, vault, count=1)
    later = make_incident(session, org, vault=vault, title="Later, by hand")
    session.add(Act(incident_id=later.id, attack_type_id=later.acts[0].attack_type_id,
                    victim_id=mine[0].acts[0].victim_id))  # fmt: skip
    session.flush()
    with pytest.raises(Conflict, match=rf"defender #{mine[0].acts[0].victim_id} is used by acts"):
        rollback_run(session, run_id=run.id, organisation_id=org.id)


def test_another_organisations_run_cannot_be_rolled_back(session, vault):
    org, other = make_org(session), make_org(session)
    run, mine = incident_run(session, org, vault, count=1)
    with pytest.raises(NotFound):
        rollback_run(session, run_id=run.id, organisation_id=other.id)
    assert session.get(Incident, mine[0].id) is not None


def test_twice_or_while_running_is_refused(session, vault):
    org = make_org(session)
    run, _ = incident_run(session, org, vault, count=1)
    rollback_run(session, run_id=run.id, organisation_id=org.id)
    with pytest.raises(Conflict, match="already rolled back"):
        rollback_run(session, run_id=run.id, organisation_id=org.id)
    running = start_run(
        session, organisation_id=org.id, kind="incidents", source_name="x.csv",
        file_sha256="1" * 64,
    )  # fmt: skip
    with pytest.raises(Conflict, match="still running"):
        rollback_run(session, run_id=running.id, organisation_id=org.id)


def registry_run(session, path: Path, mapping: str) -> ImportRun:
    run = start_run(
        session, organisation_id=None, kind="companies", source_name=path.name,
        file_sha256="2" * 64,
    )  # fmt: skip
    created = CreatedRows()
    report = import_companies_csv(
        session, path=path, mapping=parse_mapping([mapping]), on_created=created
    )
    close_run(session, run=run, created=created, outcome=Outcome(read=report.lines, skipped=0))
    return run


def test_companies_and_their_addresses_go_but_a_company_in_a_case_stays(session, vault, tmp_path):
    first = tmp_path / "first.csv"
    first.write_text("Name,Country,Address\nMinera Uno,CO,Calle 1\nMinera Dos,PE,\n")
    second = tmp_path / "second.csv"
    second.write_text("Name,Country,Address\nMinera Tres,CO,\n")
    run = registry_run(session, first, "name=Name,jurisdiction=Country,address=Address")
    kept = registry_run(session, second, "name=Name,jurisdiction=Country,address=Address")
    names = {"Minera Uno", "Minera Dos"}
    ids = session.scalars(select(Company.id).where(Company.name.in_(names))).all()

    deleted = rollback_run(session, run_id=run.id, organisation_id=None)

    assert deleted == {"company": 2, "address": 1}
    assert count(session, Company, Company.id.in_(ids)) == 0
    assert count(session, CompanyName, CompanyName.company_id.in_(ids)) == 0
    assert count(session, Address, Address.full == "Calle 1") == 0
    assert count(session, Company, Company.name == "Minera Tres") == 1

    org = make_org(session)
    tres = session.scalar(select(Company).where(Company.name == "Minera Tres"))
    incident = make_incident(session, org, vault=vault, company_id=tres.id)
    with pytest.raises(Conflict, match=rf"company #{tres.id} is used by involvements #"):
        rollback_run(session, run_id=kept.id, organisation_id=None)
    assert session.get(Incident, incident.id) is not None
    # A registry run is no organisation's: an organisation cannot roll it back.
    with pytest.raises(NotFound):
        rollback_run(session, run_id=kept.id, organisation_id=org.id)


def test_contacts_created_go_and_contacts_updated_stay(session, vault):
    org = make_org(session)
    header = "name,role,email\n"
    import_contacts_csv(session, vault, org_id=org.id, text=header + "Ana,security_lead,a@x.org\n")
    run = start_run(
        session, organisation_id=org.id, kind="contacts", source_name="c.csv",
        file_sha256="3" * 64,
    )  # fmt: skip
    created = CreatedRows()
    text = header + "Ana B,security_lead,a@x.org\nBea,security_lead,b@x.org\n"
    import_contacts_csv(session, vault, org_id=org.id, text=text, on_created=created)
    close_run(session, run=run, created=created, outcome=Outcome(read=2, skipped=1))
    assert [item[0] for item in created.items] == ["contact"] and created.rows == 1

    assert rollback_run(session, run_id=run.id, organisation_id=org.id) == {"contact": 1}
    emails = session.scalars(select(Contact.email).where(Contact.organisation_id == org.id))
    assert sorted(emails) == ["a@x.org"]


def test_a_playbook_version_goes_and_the_one_before_is_current_again(session):
    org = make_org(session)
    (first, *_) = install_default_playbooks(session, org_id=org.id)
    run = start_run(
        session, organisation_id=org.id, kind="playbooks", source_name="p.yaml",
        file_sha256="4" * 64,
    )  # fmt: skip
    text = first.source_yaml.replace("deadline_hours: 24", "deadline_hours: 12")
    assert text != first.source_yaml
    second = import_playbook(session, org_id=org.id, yaml_text=text, actor_user_id=None)
    record_created(
        session, run=run, entity_type="playbook", entity_id=second.id, line=1, source_key="p"
    )
    close_run(session, run=run, created=CreatedRows(), outcome=Outcome(read=1, skipped=0))

    assert rollback_run(session, run_id=run.id, organisation_id=org.id) == {"playbook": 1}
    current = session.scalars(
        select(Playbook).where(Playbook.organisation_id == org.id, Playbook.code == first.code)
    ).all()
    assert [(p.version, p.is_current) for p in current] == [(1, True)]
