"""Writes the small messy source files in this folder, byte for byte (run it to rebuild them:
``python tests/imports/files/make_files.py``). Each shows one way real exports go wrong;
tests/imports/reading/ reads them. Every name and event in them is fictional."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent

ROWS = [
    ("1", "José Núñez", "Colombia", "03/04/2019"),
    ("2", "Françoise Lemaître", "Perú", "25/12/2018"),
    ("3", "Conceição Araújo", "Brasil", "2020"),
]


def _csv(rows: list[tuple[str, ...]], *, sep: str = ",", end: str = "\n") -> str:
    header = sep.join(("id", "nombre", "país", "fecha"))
    return end.join([header, *(sep.join(row) for row in rows)]) + end


FILES: dict[str, bytes] = {
    # Saved by Excel on Windows in a Western locale: Windows-1252, CRLF.
    "cp1252.csv": _csv(ROWS, end="\r\n").encode("cp1252"),
    # An older system's ISO-8859-1 export, semicolon-separated.
    "latin1.csv": _csv(ROWS, sep=";").encode("latin-1"),
    # Excel's "Unicode text": UTF-16 little-endian with a byte-order mark, tab-separated.
    "utf16_bom.csv": _csv(ROWS, sep="\t", end="\r\n").encode("utf-16"),
    # UTF-8 with a byte-order mark (Excel's "CSV UTF-8"): the first column is still "id".
    "utf8_bom.csv": _csv(ROWS).encode("utf-8-sig"),
    # Old-Mac line breaks (a lone CR), also inside a quoted cell, and no final line break.
    "old_mac.csv": (
        'id,nombre,notas\r1,Ana,"primera línea\rsegunda línea"\r2,Luis,sin notas'
    ).encode(),
    # Windows line breaks, a quoted cell over three lines, then rows with too many and too
    # few cells: their problems name the lines they start on (7 and 8), a blank line skipped,
    # and a trailing empty cell that is no problem.
    "multiline_crlf.csv": (
        b'id,nombre,notas\r\n1,Ana,"uno\r\ndos\r\ntres"\r\n\r\n2,Luis,ok\r\n'
        b"3,Rosa,x,y\r\n4,Marta\r\n5,Pedro,ok,\r\n"
    ),
    # UTF-8 assembled from two sources: one Windows-1252 byte on line 4, after a two-line
    # quoted cell; the row is kept with U+FFFD and the line is reported.
    "stray_byte.csv": (
        b'id,nombre,notas\n1,Ana,"uno\ndos"\n2,Ren' + b"\xe9" + ",ok\n3,José Núñez,ok\n".encode()
    ),
    # JSON lines from another system: a list, a broken line and a blank line among objects.
    "broken.jsonl": (
        '{"id": 1, "nombre": "Ana", "edad": 34.0}\n[1, 2]\n{"id": 2, "nombre": \n\n'
        '{"id": 3, "nombre": "Luis", "pais": "Perú", "verificado": true}\nnull\n'
    ).encode(),
}


def main() -> None:
    for name, content in FILES.items():
        (HERE / name).write_bytes(content)


if __name__ == "__main__":
    main()
