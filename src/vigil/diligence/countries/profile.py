"""What a country risk profile holds: the shape the public country page and the
pre-market-entry report render. Every figure keeps its source, year and demo mark."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoreValue:
    """One indicator of one source in one year."""

    indicator: str  # "overall", "factor_1".."factor_8", "RL.EST", "VA.EST", "rating"
    year: int
    value: float
    source_name: str
    source_url: str
    licence: str
    is_demo: bool


@dataclass(frozen=True)
class IndicatorSeries:
    """An indicator's latest value and its short history (newest first, latest included)."""

    source: str  # ScoreSource value: "wjp", "wgi", "civic_space"
    indicator: str
    latest: ScoreValue
    history: list[ScoreValue]


@dataclass(frozen=True)
class FlagValue:
    flag: str  # LegalFlag value
    status: str  # FlagStatus value
    source_name: str
    source_url: str
    year: int | None
    note: str
    is_demo: bool


@dataclass(frozen=True)
class YearCount:
    year: int
    #: None: fewer than ``min_cell`` published incidents that year (withheld, as the
    #: register withholds small cells); 0: none at all.
    count: int | None


@dataclass(frozen=True)
class Trend:
    """Published incidents of the last ``window`` complete-or-current years against the
    ``window`` years before, counted over the shown years only (a withheld year enters no
    number, so no difference can recover it)."""

    window: int
    recent_years: tuple[int, int]  # first, last (inclusive)
    previous_years: tuple[int, int]
    recent: int
    previous: int
    #: "rising", "falling", "stable", or "unknown" when neither window has a shown count.
    direction: str


@dataclass(frozen=True)
class CountryProfile:
    country: str  # ISO 3166-1 alpha-2
    #: source -> its indicators in the order of ``indicators.INDICATORS``.
    scores: dict[str, list[IndicatorSeries]]
    #: The latest civic-space rating ("open"…"closed") with its source, or None.
    civic_space: ScoreValue | None
    civic_space_rating: str | None
    flags: list[FlagValue]
    #: The last ten years, oldest first, from the public register.
    incidents_by_year: list[YearCount]
    trend: Trend
    min_cell: int

    @property
    def has_reference_data(self) -> bool:
        return bool(self.scores or self.flags or self.civic_space)

    @property
    def has_demo_values(self) -> bool:
        """Whether the page must explain its "demo value" marks (any value shown, history
        included)."""
        values = [v for series in self.scores.values() for s in series for v in s.history]
        if self.civic_space is not None:
            values.append(self.civic_space)
        return any(v.is_demo for v in values) or any(f.is_demo for f in self.flags)
