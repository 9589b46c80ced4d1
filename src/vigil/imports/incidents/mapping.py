"""Mapping files: which column of a spreadsheet feeds which incident field, and how the file's
own words translate into Vigil's vocabularies.

A mapping is TOML or YAML with the same shape (``docs/imports/``)::

    [source]                       # optional
    name = "Killings 2012-2020"    # the provenance shown on every incident (default: file name)
    kind = "partner_ngo"           # the Source row's kind (default "other")
    status = "received"            # or "verified" (see docs/imports/README.md)

    [columns]
    id = "ID"                                   # the stable source key of a row
    date = { column = "Fecha", order = "DMY" }  # or format = "%d/%m/%Y"; or year/month/day
    country = "País"
    attack_type = { column = "Agresiones", split = ";" }   # one act per value

    [values.attack_type]
    "asesinato" = "killing"
    "sin dato" = ""                # an empty code: this value means "nothing said"

Mistakes are refused before any row is read, with the mapping's line when it can be found
(``tomllib`` and PyYAML's ``safe_load`` keep no positions, so the key is searched for in the
text): a typo in a field name must never silently drop a column from thousands of rows.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml

from vigil.core.errors import Invalid
from vigil.incidents.editing import SOURCE_KINDS
from vigil.incidents.identifying import fold

#: Fields a column may feed. ``date`` takes one column with an order or a format; ``year``,
#: ``month`` and ``day`` take the parts instead.
FIELDS = (
    "id",
    "title",
    "summary",
    "date",
    "year",
    "month",
    "day",
    "country",
    "region",
    "place",
    "victim_name",
    "victim_alias",
    "gender",
    "age",
    "defender_type",
    "attack_type",
    "sector",
    "perpetrator_type",
    "company",
    "source_url",
    "source_name",
)
#: Fields whose values are vocabulary codes, and the vocabulary they come from.
VOCABULARY_OF = {
    "attack_type": "attack_type",
    "sector": "sector",
    "perpetrator_type": "perpetrator_type",
    "defender_type": "defender_type",
    "gender": "gender_identity",
}
#: Fields that may hold several values in one cell (``split``): one act per attack type.
LIST_FIELDS = frozenset({"attack_type", "perpetrator_type", "defender_type", "gender"})
#: Fields a ``[values.<field>]`` table may translate.
VALUE_FIELDS = frozenset(VOCABULARY_OF) | {"country", "region", "company"}
DATE_ORDERS = ("DMY", "MDY", "YMD")
#: Statuses an imported record may be given (docs/imports/README.md says why these two).
IMPORT_STATUSES = ("received", "verified")
SOURCE_KEYS = frozenset({"name", "kind", "status", "format", "sheet", "delimiter"})
FORMATS = ("csv", "xlsx", "jsonl")


def folded(text: str) -> str:
    """How a file's word is compared with a mapping entry or a vocabulary label: case,
    accents and spacing do not matter ("Asesinato ", "ASESINATO" and "asesináto" are one)."""
    return " ".join(fold(text).split())


@dataclass(frozen=True)
class ColumnSpec:
    field: str
    column: str
    line: int | None = None
    order: str | None = None
    format: str | None = None
    split: str | None = None


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, ColumnSpec]
    #: field → folded file value → Vigil code ("" means the value says nothing).
    values: dict[str, dict[str, str]]
    #: (field, folded file value) → the mapping line of that entry.
    value_lines: dict[tuple[str, str], int | None] = field(default_factory=dict)
    source_name: str | None = None
    source_kind: str = "other"
    status: str = "received"
    format: str | None = None
    sheet: str | None = None
    delimiter: str | None = None
    text: str = ""

    def column(self, name: str) -> str | None:
        spec = self.columns.get(name)
        return spec.column if spec else None


class MappingText:
    """The mapping's text, to say on which line a key was written."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line_of(self, key: str, *, after: int | None = None) -> int | None:
        pattern = re.compile(rf"""^\s*(-\s*)?["']?{re.escape(key)}["']?\s*[=:]""")
        start = after or 0
        for number, line in enumerate(self.lines[start:], start=start + 1):
            if pattern.match(line):
                return number
        return None

    def section_line(self, *names: str) -> int | None:
        """The line a ``[a.b]`` table (TOML) or an ``a:`` block (YAML) starts on."""
        dotted = re.escape(".".join(names))
        toml = re.compile(rf"""^\s*\[\s*{dotted}\s*\]""")
        for number, line in enumerate(self.lines, start=1):
            if toml.match(line):
                return number
        line_no: int | None = None
        for name in names:
            line_no = self.line_of(name, after=line_no)
            if line_no is None:
                return None
        return line_no


def where(line: int | None) -> str:
    return f"Mapping line {line}: " if line else "Mapping: "


def load_mapping_text(text: str, *, name: str) -> dict[str, Any]:
    """The mapping's data; YAML for ``.yaml``/``.yml`` files, TOML otherwise."""
    if name.lower().endswith((".yaml", ".yml")):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            # An unclosed bracket is noticed at the end of the text: name where it opened.
            mark = getattr(error, "problem_mark", None)
            if mark is None or mark.line >= len(text.splitlines()):
                mark = getattr(error, "context_mark", None) or mark
            line = mark.line + 1 if mark is not None else None
            problem = getattr(error, "problem", None) or "not valid YAML"
            raise Invalid(f"{where(line)}{problem}.") from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise Invalid(f"Mapping: not valid TOML ({error}).") from None
    if not isinstance(data, dict):
        raise Invalid("Mapping: expected tables named [columns] and [values.<field>].")
    return data


def parse_mapping(text: str, *, name: str = "mapping.toml") -> Mapping:
    """Read and check a mapping's shape (vocabulary codes are checked against the database
    by ``vocabulary.check_codes``, columns against the file by ``check_columns``)."""
    data = load_mapping_text(text, name=name)
    where_is = MappingText(text)
    unknown = set(data) - {"columns", "values", "source"}
    if unknown:
        key = sorted(unknown)[0]
        raise Invalid(
            f"{where(where_is.line_of(key) or where_is.section_line(key))}unknown table "
            f"{key!r} (expected [source], [columns] and [values.<field>])."
        )
    source = _table(data, "source", where_is)
    columns = _columns(_table(data, "columns", where_is), where_is)
    values, lines = _values(_table(data, "values", where_is), where_is)
    for value_field in values:
        if value_field not in columns:
            raise Invalid(
                f"{where(where_is.section_line('values', value_field))}[values.{value_field}] "
                f"translates a field no column feeds: add {value_field} to [columns]."
            )
    settings = _source(source, where_is)
    return Mapping(columns=columns, values=values, value_lines=lines, text=text, **settings)


def _table(data: dict[str, Any], key: str, where_is: MappingText) -> dict[str, Any]:
    table = data.get(key) or {}
    if not isinstance(table, dict):
        raise Invalid(f"{where(where_is.section_line(key))}[{key}] must be a table.")
    return table


def _source(table: dict[str, Any], where_is: MappingText) -> dict[str, Any]:
    for key in table:
        if key not in SOURCE_KEYS:
            raise Invalid(
                f"{where(where_is.line_of(key))}unknown setting {key!r} in [source] "
                f"(known: {', '.join(sorted(SOURCE_KEYS))})."
            )
    checks = {"kind": SOURCE_KINDS, "status": IMPORT_STATUSES, "format": FORMATS}
    for key, allowed in checks.items():
        if key in table and table[key] not in allowed:
            raise Invalid(
                f"{where(where_is.line_of(key))}{key} must be one of {', '.join(allowed)}, "
                f"not {table[key]!r}."
            )
    delimiter = table.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise Invalid(f"{where(where_is.line_of('delimiter'))}delimiter must be one character.")
    return {
        "source_name": _text_or_none(table.get("name")),
        "source_kind": table.get("kind", "other"),
        "status": table.get("status", "received"),
        "format": table.get("format"),
        "sheet": _text_or_none(table.get("sheet")),
        "delimiter": delimiter,
    }


def _text_or_none(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None


def _columns(table: dict[str, Any], where_is: MappingText) -> dict[str, ColumnSpec]:
    if not table:
        raise Invalid("Mapping: [columns] is missing: name the column of each field.")
    specs = {name: _column(name, value, where_is) for name, value in table.items()}
    _check_dates(specs)
    for required in ("country", "attack_type"):
        if required not in specs:
            raise Invalid(
                f"Mapping: [columns] needs {required} "
                f"(every incident has a {required.replace('_', ' ')})."
            )
    return specs


def _column(name: str, value: Any, where_is: MappingText) -> ColumnSpec:
    line = where_is.line_of(name)
    if name not in FIELDS:
        raise Invalid(f"{where(line)}unknown field {name!r} (known fields: {', '.join(FIELDS)}).")
    if isinstance(value, str):
        options: dict[str, Any] = {"column": value}
    elif isinstance(value, dict):
        options = dict(value)
    else:
        raise Invalid(f'{where(line)}{name} must name a column, e.g. {name} = "Column title".')
    unknown = set(options) - {"column", "order", "format", "split"}
    column = str(options.get("column") or "").strip()
    if unknown or not column:
        raise Invalid(
            f"{where(line)}{name} takes column, and for a date order or format"
            f"{', and split' if name in LIST_FIELDS else ''}"
            + (f" (not {', '.join(sorted(unknown))})." if unknown else "; column is missing.")
        )
    spec = ColumnSpec(
        field=name,
        column=column,
        line=line,
        order=options.get("order"),
        format=options.get("format"),
        split=options.get("split"),
    )
    _check_options(spec)
    return spec


def _check_options(spec: ColumnSpec) -> None:
    at = where(spec.line)
    if spec.field == "date":
        if (spec.order is None) == (spec.format is None):
            raise Invalid(
                f'{at}say how the dates are written: date = {{ column = "{spec.column}", '
                f'order = "DMY" }} (or MDY, YMD), or format = "%d/%m/%Y" — never guessed.'
            )
        if spec.order is not None and spec.order not in DATE_ORDERS:
            raise Invalid(f"{at}order must be one of {', '.join(DATE_ORDERS)}, not {spec.order!r}.")
        if spec.format is not None and "%" not in str(spec.format):
            raise Invalid(f"{at}format must be a strftime pattern such as %d/%m/%Y.")
    elif spec.order is not None or spec.format is not None:
        raise Invalid(f"{at}only date takes an order or a format.")
    if spec.split is not None and (spec.field not in LIST_FIELDS or not spec.split):
        raise Invalid(
            f"{at}split applies to {', '.join(sorted(LIST_FIELDS))} only, with a separator."
        )


def _check_dates(specs: dict[str, ColumnSpec]) -> None:
    parts = [name for name in ("year", "month", "day") if name in specs]
    if "date" in specs and parts:
        raise Invalid(f"{where(specs['date'].line)}map either date or year/month/day, not both.")
    if parts and "year" not in parts:
        raise Invalid(f"{where(specs[parts[0]].line)}{parts[0]} needs a year column too.")
    if "day" in specs and "month" not in specs:
        raise Invalid(f"{where(specs['day'].line)}day needs a month column too.")


def _values(
    table: dict[str, Any], where_is: MappingText
) -> tuple[dict[str, dict[str, str]], dict[tuple[str, str], int | None]]:
    values: dict[str, dict[str, str]] = {}
    lines: dict[tuple[str, str], int | None] = {}
    for name, entries in table.items():
        section = where_is.section_line("values", name)
        if name not in VALUE_FIELDS:
            raise Invalid(
                f"{where(section)}[values.{name}]: {name!r} takes no value table "
                f"(only {', '.join(sorted(VALUE_FIELDS))})."
            )
        if not isinstance(entries, dict):
            raise Invalid(f"{where(section)}[values.{name}] must map the file's words to codes.")
        translated = values.setdefault(name, {})
        for word, code in entries.items():
            line = where_is.line_of(str(word), after=section) if section else None
            if not isinstance(code, str):
                raise Invalid(f"{where(line)}{word!r} must map to a code in quotes.")
            key = folded(str(word))
            if key in translated and translated[key] != code.strip():
                raise Invalid(f"{where(line)}{word!r} is mapped twice, to different codes.")
            translated[key] = code.strip()
            lines[(name, key)] = line
    return values, lines


def check_columns(mapping: Mapping, columns: list[str]) -> dict[str, str]:
    """The file's column feeding each mapped field. Every mapped column must exist (compared
    as written, then ignoring case, accents and spacing, which spreadsheets change freely)."""
    by_fold = {folded(column): column for column in reversed(columns)}
    found: dict[str, str] = {}
    for spec in mapping.columns.values():
        column = spec.column if spec.column in columns else by_fold.get(folded(spec.column))
        if column is None:
            raise Invalid(
                f"{where(spec.line)}column {spec.column!r} ({spec.field}) is not in the file "
                f"(its columns: {', '.join(columns) or 'none'})."
            )
        found[spec.field] = column
    return found
