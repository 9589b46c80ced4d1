"""The "Risk profile" section of a public country page and the list of profiled countries.

Every figure is shown with its year and a footnote naming its source, URL and licence (the
profile is evidence, never an unsourced score); a demo value carries a visible "demo value"
mark next to it, never only a colour or a footnote. The incident counts are the register's,
with small years withheld exactly as the statistics withhold them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from babel.numbers import format_decimal
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.i18n import current_locale, gettext
from vigil.diligence.countries.indicators import (
    BY_KEY,
    CIVIC_SPACE_LABELS,
    FLAG_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
)
from vigil.diligence.countries.profile import ScoreValue
from vigil.diligence.countries.service import country_profile


@dataclass(frozen=True)
class Note:
    number: int
    name: str
    url: str
    licence: str


@dataclass
class Footnotes:
    """Sources numbered in the order the page first cites them."""

    notes: list[Note] = field(default_factory=list)

    def cite(self, name: str, url: str, licence: str = "") -> int:
        for note in self.notes:
            if (note.name, note.url) == (name, url):
                return note.number
        self.notes.append(Note(len(self.notes) + 1, name, url, licence))
        return len(self.notes)


@dataclass(frozen=True)
class ScoreLine:
    label: str
    value: str
    year: int
    note: int
    is_demo: bool
    #: Earlier years, newest first: (year, value, is_demo).
    history: list[tuple[int, str, bool]]


def _value(value: ScoreValue, source: str) -> str:
    pattern = "+0.00;-0.00" if source == "wgi" else "0.00"
    return format_decimal(value.value, format=pattern, locale=current_locale.get())


def risk_profile_context(session: Session, *, country: str, settings: Settings) -> dict:  # type: ignore[type-arg]
    """What ``register/_risk_profile.html`` renders."""
    profile = country_profile(session, country=country, min_cell=settings.public_min_cell)
    notes = Footnotes()
    tables = []
    for source, series in profile.scores.items():
        lines = [
            ScoreLine(
                label=gettext(BY_KEY[(source, s.indicator)].label),
                value=_value(s.latest, source),
                year=s.latest.year,
                note=notes.cite(s.latest.source_name, s.latest.source_url, s.latest.licence),
                is_demo=s.latest.is_demo,
                history=[(v.year, _value(v, source), v.is_demo) for v in s.history[1:]],
            )
            for s in series
        ]
        tables.append((source, gettext(SOURCE_LABELS[source]), lines))
    civic = profile.civic_space
    return {
        "profile": profile,
        "score_tables": tables,
        "civic": civic,
        "civic_label": gettext(CIVIC_SPACE_LABELS[profile.civic_space_rating])
        if profile.civic_space_rating
        else "",
        "civic_note": notes.cite(civic.source_name, civic.source_url, civic.licence)
        if civic
        else None,
        "flags": [
            (
                gettext(FLAG_LABELS.get(f.flag, f.flag)),
                gettext(STATUS_LABELS.get(f.status, f.status)),
                f,
                notes.cite(f.source_name, f.source_url),
            )
            for f in profile.flags
        ],
        "notes": notes.notes,
    }
