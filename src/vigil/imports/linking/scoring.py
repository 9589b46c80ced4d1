"""How alike two incidents are, as a score an analyst can read back part by part.

score = 0.60 × name + 0.15 × date + 0.10 × region + 0.15 × attack type, where
- **name** compares the victims' word digests (``defenders.name_tokens``), never names: 1.0
  when the exact blind index of the whole name is equal, else the share of words in common
  (a word whose digest differs but that shares a one-letter-less variant, one typo away,
  counts :data:`NEAR_CREDIT`). The share is the Dice coefficient (common words against
  both names' lengths); when at least two words are common it is averaged with the share of
  the shorter name (a source that drops a second surname is still the same person). Word
  order never counts: sources swap given names and surnames.
- **date** is 1 on the same day, falling linearly to 1/(window+1) at the window's edge (pairs
  further apart are not candidates at all).
- **region** is 1 when both incidents name the same region, 0 when they name different ones,
  0.5 when one of them names none.
- **attack type** is 1 when the incidents share a type of attack, else 0.

A pair is proposed only when the name part reaches :data:`NAME_GATE`: when the names do not
match, no agreement on date, place and type makes two incidents one (two people attacked in
the same region the same week are two incidents). The weights were tuned on the labelled set
of ``benchmarks/link_sources_data.py`` with seed 1 only (see ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date

WEIGHTS = {"name": 0.60, "date": 0.15, "region": 0.10, "attack": 0.15}
NAME_GATE = 0.6
NEAR_CREDIT = 0.7
DEFAULT_WINDOW_DAYS = 30
DEFAULT_MIN_SCORE = 0.6


@dataclass(frozen=True)
class Victim:
    """A victim as matching sees them: ids and digests only."""

    defender_id: int
    name_index: str | None
    #: (word digest, digests of the word and of its one-letter-less variants) per word.
    words: tuple[tuple[str, frozenset[str]], ...]


@dataclass(frozen=True)
class Explanation:
    """The parts of a score: what the review page says ("name 0.83, 3 days apart…")."""

    name: float
    exact_name: bool
    words_common: float
    days_apart: int
    window_days: int
    region: str  # "same", "different" or "unknown"
    attack: str  # "same" or "different"
    score: float

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Explanation:
        return cls(**json.loads(text))


def common_words(left: Victim, right: Victim) -> float:
    """Words in common: equal word digests first, then, among the words left, pairs one typo
    apart (a shared variant digest), each word used once."""
    exact = {digest for digest, _ in left.words} & {digest for digest, _ in right.words}
    rest = [forms for digest, forms in right.words if digest not in exact]
    near = 0
    for digest, forms in left.words:
        if digest in exact:
            continue
        match = next((other for other in rest if forms & other), None)
        if match is not None:
            rest.remove(match)
            near += 1
    return len(exact) + NEAR_CREDIT * near


def name_similarity(left: Victim, right: Victim) -> tuple[float, bool, float]:
    """(similarity 0..1, exact full-name match, words in common)."""
    common = common_words(left, right)
    if left.name_index is not None and left.name_index == right.name_index:
        return 1.0, True, common
    sizes = len(left.words), len(right.words)
    if not all(sizes):
        return 0.0, False, common
    dice = 2 * common / (sizes[0] + sizes[1])
    if common >= 2:
        return round(min(1.0, (dice + common / min(sizes)) / 2), 4), False, common
    return round(dice, 4), False, common


def date_part(left: date, right: date, window_days: int) -> tuple[float, int]:
    days = abs((left - right).days)
    return 1 - days / (window_days + 1), days


def region_part(left: str | None, right: str | None) -> tuple[float, str]:
    if not left or not right:
        return 0.5, "unknown"
    return (1.0, "same") if left == right else (0.0, "different")


def score_pair(
    *,
    left_victim: Victim,
    right_victim: Victim,
    left_date: date,
    right_date: date,
    left_region: str | None,
    right_region: str | None,
    left_attacks: frozenset[str],
    right_attacks: frozenset[str],
    window_days: int,
) -> Explanation | None:
    """The explained score of a pair, or None when the names are too far apart (the gate)
    or the dates are outside the window."""
    name, exact, common = name_similarity(left_victim, right_victim)
    if name < NAME_GATE:
        return None
    when, days = date_part(left_date, right_date, window_days)
    if days > window_days:
        return None
    region, region_says = region_part(left_region, right_region)
    same_attack = bool(left_attacks & right_attacks)
    score = (
        WEIGHTS["name"] * name
        + WEIGHTS["date"] * when
        + WEIGHTS["region"] * region
        + WEIGHTS["attack"] * (1.0 if same_attack else 0.0)
    )
    return Explanation(
        name=name,
        exact_name=exact,
        words_common=common,
        days_apart=days,
        window_days=window_days,
        region=region_says,
        attack="same" if same_attack else "different",
        score=round(score, 4),
    )
