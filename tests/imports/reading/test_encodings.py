"""Files not in UTF-8 are read in their own encoding; bytes that cannot be decoded are
reported with their line, never a crash (the small files are in tests/imports/files/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.core.errors import Invalid
from vigil.imports.reading import open_rows
from vigil.imports.reading.text import detect_encoding

FILES = Path(__file__).parent.parent / "files"
NAMES = ["José Núñez", "Françoise Lemaître", "Conceição Araújo"]


def read(path: Path, **options: str):
    with open_rows(path, **options) as reader:
        rows = list(reader)
    return reader, rows


@pytest.mark.parametrize(
    ("name", "encodings"),
    [
        ("cp1252.csv", {"cp1252"}),
        ("latin1.csv", {"cp1252", "iso8859-1"}),  # identical for these letters
        ("utf16_bom.csv", {"utf-16"}),
        ("utf8_bom.csv", {"utf-8-sig"}),
    ],
)
def test_a_file_not_in_utf8_reads_with_its_accents(name: str, encodings: set[str]) -> None:
    reader, rows = read(FILES / name)
    assert reader.encoding in encodings
    assert reader.columns == ["id", "nombre", "país", "fecha"]  # no BOM glued to "id"
    assert [row.values["nombre"] for row in rows] == NAMES
    assert [row.line for row in rows] == [2, 3, 4]
    assert reader.problems == []


def test_undecodable_bytes_are_replaced_and_reported_on_their_physical_line() -> None:
    reader, rows = read(FILES / "stray_byte.csv")
    assert reader.encoding == "utf-8"  # one stray byte does not turn the file into cp1252
    assert [row.values["nombre"] for row in rows] == ["Ana", "Ren\ufffd", "José Núñez"]
    assert [row.line for row in rows] == [2, 4, 5]
    assert [(p.line, p.kind) for p in reader.problems] == [(4, "undecodable")]
    assert "Line 4" in reader.problems[0].message


def test_a_declared_encoding_wins_over_detection(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("id,nombre\n1,Ñandú\n".encode("cp1252"))
    reader, rows = read(path, encoding="latin-1")
    assert reader.encoding == "iso8859-1"
    assert rows[0].values["nombre"] == "Ñandú"


def test_an_unknown_declared_encoding_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id\n1\n")
    with pytest.raises(Invalid, match="Unknown text encoding 'klingon'"):
        open_rows(path, encoding="klingon")


def test_a_late_non_utf8_byte_is_found_past_the_first_chunk(tmp_path: Path) -> None:
    """Detection scans the whole file, not only its start: an accent on line 5,000 in an
    otherwise ASCII Windows-1252 file makes the file Windows-1252."""
    path = tmp_path / "late.csv"
    lines = ["id,nombre"] + [f"{n},Ana" for n in range(5000)] + ["5000,Muñoz"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    assert detect_encoding(path) == "cp1252"
    reader, rows = read(path)
    assert rows[-1].values["nombre"] == "Muñoz"
    assert rows[-1].line == 5002
    assert reader.problems == []


#: Detection is statistical: it is shown names as people write them, not "ÁÁÁ".
REALISTIC = [
    "José Núñez",
    "María Peña",
    "Françoise Lemaître",
    "Conceição Araújo",
    "Joël Bœuf",
    "Ana Gómez",
    "Luis Pérez",
    "Zoë O'Brien",
    "João Gonçalves",
    "Inés Ibáñez",
    "Peter Smith",
]


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(st.sampled_from(REALISTIC), min_size=1, max_size=8),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_any_names_written_in_an_encoding_read_back_unchanged(
    tmp_path_factory: pytest.TempPathFactory, names: list[str], encoding: str
) -> None:
    path = tmp_path_factory.mktemp("enc") / "names.csv"
    body = "".join(f'{n},"{name}"\r\n' for n, name in enumerate(names))
    path.write_bytes(f"n,nombre\r\n{body}".encode(encoding))
    reader, rows = read(path)
    assert [row.values["nombre"] for row in rows] == [name.strip() for name in names]
    assert reader.problems == []
