"""Scoring the candidate pairs of a dedupe run at once, with the values ``score`` gives.

:func:`~vigil.companies.matching.score` compares every name of one record with every name of
the other in Python. Records with many aliases (sanctions lists give dozens) made that the
whole cost of ``vigil companies dedupe``: about 80 s for 1,062 such records, 9.4 million name
comparisons. Here the comparisons run in rapidfuzz's C++ loops instead: for each record, every
one of its distinct match keys is compared with the distinct keys of all the records it is
paired with in one ``process.extract`` call per ratio, keeping only the keys close enough for
the pair to reach the threshold (an upper bound: the best of token_sort, token_set and the
ratio without spaces). Only those few key pairs are then valued exactly (``name_value``, the
arithmetic of ``score``), and the pair that wins is explained by
:func:`~vigil.companies.matching.score_names`, so value and evidence are those of ``score``
(``tests/companies/test_pair_scoring.py`` compares them on names with aliases).

A pair can only reach ``threshold`` if its best names come within ``MAX_RECORD_BONUS`` of it
(the records' jurisdiction and address add at most that); pairs that cannot are not returned,
nor pairs whose names merely contain one another when no address could back that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from vigil.companies.matching import (
    MAX_RECORD_BONUS,
    SUBSET_CAP,
    Record,
    Score,
    name_value,
    score,
    score_names,
)

#: Slack under the bound, for rounding (values are rounded to 4 places) and rapidfuzz's floats.
MARGIN = 0.005


@dataclass(frozen=True)
class _Names:
    """A record's names in ``score``'s order with their match keys, and the distinct keys."""

    pairs: tuple[tuple[str, str], ...]
    distinct: tuple[str, ...]
    #: Whether the record has an address (only then can containment be backed: SUBSET_CAP).
    addressed: bool

    @classmethod
    def of(cls, record: Record) -> _Names:
        pairs = tuple(record.keyed_names())
        distinct = tuple(dict.fromkeys(key for _name, key in pairs if key))
        return cls(pairs, distinct, bool(record.addresses))


class _Forms:
    """Each distinct key's forms for the bound, worked out once per run: its words sorted (a
    plain ratio of these is token_sort), without spaces, and the keys with the same words."""

    def __init__(self) -> None:
        self.ordered: dict[str, str] = {}
        self.squashed: dict[str, str] = {}
        self.same_words: dict[frozenset[str], set[str]] = defaultdict(set)

    def add(self, keys: Iterable[str]) -> None:
        for key in keys:
            if key not in self.ordered:
                words = key.split()
                self.ordered[key] = " ".join(sorted(words))
                self.squashed[key] = "".join(words)
                self.same_words[frozenset(words)].add(key)


def _within(query: str, choices: list[str], bound: float, scorer: object) -> set[int]:
    found = process.extract(query, choices, scorer=scorer, score_cutoff=bound, limit=None)
    return {position for _choice, _value, position in found}


def _close_keys(
    keys: Sequence[str], choices: list[str], forms: _Forms, cutoff: float, *, containment: bool
) -> dict[str, set[str]]:
    """For each of ``keys``, the keys (among ``choices``, or with the same words) whose
    similarity to it may reach ``cutoff``: an upper bound of ``name_similarity``, which is the
    best of token_sort, the ratio without spaces, 1.0 for the same words, and, only when an
    address can back it (``containment``), token_set capped at ``SUBSET_CAP``."""
    bound = max(cutoff - MARGIN, 0.0) * 100
    ordered = [forms.ordered[choice] for choice in choices]
    squashed = [forms.squashed[choice] for choice in choices]
    close: dict[str, set[str]] = {}
    for key in keys:
        found = _within(forms.ordered[key], ordered, bound, fuzz.ratio)
        found |= _within(forms.squashed[key], squashed, bound, fuzz.ratio)
        if containment and cutoff - MARGIN <= SUBSET_CAP:
            found |= _within(key, choices, bound, fuzz.token_set_ratio)
        close[key] = {choices[position] for position in found}
        close[key] |= forms.same_words[frozenset(key.split())]
    return close


def _best_names(
    left: _Names, right: _Names, close: dict[str, set[str]], cutoff: float
) -> tuple[float, tuple[str, str, str, str]] | None:
    """The value and pair of names ``score`` would pick (the first in its order with the best
    value) among the ``close`` keys, or None when none comes within reach of ``cutoff``."""
    wanted = set(right.distinct)
    values = {
        (key_a, key_b): name_value(key_a, key_b)
        for key_a in left.distinct
        for key_b in close[key_a] & wanted
    }
    best = max(values.values(), default=None)
    if best is None or best < cutoff - MARGIN:
        return None
    winners = {pair for pair, value in values.items() if value == best}
    lefts = {key_a for key_a, _key_b in winners}
    for name_a, key_a in left.pairs:
        if key_a not in lefts:
            continue
        for name_b, key_b in right.pairs:
            if (key_a, key_b) in winners:
                return best, (name_a, key_a, name_b, key_b)
    return None  # pragma: no cover - a winner is always among the pairs


def score_pairs(
    records: Sequence[Record], pairs: Iterable[tuple[int, int]], *, threshold: float
) -> Iterator[tuple[int, int, Score]]:
    """``(i, j, score(records[i], records[j]))`` for pairs of positions that may reach
    ``threshold``: every pair that can be a link (at the threshold and not ``subset_only``) is
    among them; a pair whose names only contain one another without an address on both sides
    may be left out, since nothing could back it."""
    cutoff = threshold - MAX_RECORD_BONUS
    partners: dict[int, list[int]] = defaultdict(list)
    for i, j in pairs:
        if cutoff <= MARGIN or records[i].identifiers & records[j].identifiers:
            yield i, j, score(records[i], records[j])
            continue
        partners[i].append(j)
    names: dict[int, _Names] = {}
    forms = _Forms()

    def of(position: int) -> _Names:
        if position not in names:
            names[position] = _Names.of(records[position])
            forms.add(names[position].distinct)
        return names[position]

    for i, others in partners.items():
        left = of(i)
        choices: dict[str, None] = {}
        for j in others:
            choices.update(dict.fromkeys(of(j).distinct))
        containment = left.addressed and any(names[j].addressed for j in others)
        close = _close_keys(left.distinct, list(choices), forms, cutoff, containment=containment)
        for j in others:
            best = _best_names(left, names[j], close, cutoff)
            if best is None:
                continue
            if best[0] <= SUBSET_CAP and not containment:
                # A containment left out of ``close`` could be the best pair (its value is at
                # most SUBSET_CAP): rare enough to score the old way.
                yield i, j, score(records[i], records[j])
            else:
                yield i, j, score_names(records[i], records[j], best[1])
