"""``vigil companies``: match a name against the registry and propose duplicates for review."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.companies.dedupe import DEFAULT_THRESHOLD, propose_duplicates
from vigil.companies.match_search import MAX_ADDRESS, match_companies
from vigil.companies.matching import clean_text
from vigil.core.config import load_settings
from vigil.core.db import database_session
from vigil.core.errors import Invalid

companies_app = typer.Typer(
    help="The corporate registry: name matching and deduplication.", no_args_is_help=True
)


@companies_app.command("match")
def companies_match(
    name: Annotated[str, typer.Argument(help="A company name (or an identifier such as a LEI).")],
    country: Annotated[
        str | None, typer.Option(help="Two-letter jurisdiction; candidates there rank higher.")
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(
            help="Street address of the site or office; registry companies with an address "
            "alike rank higher, those with a different one lower."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many candidates to show.", min=1, max=50)] = 5,
) -> None:
    """Print the registry's best candidates for NAME, with score and explanation."""
    if country is not None and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise Invalid("--country must be a two-letter code such as CO.")
    if not clean_text(name):
        raise Invalid("Give a company name to match.")
    if address is not None and len(address) > MAX_ADDRESS:
        raise Invalid(f"--address must be at most {MAX_ADDRESS} characters.")
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        candidates = match_companies(
            session, query=name, country=country, address=address, limit=limit
        )
        lines = []
        for rank, candidate in enumerate(candidates, start=1):
            where = f"id {candidate.company_id}, {candidate.jurisdiction or '—'}"
            lines.append(f"{rank}. {candidate.value:.2f}  {candidate.name}  ({where})")
            if candidate.via_company_id is not None:
                lines.append(
                    f"     via merged record {candidate.via_company_id}: {candidate.matched_name}"
                )
            lines.extend(f"     {line}" for line in candidate.explain())
    if not lines:
        typer.echo(f"No company in the registry matches “{clean_text(name)}”.")
    for line in lines:
        typer.echo(line)


@companies_app.command("dedupe")
def companies_dedupe(
    threshold: Annotated[
        float,
        typer.Option(help="Propose pairs scoring at least this (stored with each proposal)."),
    ] = DEFAULT_THRESHOLD,
    auto_merge_above: Annotated[
        float | None,
        typer.Option(
            "--auto-merge-above",
            help="Merge without review clusters (of at most 20 records) whose every pair "
            "scores at least this. Default: never; everything goes to the review queue.",
        ),
    ] = None,
) -> None:
    """Propose clusters of likely duplicate companies into the review queue
    (/staff/companies/duplicates)."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        report = propose_duplicates(session, threshold=threshold, auto_merge_above=auto_merge_above)
    typer.echo(
        f"{report.records} records compared at threshold {threshold:g}: "
        f"{report.proposed} new proposals ({report.merged} merged automatically), "
        f"{report.unchanged} already in the queue, {report.superseded} superseded; "
        f"largest cluster: {report.largest} records."
    )
