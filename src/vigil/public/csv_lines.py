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
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import reduce
from typing import Any

from sqlalchemy import String, case, cast, func, literal, or_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from vigil.public.exports import CHUNK_BYTES, FORMULA_STARTS, header_lines
from vigil.public.open_data import FIELD_NAMES
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


def database_csv_chunks(
    session: Session, filters: RegisterFilters, *, base_url: str, hxl: bool = False
) -> Iterator[bytes]:
    """The CSV (or HXL) export of the filtered register, in the register's order, in chunks
    of about ``CHUNK_BYTES``; the rows are streamed (constant memory)."""
    dialect = session.get_bind().dialect.name
    line = line_expression(base_url=base_url, dialect=dialect)
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
