"""Fixture files with the published layouts, and variants of them broken on purpose."""

from __future__ import annotations

from pathlib import Path

FILES = Path(__file__).with_name("files")


def variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the fixture ``name`` with ``old`` replaced by ``new`` (once, and it must be
    there: a test that changes nothing would prove nothing)."""
    text = (FILES / name).read_text(encoding="utf-8-sig")
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path
