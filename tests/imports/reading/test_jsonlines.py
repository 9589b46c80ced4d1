"""JSON lines: one object per line; anything else is reported with its line and skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.core.errors import Invalid
from vigil.imports.reading import open_rows

FILES = Path(__file__).parent.parent / "files"


def test_lines_that_are_not_objects_or_not_json_are_reported_with_their_line() -> None:
    with open_rows(FILES / "broken.jsonl") as reader:
        rows = list(reader)
    assert [(row.line, row.values["nombre"]) for row in rows] == [(1, "Ana"), (5, "Luis")]
    assert [(p.line, p.kind) for p in reader.problems] == [
        (2, "not_an_object"),
        (3, "malformed"),
        (6, "not_an_object"),
    ]
    assert reader.problems[1].message.startswith("Line 3 is not valid JSON")
    assert "JSON list" in reader.problems[0].message


def test_values_read_as_a_csv_export_and_columns_hold_every_key_from_the_start() -> None:
    with open_rows(FILES / "broken.jsonl") as reader:
        assert reader.columns == ["id", "nombre", "edad", "pais", "verificado"]
        first, second = list(reader)
        assert first.values["edad"] == "34"  # 34.0 has no ".0"
        assert first.values["pais"] == ""  # a key only a later object has
        assert second.values == {
            "id": "3",
            "nombre": "Luis",
            "edad": "",
            "pais": "Perú",
            "verificado": "true",
        }


def test_nested_values_are_kept_as_json_and_crlf_lines_read(tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson"
    path.write_bytes(b'{"id": 1, "tags": ["a", "\xc3\xb1"], "geo": {"lat": 1.5}}\r\n{"id": 2}')
    with open_rows(path) as reader:
        rows = list(reader)
    assert rows[0].values == {"id": "1", "tags": '["a", "ñ"]', "geo": '{"lat": 1.5}'}
    assert [row.line for row in rows] == [1, 2]


def test_an_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    for content in ("\n\n", "[1]\nnull\n{bad\n"):
        path.write_text(content)
        with pytest.raises(Invalid, match="no JSON object with named fields"):
            open_rows(path)
