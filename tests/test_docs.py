"""README.md documents every setting and every command (so an operator never has to read code)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from vigil.cli import app
from vigil.core.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def command_paths() -> list[str]:
    """`vigil <command>` and `vigil <group> <command>` for every leaf of the command tree."""
    paths: list[str] = []

    def walk(command, prefix: str) -> None:  # typer vendors click: duck-type groups
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, f"{prefix} {name}")
        else:
            paths.append(prefix)

    walk(typer.main.get_command(app), "vigil")
    return paths


def test_the_command_tree_is_walked():
    paths = command_paths()
    assert "vigil serve" in paths
    assert "vigil db upgrade" in paths
    assert "vigil users create" in paths
    assert "vigil db" not in paths  # groups are not leaves
    assert len(paths) >= 6


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field):
    assert f"`VIGIL_{field.upper()}`" in README


@pytest.mark.parametrize("path", command_paths())
def test_every_command_is_documented(path):
    assert f"`{path}" in README
