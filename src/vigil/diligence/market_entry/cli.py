"""``vigil report market-entry``: the pre-market-entry report as a PDF or HTML file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from vigil.core.config import load_settings
from vigil.core.db import database_session
from vigil.core.errors import Invalid
from vigil.core.i18n import LOCALES

report_app = typer.Typer(help="Due-diligence reports.", no_args_is_help=True)


@report_app.command("market-entry")
def market_entry_command(
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 code, e.g. CO.")],
    sector: Annotated[str, typer.Option(help="Sector code, e.g. mining.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write: .pdf or .html.")],
    language: Annotated[str, typer.Option(help="en, es, fr or pt.")] = "en",
    project: Annotated[int | None, typer.Option(help="A registry project's id.")] = None,
    partner: Annotated[
        list[int] | None, typer.Option(help="A partner company's registry id (repeatable).")
    ] = None,
) -> None:
    """Write the pre-market-entry report for a country and a sector."""
    from vigil.diligence.market_entry.render import render_html, render_pdf
    from vigil.diligence.market_entry.report import build_market_entry

    if language not in LOCALES:
        raise Invalid(f"--language must be one of {', '.join(LOCALES)}.")
    suffix = output.suffix.lower()
    if suffix not in (".pdf", ".html"):
        raise Invalid("--output must end in .pdf or .html.")
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        report = build_market_entry(
            session,
            country=country,
            sector=sector,
            locale=language,
            min_cell=settings.public_min_cell,
            today=datetime.now(UTC).date(),
            project_id=project,
            partners=partner or (),
        )
        html = render_html(report, locale=language)
    data = render_pdf(html) if suffix == ".pdf" else html.encode("utf-8")
    try:
        output.write_bytes(data)
    except OSError as error:
        raise Invalid(f"Cannot write {output}: {error.strerror}.") from None
    typer.echo(f"Wrote {output} ({len(data):,} bytes).")
