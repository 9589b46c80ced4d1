"""``vigil export``: the corporate registry out, as line-delimited FollowTheMoney.

(``vigil import ftm`` and ``vigil import companies`` live in ``vigil.imports``: every import
is recorded as an import run there.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer
from sqlalchemy.orm import Session

from vigil.core.config import load_settings
from vigil.core.db import database_session
from vigil.core.errors import Invalid

export_app = typer.Typer(help="Export the corporate registry.", no_args_is_help=True)


@export_app.command("ftm")
def export_ftm_command(
    file: Annotated[str, typer.Argument(help="File to write, or - for standard output.")] = "-",
) -> None:
    """Write the registry as line-delimited FollowTheMoney entities."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        if file == "-":
            count = _write_entities(session, sys.stdout)
        else:
            try:
                with Path(file).open("w", encoding="utf-8") as handle:
                    count = _write_entities(session, handle)
            except OSError as error:
                raise Invalid(f"Cannot write {file}: {error.strerror}.") from None
    typer.echo(f"Exported {count} entities.", err=file == "-")


def _write_entities(session: Session, out: TextIO) -> int:
    from vigil.companies.ftm_export import export_registry

    count = 0
    for entity in export_registry(session):
        out.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count
