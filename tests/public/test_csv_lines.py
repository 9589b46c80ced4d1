"""The database-written CSV (``public.csv_lines``) is byte for byte the reference writer's
(``exports.csv_chunks``): quoting, empty values, formula guard, UTC times, the URL — whether
the lines were stored by the register batch, built in SQL for rows not yet stored, or a mix."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.public.open_data_rows import RegisterRows
from vigil.public.csv_lines import database_csv_chunks, write_csv_parts
from vigil.public.exports import csv_chunks
from vigil.public.open_data import iter_cells
from vigil.public.register import RegisterFilters

TRICKY = [
    {"title": 'Threat, "again"', "summary": "line one\nline two", "place": ""},
    {"title": "=HYPERLINK(1)", "summary": "+57 is a code", "place": "-North, bank"},
    {"title": "@user", "summary": "\tindented", "place": "Año Nuevo"},
    {"title": "plain", "summary": "carriage\rreturn", "place": "ok"},
    {"title": "naïve café", "summary": "", "place": "'quoted' already"},
]


def _both(session, filters: RegisterFilters, *, hxl: bool = False) -> tuple[bytes, bytes]:  # type: ignore[no-untyped-def]
    ours = b"".join(database_csv_chunks(session, filters, base_url="https://v.test/", hxl=hxl))
    cells = iter_cells(session, filters, base_url="https://v.test/")
    reference = b"".join(csv_chunks(cells, hxl=hxl))
    return ours, reference


#: Which of the tricky rows have their line stored (as the batch does) before the export.
STORED = {"none": set(), "all": set(range(len(TRICKY))), "some": {0, 2, 4}}


@pytest.mark.parametrize("stored", sorted(STORED))
@pytest.mark.parametrize("hxl", [False, True])
def test_the_database_writes_the_same_bytes_as_the_reference(session, vault, hxl, stored):
    rows = RegisterRows(session, vault)
    written = []
    for n, fields in enumerate(TRICKY):
        row = rows.add(
            sort_date=date(2025, 1, 1 + n),
            month=None if n == 3 else 1,
            companies=((n + 1, f"Minera {n}; S.A."),) if n % 2 else (),
            genders=("woman", "non_binary") if n == 1 else (),
            published_at=datetime(2025, 2, 3, 4, 5, 6, 789, tzinfo=UTC),
            occurred_on=date(2025, 1, 1 + n) if n == 2 else None,
            region="" if n == 4 else "CO-CAU",
            **fields,
        )
        if n in STORED[stored]:
            written.append(row)
    write_csv_parts(written)
    session.flush()
    assert all(row.csv_head for row in written)
    ours, reference = _both(session, RegisterFilters(), hxl=hxl)
    assert ours == reference
    text = ours.decode()
    assert '"Threat, ""again"""' in text and "'=HYPERLINK(1)" in text and "'@user" in text
    assert "2025-02-03T04:05:06Z" in text and "https://v.test/incidents/" in text


def test_filters_and_an_empty_register(session, vault):
    rows = RegisterRows(session, vault)
    rows.add(country="CO", region="CO-CAU")
    rows.add(country="PE", region="PE-CUS")
    ours, reference = _both(session, RegisterFilters(country="PE"))
    assert ours == reference and ours.count(b"\r\n") == 2  # header + one row
    empty, reference = _both(session, RegisterFilters(country="BR"))
    assert empty == reference and empty.count(b"\r\n") == 1


@pytest.mark.parametrize("base_url", ["https://v.test/", 'https://v.test/a,b"c/'])
def test_a_base_url_that_needs_quoting_is_quoted_on_stored_lines_too(session, vault, base_url):
    rows = RegisterRows(session, vault)
    write_csv_parts([rows.add(title="plain"), rows.add(title="x, y")])
    session.flush()
    ours = b"".join(database_csv_chunks(session, RegisterFilters(), base_url=base_url))
    cells = iter_cells(session, RegisterFilters(), base_url=base_url)
    assert ours == b"".join(csv_chunks(cells))
