"""The CSV exports' lines, written by the database.

Formatting a million rows in Python (row objects, the ``csv`` module, dates) cost five times
what the databases' own CSV writers take (benchmarks/RESULTS.md, "Public register"). So the
export's SELECT builds each line itself, with the same rules as :func:`vigil.public.exports.
csv_chunks` — RFC 4180 quoting of a cell holding ``,``, ``"``, CR or LF, empty cells for
empty values, the leading ``'`` on a free-text cell a spreadsheet would run as a formula,
UTC times as ``YYYY-MM-DDTHH:MM:SSZ`` — and Python only joins the lines. ``csv_chunks`` stays
the reference: a test checks both give the same bytes, row by row, on both databases.

Only free-text cells (and the URL, made from a setting) are checked for characters that need
quoting; the others are numbers, ISO dates and codes from closed lists.

Even so, building each line in SQL at export time kept the export near a third of the
databases' own CSV speed at a million rows. The register batch therefore writes each row's
line when it writes the row (:func:`write_csv_parts`, with the reference writer itself), and
the export only joins the stored parts around the URL. A row the batch has not written yet
(``csv_head`` still "") is built in SQL as before, so the bytes never depend on which path a
row took.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from functools import reduce
from typing import Any

from sqlalchemy import String, case, cast, func, literal, or_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from vigil.public.exports import (
    CHUNK_BYTES,
    FORMULA_STARTS,
    PUBLISHED_CELL,
    TEXT_CELLS,
    header_lines,
    utc_text,
)
from vigil.public.open_data import CELL_COLUMNS, FIELD_NAMES, FIELDS, URL_CELL
from vigil.public.register import RegisterFilters, filtered_incidents
from vigil.public.register_models import PublicIncident

FREE_TEXT = ("title", "place", "companies", "summary")
#: The cells whose value is exactly a column of the same name.
COLUMN_OF = {"date": "occurred_on"}
#: Lines fetched at a time.
FETCH = 5000


def _text(value: Any) -> ColumnElement[str]:
    return func.coalesce(cast(value, String), literal(""))


def _quoted(text: ColumnElement[str]) -> ColumnElement[str]:
    needs = or_(*(text.contains(c, autoescape=True) for c in (",", '"', "\n", "\r")))
    escaped = literal('"') + func.replace(text, '"', '""') + literal('"')
    return case((needs, escaped), else_=text)


def _guarded(text: ColumnElement[str]) -> ColumnElement[str]:
    starts = func.substr(text, 1, 1).in_(list(FORMULA_STARTS))
    return case((starts, literal("'") + text), else_=text)


def _utc(value: Any, dialect: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", value), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    return func.strftime("%Y-%m-%dT%H:%M:%SZ", value)


def _cell(name: str, *, base_url: str, dialect: str) -> ColumnElement[str]:
    if name == "url":
        return _quoted(literal(f"{base_url.rstrip('/')}/incidents/") + PublicIncident.code)
    column = getattr(PublicIncident, COLUMN_OF.get(name, name))
    if name == "published_at":
        return _utc(column, dialect)
    if name in FREE_TEXT:
        return _quoted(_guarded(_text(column)))
    return _text(column)


def line_expression(*, base_url: str, dialect: str) -> ColumnElement[str]:
    """One CSV line (without its line break) of a register row, as a SQL expression."""
    cells = [_cell(name, base_url=base_url, dialect=dialect) for name in FIELD_NAMES]
    return reduce(lambda left, right: left + literal(",") + right, cells)


def _row_cells(row: Any) -> list[Any]:
    """A row's cells as :func:`vigil.public.open_data.iter_cells` reads them (the URL cell
    still holding the code)."""
    width = len(FIELDS)
    return [getattr(row, column.key) for column in CELL_COLUMNS[:width]]


def csv_parts(row: Any) -> tuple[str, str]:
    """The CSV line of ``row`` (a ``PublicIncident``, or anything with its attributes, like
    the register benchmark's generated rows) before the URL cell (ending with its comma) and
    after it (starting with its comma), by the reference rules: the ``csv`` module's
    quoting, the formula guard and UTC times, as :func:`vigil.public.exports.csv_chunks`."""
    cells = _row_cells(row)
    for index in TEXT_CELLS:
        text = cells[index]
        if text and text.startswith(FORMULA_STARTS):
            cells[index] = "'" + text
    cells[PUBLISHED_CELL] = utc_text(cells[PUBLISHED_CELL])
    # The writer quotes a cell holding a character of its line terminator: keep "\r\n"
    # (as the reference writer does) and take it off after.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(cells[:URL_CELL])
    head = buffer.getvalue()[:-2] + ","
    buffer.seek(0)
    buffer.truncate()
    writer.writerow(cells[URL_CELL + 1 :])
    return head, "," + buffer.getvalue()[:-2]


def write_csv_parts(rows: Iterable[PublicIncident]) -> None:
    """Store each row's CSV parts (the batch calls this for every row it keeps; a part is
    assigned only when it changed, so an unchanged row is not written again)."""
    for row in rows:
        head, tail = csv_parts(row)
        if row.csv_head != head:
            row.csv_head = head
        if row.csv_tail != tail:
            row.csv_tail = tail


def _stored_or_built(*, base_url: str, dialect: str) -> ColumnElement[str]:
    """The stored parts around the URL; the SQL-built line for a row not yet written."""
    prefix = f"{base_url.rstrip('/')}/incidents/"
    needs_quotes = any(c in prefix for c in ',"\n\r')
    opening = '"' + prefix.replace('"', '""') if needs_quotes else prefix
    closing = '"' if needs_quotes else ""
    stored = (
        PublicIncident.csv_head
        + literal(opening)
        + PublicIncident.code
        + literal(closing)
        + PublicIncident.csv_tail
    )
    built = line_expression(base_url=base_url, dialect=dialect)
    return case((PublicIncident.csv_head == "", built), else_=stored)


def database_csv_chunks(
    session: Session, filters: RegisterFilters, *, base_url: str, hxl: bool = False
) -> Iterator[bytes]:
    """The CSV (or HXL) export of the filtered register, in the register's order, in chunks
    of about ``CHUNK_BYTES``; the rows are streamed (constant memory)."""
    dialect = session.get_bind().dialect.name
    line = _stored_or_built(base_url=base_url, dialect=dialect)
    query = filtered_incidents(filters).with_only_columns(line)
    # Through the connection: plain rows of one string, no ORM loading (a quarter faster);
    # streamed (a server-side cursor on PostgreSQL), so memory stays flat.
    streamed = query.execution_options(stream_results=True, max_row_buffer=FETCH)
    result = session.connection().execute(streamed)
    lines = header_lines(hxl=hxl)
    size = sum(len(text) for text in lines)
    for (text,) in result:
        lines.append(text + "\r\n")
        size += len(text) + 2
        if size >= CHUNK_BYTES:
            yield "".join(lines).encode("utf-8")
            lines, size = [], 0
    if lines:
        yield "".join(lines).encode("utf-8")
