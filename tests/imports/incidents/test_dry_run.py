"""``--dry-run``: what would be created, what is unmapped and what is invalid, with line
numbers and columns; and not one row written anywhere."""

from __future__ import annotations

from tests.imports.incidents.conftest import ROWS, table_counts, write_csv


def test_dry_run_reports_and_writes_nothing(session, run_import, tmp_path):
    path = write_csv(tmp_path / "incidents.csv", ROWS)
    before = table_counts(session)

    report = run_import(path, dry_run=True)

    assert table_counts(session) == before
    assert report.dry_run and report.run_id is None
    assert (report.rows_read, report.created, report.invalid, report.unmapped_rows) == (6, 4, 1, 1)
    assert report.by_country == {"CO": 3, "HN": 1}
    assert report.by_attack_type == {"killing": 2, "death_threat": 2}
    text = report.render_text()
    assert "Would create 4 incidents" in text
    assert "'desplazamiento'" in text and "(lines 6)" in text
    assert "line 7 [Fecha]:" in text and "line 7 [Edad]:" in text
