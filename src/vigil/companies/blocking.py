"""Blocking and clustering: which pairs are worth scoring, and how scored pairs become clusters.

Scoring every pair of a registry is quadratic, so candidates come from an in-process inverted
index (:class:`BlockingIndex`) of *blocking keys*: the first four letters of each word, its
metaphone code ("philips", "phillips" and "filips" all give FLPS), the whole key without spaces
("d s m" / "dsm") and each identifier. Two records are compared only if they share a key, and a
key shared by more than ``max_block`` records ("inte" of "international") says too little to
be used (matching a typed name still counts such keys when the others find too little). On
PostgreSQL, matching a query can use pg_trgm instead (see ``match_search``).

:func:`cluster` links every compared pair scoring at or above the threshold (single linkage,
strongest first) and keeps, for each cluster, the links that explain why each member is in it.
No cluster grows past ``max_size`` distinct records: single linkage can chain names through
shared words ("University" ⊂ "University of X" ⊂ "University of X, Department of Y") into
proposals of thousands of records that no reviewer can check; and a link whose names only
contain one another is refused unless an address backs it (``Score.subset_only``), so such
chains no longer form at all. Candidate pairs are scored in bulk (``pair_scoring``), with
the values ``score`` gives one pair at a time. Average linkage would not chain,
but on the PATSTAT gold clusters (which join subsidiaries sharing a brand) it cut recall from
0.985 to 0.74, so which of the two "same company" means is still to be settled (issue 19).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, combinations

from rigour.text import metaphone

from vigil.companies.matching import Record, Score, match_key, score
from vigil.companies.pair_scoring import score_pairs

DEFAULT_MAX_BLOCK = 1000
#: Distinct records in one proposed cluster, at most: a reviewer must be able to check them
#: (the largest PATSTAT gold cluster holds 66 distinct spellings).
DEFAULT_MAX_CLUSTER = 100
#: Items of oversized blocks counted for one query, at most (see ``BlockingIndex.candidates``).
OVERSIZED_BUDGET = 20_000


def blocking_keys(key: str) -> set[str]:
    """Blocking keys of one match key (see the module docstring)."""
    keys = {"s:" + key.replace(" ", "")} if key else set()
    for word in key.split():
        if len(word) >= 3:
            keys.add("p:" + word[:4])
        if len(word) >= 4 and any(c.isalpha() for c in word):
            keys.add("m:" + metaphone(word))
    return keys


def query_keys(key: str) -> set[str]:
    """Blocking keys for matching what someone types: also the first three letters of each
    word, so a word still being typed ("akz") finds its name."""
    keys = blocking_keys(key)
    keys |= {"q:" + word[:3] for word in key.split() if len(word) >= 3}
    return keys


def record_keys(record: Record) -> set[str]:
    keys: set[str] = set()
    for name in record.names:
        keys |= blocking_keys(match_key(name))
    keys |= {f"i:{scheme}:{value}" for scheme, value in record.identifiers}
    return keys


class BlockingIndex:
    """Items filed under their blocking keys, in memory."""

    def __init__(self, max_block: int = DEFAULT_MAX_BLOCK) -> None:
        self.max_block = max_block
        self._postings: dict[str, list[Hashable]] = defaultdict(list)

    def add(self, item: Hashable, keys: Iterable[str]) -> None:
        for key in set(keys):
            self._postings[key].append(item)

    def __len__(self) -> int:
        return len(self._postings)

    def block_sizes(self) -> dict[str, int]:
        return {key: len(items) for key, items in self._postings.items()}

    def candidates(self, keys: Iterable[str], *, limit: int = 200) -> list[Hashable]:
        """Items sharing a key with ``keys``, most shared keys first.

        A block of more than ``max_block`` items (a common word) says too little on its own,
        so it counts only when the other blocks give fewer than ``limit`` items: then the
        oversized blocks are counted too, smallest first, up to :data:`OVERSIZED_BUDGET`
        items in all, so that a name sharing several common words with the query still comes
        first. In a registry of a million names even rare-looking words fill such blocks;
        without this, a typo there left nothing but the whole-name key to find a name by.
        """
        counts: Counter[Hashable] = Counter()
        oversized: list[list[Hashable]] = []
        for key in set(keys):
            items = self._postings.get(key, [])
            if len(items) > self.max_block:
                oversized.append(items)
            else:
                counts.update(set(items))
        if len(counts) < limit and oversized:
            oversized.sort(key=len)
            budget = OVERSIZED_BUDGET
            for items in oversized:
                if len(items) > budget:
                    break
                budget -= len(items)
                counts.update(set(items))
            if not counts:  # every block too large to count: their first items
                first = chain.from_iterable(items[:limit] for items in oversized)
                return list(dict.fromkeys(first))[:limit]
        return [item for item, _n in counts.most_common(limit)]

    def pairs(self) -> Iterator[tuple[Hashable, Hashable]]:
        """Every pair of items that share a usable block, once."""
        seen: set[tuple[Hashable, Hashable]] = set()
        for items in self._postings.values():
            if len(items) < 2 or len(items) > self.max_block:
                continue
            for a, b in combinations(items, 2):
                pair = (a, b) if repr(a) <= repr(b) else (b, a)
                if pair not in seen:
                    seen.add(pair)
                    yield pair


@dataclass(frozen=True)
class Link:
    a: Hashable
    b: Hashable
    score: Score


@dataclass
class Cluster:
    """Records that are probably one company, and the links that put each one here."""

    members: list[Hashable]
    links: list[Link] = field(default_factory=list)

    @property
    def weakest(self) -> float:
        return min((link.score.value for link in self.links), default=1.0)


class _Joiner:
    """Single-linkage joining of records into clusters, strongest link first, that refuses a
    join making a cluster larger than ``max_size`` distinct records (``group`` positions:
    records the matcher sees as identical count once, since a reviewer checks 40 copies of
    one spelling at a glance). Joining strongest first means a chain is cut at its weakest
    links when it reaches the limit."""

    def __init__(self, reps: Sequence[Sequence[Record]], *, max_size: int) -> None:
        self.max_size = max_size
        self.group_of = {record.id: n for n, group in enumerate(reps) for record in group}
        self.cluster_of: dict[Hashable, int] = {}
        self.members: dict[int, list[Hashable]] = {}
        self.groups: dict[int, set[int]] = {}
        self.links: dict[int, list[Link]] = {}

    def _cluster(self, item: Hashable) -> int:
        if item not in self.cluster_of:
            number = len(self.cluster_of)  # grows with every record seen: never reused
            self.cluster_of[item] = number
            self.members[number] = [item]
            self.groups[number] = {self.group_of[item]}
            self.links[number] = []
        return self.cluster_of[item]

    def offer(self, link: Link) -> bool:
        """Join the clusters of ``link``'s two records unless that passes the size limit."""
        a, b = self._cluster(link.a), self._cluster(link.b)
        if a == b or len(self.groups[a] | self.groups[b]) > self.max_size:
            return False
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a  # relabel the smaller side
        for item in self.members[b]:
            self.cluster_of[item] = a
        self.members[a].extend(self.members.pop(b))
        self.groups[a] |= self.groups.pop(b)
        self.links[a].extend([*self.links.pop(b), link])
        return True

    def clusters(self) -> list[Cluster]:
        found = [
            Cluster(items, sorted(self.links[number], key=lambda k: -k.score.value))
            for number, items in self.members.items()
            if len(items) > 1
        ]
        return sorted(found, key=lambda c: (-len(c.members), repr(c.members[0])))


def _signature(record: Record) -> tuple[object, ...]:
    names = tuple(sorted({match_key(name) for name in record.names}))
    country = (record.country or "").upper()
    return (names, country, tuple(sorted(record.identifiers)), tuple(sorted(record.addresses)))


Skip = Callable[[Hashable, Hashable], bool]


def _first_allowed(
    xs: Sequence[Record], ys: Sequence[Record], skip: Skip | None
) -> tuple[Record, Record] | None:
    for x in xs:
        for y in ys:
            if x.id != y.id and (skip is None or not skip(x.id, y.id)):
                return x, y
    return None


def _enough(found: Score, threshold: float) -> bool:
    """A link: at the threshold, and more than one name merely containing the other's words
    (whatever the threshold: see ``SUBSET_CAP`` in ``matching``)."""
    return found.value >= threshold and not found.subset_only


def cluster(
    records: Iterable[Record],
    *,
    threshold: float,
    skip: Skip | None = None,
    max_block: int = DEFAULT_MAX_BLOCK,
    max_size: int = DEFAULT_MAX_CLUSTER,
) -> list[Cluster]:
    """Clusters of two or more records whose links score at least ``threshold``.

    Records that look exactly alike to the matcher (same keys, country, identifiers, address)
    are scored once. ``skip(a, b)`` vetoes a link (a pair a reviewer said is not the same).
    No cluster grows past ``max_size`` distinct records. Clusters come largest first, each
    with the links that joined it, strongest first.
    """
    groups: dict[tuple[object, ...], list[Record]] = defaultdict(list)
    for record in records:
        if any(match_key(name) for name in record.names) or record.identifiers:
            groups[_signature(record)].append(record)
    reps = list(groups.values())
    index = BlockingIndex(max_block)
    for position, group in enumerate(reps):
        index.add(position, record_keys(group[0]))
    links: list[Link] = []
    for group in reps:
        for position, record in enumerate(group[1:], start=1):
            pair = _first_allowed(group[:position], [record], skip)
            if pair and _enough(link_score := score(*pair), threshold):
                links.append(Link(pair[0].id, pair[1].id, link_score))
    firsts = [group[0] for group in reps]
    candidates = index.pairs()
    for i, j, link_score in score_pairs(firsts, candidates, threshold=threshold):  # type: ignore[arg-type]
        if _enough(link_score, threshold) and (pair := _first_allowed(reps[i], reps[j], skip)):
            links.append(Link(pair[0].id, pair[1].id, link_score))
    joiner = _Joiner(reps, max_size=max_size)
    for link in sorted(links, key=lambda k: -k.score.value):
        joiner.offer(link)
    return joiner.clusters()
