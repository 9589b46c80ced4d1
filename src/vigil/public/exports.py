"""Bulk exports of the register: CSV, JSON Lines, HXL-tagged CSV, and the Frictionless Data
Package that describes the CSV.

Each writer is a generator of encoded chunks fed by :func:`vigil.public.open_data.iter_cells`
(keyset batches), so an export of a million rows holds one batch and one chunk in memory
and the first bytes leave before the last row is read. The HTTP routes and ``vigil export
incidents`` use the same writers, so a download and a file written by the command are the
same bytes for the same data.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vigil.public.open_data import FIELD_NAMES, FIELDS, LIST_SEPARATOR
from vigil.public.register import vocabulary_codes
from vigil.public.register_models import ResponseStatus

#: A chunk is sent once it holds this many bytes (or the rows run out).
CHUNK_BYTES = 64 * 1024
FORMATS = ("csv", "jsonl")


@dataclass(frozen=True)
class Licence:
    spdx: str
    title: str
    url: str | None


KNOWN_LICENCES = {
    "CC-BY-4.0": (
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "CC-BY-SA-4.0": (
        "Creative Commons Attribution-ShareAlike 4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC0-1.0": ("Creative Commons Zero 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": (
        "Open Data Commons Open Database License 1.0",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
}


def licence_for(spdx: str) -> Licence:
    """The licence named by ``VIGIL_PUBLIC_DATA_LICENCE``: a known one gets its name and
    link, any other is stated as written."""
    title, url = KNOWN_LICENCES.get(spdx, (spdx, None))
    return Licence(spdx=spdx, title=title, url=url)


def licence_statement(licence: Licence) -> str:
    """One sentence, the same in every export and page (English: it travels with the data)."""
    where = f" ({licence.url})" if licence.url else ""
    return (
        f"Data from the Vigil public register, de-identified, published under {licence.title}"
        f" [{licence.spdx}]{where}."
    )


#: A cell starting with one of these is read as a formula by spreadsheet programs (OWASP
#: "CSV injection"): a summary or a company's name could make a reader's spreadsheet run a
#: command or send data away.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would take it for a formula; the
    CSV exports only (JSON Lines and the API keep values as they are)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: Cells that hold free text (the rest are numbers, dates and codes from closed lists): the
#: only ones a spreadsheet formula could hide in.
TEXT_CELLS = tuple(FIELD_NAMES.index(name) for name in ("title", "place", "companies", "summary"))
PUBLISHED_CELL = FIELD_NAMES.index("published_at")
LIST_CELLS = tuple(i for i, field in enumerate(FIELDS) if field.is_list)
DATE_CELL = FIELD_NAMES.index("date")


def header_lines(*, hxl: bool = False) -> list[str]:
    """The CSV's header line (and, for HXL, the line of hashtags under it), with their breaks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([field.name for field in FIELDS])
    if hxl:
        writer.writerow([field.hxl for field in FIELDS])
    return buffer.getvalue().splitlines(keepends=True)


def csv_chunks(cells: Iterable[tuple[Any, ...]], *, hxl: bool = False) -> Iterator[bytes]:
    """RFC 4180 CSV, UTF-8, a header row (and, for HXL, a row of hashtags under it); a
    cell a spreadsheet would run as a formula starts with ``'`` (:func:`spreadsheet_safe`).
    One writer over one buffer, sent every ``CHUNK_BYTES``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("".join(header_lines(hxl=hxl)))
    for row in cells:
        values = list(row)
        for index in TEXT_CELLS:
            text = values[index]
            if text and text.startswith(FORMULA_STARTS):
                values[index] = "'" + text
        values[PUBLISHED_CELL] = utc_text(values[PUBLISHED_CELL])
        writer.writerow(values)  # None and "" are written as empty cells, dates in ISO form
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def json_object(row: tuple[Any, ...]) -> dict[str, Any]:
    """A row of cells as the JSON exports give it: lists as arrays, empty values null."""
    values: list[Any] = [value if value != "" else None for value in row]
    for index in LIST_CELLS:
        values[index] = row[index].split(LIST_SEPARATOR) if row[index] else []
    values[PUBLISHED_CELL] = utc_text(row[PUBLISHED_CELL])
    if row[DATE_CELL] is not None:
        values[DATE_CELL] = row[DATE_CELL].isoformat()
    return dict(zip(FIELD_NAMES, values, strict=True))


def jsonl_chunks(cells: Iterable[tuple[Any, ...]]) -> Iterator[bytes]:
    """One JSON object a line; lists stay arrays, absent values are null."""
    lines: list[str] = []
    size = 0
    for row in cells:
        line = json.dumps(json_object(row), ensure_ascii=False) + "\n"
        lines.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield "".join(lines).encode("utf-8")
            lines, size = [], 0
    if lines:
        yield "".join(lines).encode("utf-8")


def export_chunks(fmt: str, cells: Iterable[tuple[Any, ...]]) -> Iterator[bytes]:
    if fmt == "csv":
        return csv_chunks(cells)
    if fmt == "jsonl":
        return jsonl_chunks(cells)
    raise ValueError(f"unknown format {fmt!r}")


def _constraints(name: str, required: bool) -> dict[str, Any]:
    constraints: dict[str, Any] = {"required": True} if required else {}
    patterns = {
        "code": r"[A-Za-z0-9_-]{1,16}",
        "country": r"[A-Z]{2}",
        "region": r"[A-Z]{2}-[A-Z0-9]{1,3}",
    }
    list_vocabulary = {
        "attack_types": "attack_type",
        "defender_types": "defender_type",
        "genders": "gender_identity",
    }
    if name in patterns:
        constraints["pattern"] = patterns[name]
    if name == "code":
        constraints["unique"] = True
    if name == "year":
        constraints.update(minimum=1900, maximum=2200)
    if name == "month":
        constraints.update(minimum=1, maximum=12)
    if name == "sector":
        constraints["enum"] = sorted(vocabulary_codes("sector"))
    if name == "response_status":
        constraints["enum"] = [str(status) for status in ResponseStatus]
    if name in list_vocabulary:
        codes = "|".join(sorted(vocabulary_codes(list_vocabulary[name])))
        constraints["pattern"] = f"({codes})(;({codes}))*"
    return constraints


def table_schema() -> dict[str, Any]:
    """The CSV's Table Schema (Frictionless), built from :data:`FIELDS`."""
    fields = []
    for field in FIELDS:
        entry: dict[str, Any] = {
            "name": field.name,
            "type": field.type,
            "description": field.description
            + (" Several values are separated by ';'." if field.is_list else ""),
        }
        if field.type == "datetime":
            entry["format"] = "%Y-%m-%dT%H:%M:%SZ"
        constraints = _constraints(field.name, field.required)
        if constraints:
            entry["constraints"] = constraints
        fields.append(entry)
    return {"fields": fields, "primaryKey": ["code"], "missingValues": [""]}


def data_package(*, base_url: str, licence: Licence, min_cell: int) -> dict[str, Any]:
    """``datapackage.json``: the CSV as a tabular resource (a relative path, so the package
    validates beside a downloaded copy of the CSV as well as online)."""
    licence_entry: dict[str, Any] = {"name": licence.spdx, "title": licence.title}
    if licence.url:
        licence_entry["path"] = licence.url
    return {
        "name": "vigil-register",
        "title": "Vigil public register: attacks on human rights defenders linked to business",
        "description": (
            "One de-identified row per published incident: no defender's name without consent, "
            "no place finer than the region and no exact day unless every victim allowed it. "
            f"Aggregates in regions.geojson withhold counts below {min_cell}."
        ),
        "homepage": f"{base_url.rstrip('/')}/data",
        "licenses": [licence_entry],
        "licence_statement": licence_statement(licence),
        "resources": [
            {
                "name": "incidents",
                "path": "incidents.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema(),
            }
        ],
    }
