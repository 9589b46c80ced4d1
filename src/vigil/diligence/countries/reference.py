"""The reference data Vigil ships (``data/``, provenance in ``data/README.md``).

The World Bank WGI estimates are openly licensed (CC BY 4.0) and load as real values. WJP
scores and civic-space ratings may not be redistributed, so Vigil ships an illustrative set
for a few countries, loaded only with ``demo`` and stored ``is_demo`` so that every page
marks them. Legal-framework flags are cited public facts; a flag whose year or status was not
checked against its source is shipped ``is_demo`` too.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.orm import Session

from vigil.diligence.countries.importer import read_country_scores, store_country_scores
from vigil.diligence.countries.indicators import Provenance
from vigil.diligence.countries.service import set_country_flag

DATA = Path(__file__).with_name("data")
WGI_FILE = DATA / "wgi_rule_of_law_voice_accountability_2015_2023.csv"
WGI_PROVENANCE = Provenance(
    "The World Bank: Worldwide Governance Indicators: Kaufmann, D. and A. Kraay, "
    "www.govindicators.org; via Gapminder Open Numbers",
    "https://www.govindicators.org",
    "CC BY 4.0",
)
#: Demo values are credited to Vigil's demo set, never to the index whose layout they use.
DEMO_FILES = (
    (
        "wjp",
        DATA / "wjp_demo.csv",
        Provenance(
            "Vigil demo set in the layout of the WJP Rule of Law Index (illustrative values, "
            "not published by the World Justice Project)",
            "",
            "",
        ),
    ),
    ("civic_space", DATA / "civic_space_demo.csv", None),
)
FLAGS_FILE = DATA / "legal_flags.csv"


def load_reference(session: Session, *, demo: bool = False) -> int:
    """Load (or reload: the importer replaces a source's year) the shipped values; with
    ``demo`` also the illustrative WJP and civic-space values and the unchecked flags.
    Returns the number of values and flags written. Kosovo ("XKX", not in ISO 3166-1) is
    skipped."""
    rows, _skipped = read_country_scores(WGI_FILE, source="wgi", skip_unknown=True)
    written = store_country_scores(session, source="wgi", rows=rows, provenance=WGI_PROVENANCE)
    if demo:
        for source, path, credit in DEMO_FILES:
            demo_rows, _ = read_country_scores(path, source=source)
            written += store_country_scores(
                session, source=source, rows=demo_rows, is_demo=True, provenance=credit
            )
    with FLAGS_FILE.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            is_demo = row["is_demo"] == "true"
            if is_demo and not demo:
                continue
            set_country_flag(
                session,
                country=row["country"],
                flag=row["flag"],
                status=row["status"],
                source_name=row["source_name"],
                source_url=row["source_url"],
                year=int(row["year"]) if row["year"] else None,
                note=row["note"],
                is_demo=is_demo,
            )
            written += 1
    return written
