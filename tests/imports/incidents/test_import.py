"""A real import: exactly the valid rows become incidents, through the services (names
sealed, blind index filled), each with its run, line, key and a source naming the file; a
second run creates nothing; no alert is ever launched."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.imports.incidents.conftest import ROWS, VALID_LINES, table_counts, write_csv
from vigil.alerts.models import Alert
from vigil.defenders.models import Defender
from vigil.defenders.service import find_defenders_by_name, reveal_name
from vigil.imports.incidents.mapping import parse_mapping
from vigil.imports.models import ImportedRecord, ImportProblem, ImportRun
from vigil.incidents.models import Act, Incident, Source
from vigil.incidents.service import reveal_incident


def imported(session, run_id, entity_type="incident"):
    return session.scalars(
        select(ImportedRecord)
        .where(ImportedRecord.run_id == run_id, ImportedRecord.entity_type == entity_type)
        .order_by(ImportedRecord.line)
    ).all()


def test_import_creates_exactly_the_valid_rows(session, vault, org, run_import, tmp_path):
    path = write_csv(tmp_path / "incidents.csv", ROWS)
    alerts_before = session.scalar(select(func.count()).select_from(Alert))

    report = run_import(path, batch_size=2)

    assert (report.created, report.invalid, report.unmapped_rows) == (4, 1, 1)
    run = session.get(ImportRun, report.run_id)
    assert run.state == "finished" and run.organisation_id == org.id
    assert (run.rows_read, run.rows_created, run.rows_invalid, run.checkpoint_line) == (6, 4, 2, 7)
    records = imported(session, run.id)
    assert [r.line for r in records] == VALID_LINES
    assert [r.source_key for r in records] == ["id:A-1", "id:A-2", "id:A-3", "id:A-4"]
    problems = session.scalars(select(ImportProblem).where(ImportProblem.run_id == run.id)).all()
    assert sorted((p.line, p.kind, p.column) for p in problems) == [
        (6, "unmapped", "Agresión"),
        (7, "invalid", "Edad"),
        (7, "invalid", "Fecha"),
    ]

    first = session.get(Incident, records[0].entity_id)
    assert first.organisation_id == org.id
    assert first.status == "received" and first.verified_at is None
    assert (first.country, first.region, str(first.occurred_on)) == ("CO", "CO-CAU", "2019-04-03")
    assert first.title == "Killing, Colombia, 2019-04-03"
    assert first.sector.code == "mining"
    summary = reveal_incident(vault, first).summary
    assert summary.startswith("Killed near her home.") and "34" in summary
    (act,) = first.acts
    assert act.attack_type.code == "killing"
    assert [i.perpetrator_type.code for i in act.involvements] == ["military"]
    (source,) = first.sources
    assert source.url == "https://example.org/1"
    assert source.description == (
        f"Imported from Red Andina 2015-2020, line 2 (import run #{run.id})."
    )

    # The victim's name is sealed, and found only through the blind index.
    victim = act.victim
    assert b"Mar" not in victim.name_sealed and victim.name_index
    assert reveal_name(vault, victim) == "María Pérez"
    assert find_defenders_by_name(session, vault=vault, org_id=org.id, name="maría pérez") == [
        victim
    ]
    assert [t.code for t in victim.types] == ["community_leader"]
    assert [t.code for t in victim.identities] == ["woman"]
    assert victim.alias and "María" not in victim.alias
    assert [r.line for r in imported(session, run.id, "defender")] == [2, 4]

    # Kolumbien is Colombia; a row with no perpetrator said has no involvement.
    fourth = session.get(Incident, records[3].entity_id)
    assert fourth.country == "CO" and fourth.acts[0].involvements == []
    assert session.scalar(select(func.count()).select_from(Alert)) == alerts_before


def test_a_second_run_creates_nothing(session, run_import, tmp_path):
    path = write_csv(tmp_path / "incidents.csv", ROWS)
    first = run_import(path)
    counts = table_counts(session)

    again = run_import(path)

    assert (again.created, again.skipped, again.invalid, again.unmapped_rows) == (0, 4, 1, 1)
    assert again.run_id != first.run_id
    changed = {
        name: (counts[name], count)
        for name, count in table_counts(session).items()
        if count != counts[name]
    }
    # Only the second run's own record (and its problems) were written.
    assert set(changed) == {"import_runs", "import_problems"}


def test_a_fixed_mapping_takes_in_what_was_held_back(session, mapping, run_import, tmp_path):
    path = write_csv(tmp_path / "incidents.csv", ROWS)
    run_import(path)
    fixed = parse_mapping(
        mapping.text.replace(
            "[values.attack_type]\n",
            '[values.attack_type]\n"desplazamiento" = "forced_displacement"\n',
        )
    )

    report = run_import(path, use=fixed)

    assert (report.created, report.skipped, report.invalid) == (1, 4, 1)
    assert report.by_attack_type == {"forced_displacement": 1}


def test_identical_rows_with_different_ids_stay_distinct(session, org, run_import, tmp_path):
    same = ["03/04/2019", "Colombia", "", "Ana Gómez", "", "", "", "asesinato", "", "", "", ""]
    path = write_csv(tmp_path / "twins.csv", [["T-1", *same], ["T-2", *same]])

    report = run_import(path)

    assert report.created == 2
    victims = session.scalars(select(Defender).where(Defender.organisation_id == org.id)).all()
    assert len(victims) == 2 and victims[0].id != victims[1].id
    assert victims[0].name_index == victims[1].name_index  # the same name, two people


def test_identical_rows_without_ids_are_one_incident(session, run_import, tmp_path):
    mapping = parse_mapping(
        '[columns]\ncountry = "País"\nattack_type = "Agresión"\n'
        'date = { column = "Fecha", format = "%d/%m/%Y" }\n'
    )
    header = ["Fecha", "País", "Agresión"]
    row = ["03/04/2019", "Colombia", "asesinato"]
    other = ["04/04/2019", "Colombia", "asesinato"]
    path = write_csv(tmp_path / "no-ids.csv", [row, other, row], header=header)

    report = run_import(path, use=mapping)

    assert (report.created, report.duplicates) == (2, 1)
    (problem,) = report.problems
    assert (problem.line, problem.message) == (4, "duplicate: identical to line 2")
    again = run_import(path, use=mapping)
    assert (again.created, again.skipped, again.duplicates) == (0, 2, 1)  # said the same way


def test_another_organisation_imports_the_same_file_anew(session, run_import, tmp_path):
    from tests.factories import make_org

    path = write_csv(tmp_path / "incidents.csv", ROWS)
    run_import(path)
    other = make_org(session)
    session.commit()

    report = run_import(path, org_id=other.id)

    assert (report.created, report.skipped) == (4, 0)
    count = session.scalar(
        select(func.count()).select_from(Incident).where(Incident.organisation_id == other.id)
    )
    assert count == 4


def test_a_verified_mapping_status_is_kept(session, mapping, run_import, tmp_path):
    verified = parse_mapping(mapping.text.replace("[source]\n", '[source]\nstatus = "verified"\n'))
    path = write_csv(tmp_path / "incidents.csv", ROWS[:1])

    report = run_import(path, use=verified)

    incident = session.get(Incident, imported(session, report.run_id)[0].entity_id)
    assert incident.status == "verified" and incident.verified_at is not None


def test_a_company_is_found_in_the_registry_never_created(session, run_import, tmp_path):
    from vigil.companies.matching import name_key
    from vigil.companies.models import Company, CompanyName

    company = Company(name="Minera Andina S.A.S.", key="test-minera-andina")
    company.names.append(
        CompanyName(name=company.name, kind="primary", normalized=name_key(company.name))
    )
    session.add(company)
    session.commit()
    mapping = parse_mapping(
        '[columns]\ncountry = "País"\nattack_type = "Agresión"\ncompany = "Empresa"\n'
        'perpetrator_type = "Responsable"\n'
    )
    header = ["País", "Agresión", "Empresa", "Responsable"]
    rows = [
        ["Colombia", "asesinato", "MINERA ANDINA", "Seguridad privada"],
        ["Colombia", "amenaza de muerte", "Minera Andina", "Policía"],
        ["Colombia", "asesinato", "Carbones Inexistentes Ltda", ""],
    ]
    companies_before = session.scalar(select(func.count()).select_from(Company))
    path = write_csv(tmp_path / "companies.csv", rows, header=header)

    report = run_import(path, use=mapping)

    assert (report.created, report.unmapped_rows) == (2, 1)
    (unmapped,) = report.unmapped.values()
    assert (unmapped.field, unmapped.value, unmapped.lines) == (
        "company",
        "Carbones Inexistentes Ltda",
        [4],
    )
    assert session.scalar(select(func.count()).select_from(Company)) == companies_before
    records = imported(session, report.run_id)
    security = session.get(Incident, records[0].entity_id).acts[0].involvements
    assert [(i.perpetrator_type.code, i.company_id, i.role) for i in security] == [
        ("private_security", company.id, "unspecified")
    ]
    police = session.get(Incident, records[1].entity_id).acts[0].involvements
    assert [(i.perpetrator_type.code, i.company_id, i.role) for i in police] == [
        ("police", None, "unspecified"),
        ("unknown", company.id, "linked"),
    ]


def test_several_attack_types_in_one_cell_are_several_acts(session, run_import, tmp_path):
    mapping = parse_mapping(
        '[columns]\ncountry = "País"\nattack_type = { column = "Agresión", split = ";" }\n'
        'victim_alias = "Alias"\n'
    )
    path = write_csv(
        tmp_path / "acts.csv",
        [["Perú", "Amenaza de muerte; Vigilancia", "Quinua"]],
        header=["País", "Agresión", "Alias"],
    )

    report = run_import(path, use=mapping)

    incident = session.get(Incident, imported(session, report.run_id)[0].entity_id)
    assert [act.attack_type.code for act in incident.acts] == ["death_threat", "surveillance"]
    assert {act.victim.alias for act in incident.acts} == {"Quinua"}
    assert incident.acts[0].victim.name_sealed is None
    assert (
        session.scalar(select(func.count()).select_from(Act).where(Act.incident_id == incident.id))
        == 2
    )
    assert (
        session.scalar(
            select(func.count()).select_from(Source).where(Source.incident_id == incident.id)
        )
        == 1
    )


def test_a_rolled_back_run_can_be_imported_again(session, org, run_import, tmp_path):
    from vigil.imports.rollback import rollback_run

    path = write_csv(tmp_path / "incidents.csv", ROWS)
    first = run_import(path)
    with session.begin_nested():
        rollback_run(session, run_id=first.run_id, organisation_id=org.id)
    session.commit()
    assert (
        session.scalar(
            select(func.count()).select_from(Incident).where(Incident.organisation_id == org.id)
        )
        == 0
    )

    again = run_import(path)

    assert (again.created, again.skipped) == (4, 0)
