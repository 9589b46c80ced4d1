"""Fixtures for the incident importer: a mapping, files written in each format, and a runner
that imports through the test's session factory (each batch a savepoint of the test's
rolled-back transaction, so the batches' commits are real to the importer)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_org
from vigil.core.crypto import Vault
from vigil.core.db import Base
from vigil.imports.incidents.importer import ImportOptions, import_incidents
from vigil.imports.incidents.mapping import Mapping, parse_mapping
from vigil.imports.incidents.report import ImportReport
from vigil.organisations.models import Organisation

MAPPING = """
[source]
name = "Red Andina 2015-2020"

[columns]
id = "ID"
date = { column = "Fecha", order = "DMY" }
country = "País"
region = "Departamento"
victim_name = "Nombre"
gender = "Género"
age = "Edad"
defender_type = "Tipo de defensor"
attack_type = "Agresión"
sector = "Sector"
perpetrator_type = "Responsable"
source_url = "Fuente"
summary = "Descripción"

[values.attack_type]
"asesinato selectivo" = "killing"
"amenaza" = "death_threat"

[values.sector]
"Mining & Extractives" = "mining"

[values.defender_type]
"líder social" = "community_leader"

[values.perpetrator_type]
"sin información" = ""
"""

HEADER = [
    "ID", "Fecha", "País", "Departamento", "Nombre", "Género", "Edad", "Tipo de defensor",
    "Agresión", "Sector", "Responsable", "Fuente", "Descripción",
]  # fmt: skip

#: Lines 2-7: four valid rows, one with an unmapped attack type, one impossible.
ROWS = [
    ["A-1", "03/04/2019", "Colombia", "Cauca", "María Pérez", "Mujer", "34", "líder social",
     "Asesinato selectivo", "Mining & Extractives", "Ejército", "https://example.org/1",
     "Killed near her home."],
    ["A-2", "15/06/2020", "Colombia", "", "", "", "", "", "AMENAZA", "Agronegocios", "Policía",
     "", ""],
    ["A-3", "01/01/2018", "Honduras", "", "Berta Example", "Mujer", "", "", "asesinato",
     "", "sin información", "", ""],
    ["A-4", "2/2/2017", "Kolumbien", "", "", "", "", "", "Amenaza de muerte", "", "", "", ""],
    ["A-5", "05/05/2019", "Colombia", "", "", "", "", "", "desplazamiento", "", "", "", ""],
    ["A-6", "31/02/2019", "Colombia", "", "José Ruiz", "Hombre", "4145", "", "asesinato",
     "", "", "", ""],
]  # fmt: skip
VALID_LINES = [2, 3, 4, 5]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False))
            handle.write("\n")
    return path


def write_xlsx(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Incidentes"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def table_counts(session: Session) -> dict[str, int]:
    """Rows in every table: what a dry run must leave as it found."""
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


@pytest.fixture
def mapping() -> Mapping:
    return parse_mapping(MAPPING)


@pytest.fixture
def org(session: Session) -> Organisation:
    organisation = make_org(session)
    session.commit()  # released into the test's transaction: every batch session sees it
    return organisation


Runner = Callable[..., ImportReport]


@pytest.fixture
def run_import(
    session_factory: sessionmaker[Session], vault: Vault, org: Organisation, mapping: Mapping
) -> Runner:
    def run(path: Path, *, use: Mapping | None = None, **options: object) -> ImportReport:
        after_batch = options.pop("after_batch", None)
        return import_incidents(
            session_factory,
            ring=vault.ring,
            path=path,
            mapping=use or mapping,
            options=ImportOptions(org_id=options.pop("org_id", org.id), **options),  # type: ignore[arg-type]
            after_batch=after_batch,  # type: ignore[arg-type]
        )

    return run
