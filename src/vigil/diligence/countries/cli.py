"""``vigil import country-scores`` and ``vigil diligence``: the country reference data.

Reference data is global (not per organisation), so only whoever runs the command line on
the server, an administrator, changes it here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vigil.core.config import load_settings
from vigil.core.db import database_session
from vigil.core.errors import Invalid
from vigil.diligence.countries.importer import import_country_scores
from vigil.diligence.countries.reference import load_reference
from vigil.diligence.countries.service import set_country_flag

diligence_app = typer.Typer(help="Due diligence: country reference data.", no_args_is_help=True)


def import_country_scores_command(
    file: Annotated[Path, typer.Argument(help="The published file (CSV or XLSX).")],
    source: Annotated[str, typer.Option("--source", help="wjp, wgi or civic-space.")],
    year: Annotated[
        int | None, typer.Option("--year", help="Import only this year of the file.")
    ] = None,
    skip_unknown: Annotated[
        bool,
        typer.Option(
            "--skip-unknown-countries",
            help="Skip codes that name no country (World Bank regional aggregates) instead "
            "of refusing the file.",
        ),
    ] = False,
    demo: Annotated[
        bool, typer.Option("--demo", help="Mark the values as demo values on every page.")
    ] = False,
) -> None:
    """Import rule-of-law, governance or civic-space scores from a published file. The
    whole file is refused if any cell is wrong; importing a year again replaces it."""
    if not file.is_file():
        raise Invalid(f"{file}: no such file.")
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        result = import_country_scores(
            session, path=file, source=source, year=year, is_demo=demo, skip_unknown=skip_unknown
        )
    years = ", ".join(str(y) for y in result.years)
    typer.echo(
        f"Imported {result.values} {result.source} values for {result.countries} countries "
        f"({years})."
    )
    if result.skipped:
        typer.echo(f"Skipped, not countries: {', '.join(result.skipped)}.")


@diligence_app.command("load-reference")
def load_reference_command(
    demo: Annotated[
        bool, typer.Option("--demo", help="Also load the marked demo WJP and civic-space values.")
    ] = False,
) -> None:
    """Load the reference data shipped with Vigil (World Bank WGI 2015–2023, legal flags)."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        written = load_reference(session, demo=demo)
    typer.echo(f"Country reference data loaded: {written} values and flags.")


@diligence_app.command("set-flag")
def set_flag_command(
    country: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-2 code.")],
    flag: Annotated[
        str,
        typer.Argument(
            help="hrd_protection_law_or_mechanism, nbap_business_human_rights, "
            "mandatory_hrdd_law, anti_slapp_protection or escazu_party."
        ),
    ],
    status: Annotated[str, typer.Option("--status", help="yes, no, partial or pending.")],
    source: Annotated[str, typer.Option("--source", help="The law, treaty record or list.")],
    url: Annotated[str, typer.Option("--url", help="Where the source can be read.")] = "",
    year: Annotated[int | None, typer.Option("--year", help="Year of the law or act.")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    demo: Annotated[bool, typer.Option("--demo", help="Mark as a demo value.")] = False,
) -> None:
    """Set one legal-framework flag of a country, with its source."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        set_country_flag(
            session,
            country=country,
            flag=flag,
            status=status,
            source_name=source,
            source_url=url,
            year=year,
            note=note,
            is_demo=demo,
        )
    typer.echo(f"{country.upper()}: {flag} set to {status}.")
