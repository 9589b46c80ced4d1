"""Between two batches the import holds no lock: on a real SQLite file, another connection that
refuses to wait at all (busy timeout 0) can write while the import is paused after a batch —
an intake report is never kept waiting for the whole file. The same holds on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.committed_db import committed_database
from tests.conftest import make_settings
from tests.imports.incidents.conftest import MAPPING, ROWS, write_csv
from vigil.core.crypto import keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope
from vigil.imports.incidents.importer import ImportOptions, import_incidents
from vigil.imports.incidents.mapping import parse_mapping
from vigil.organisations.service import ensure_organisation
from vigil.vocabularies.service import seed_vocabularies


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_other_writers_get_in_between_batches(kind, tmp_path):
    with committed_database(kind, tmp_path) as url:
        engine = make_engine(url)
        impatient = make_engine(url, busy_timeout_seconds=0)
        try:
            factory = make_sessionmaker(engine)
            with session_scope(factory) as session:
                seed_vocabularies(session)
                org_id = ensure_organisation(session, slug="red-andina", name="Red Andina").id
            ring = keystore_for(make_settings(tmp_path / "var", url)).current()
            written: list[int] = []

            def write_between(batch: int) -> None:
                with impatient.begin() as conn:  # BEGIN IMMEDIATE on SQLite, no waiting
                    conn.execute(
                        text("UPDATE organisations SET name = :name WHERE id = :id"),
                        {"name": f"Red Andina {batch}", "id": org_id},
                    )
                written.append(batch)

            report = import_incidents(
                factory,
                ring=ring,
                path=write_csv(tmp_path / "incidents.csv", ROWS),
                mapping=parse_mapping(MAPPING),
                options=ImportOptions(org_id=org_id, batch_size=2),
                after_batch=write_between,
            )

            assert report.created == 4 and written == [1, 2, 3]
        finally:
            impatient.dispose()
            engine.dispose()
