"""The registry's names in memory, for matching typed names on SQLite, kept between queries.

On PostgreSQL candidates come from the pg_trgm index (``match_search``); SQLite has nothing
like it, so every name is filed in an in-process :class:`~vigil.companies.blocking.BlockingIndex`
under its blocking keys, with its match key worked out once, when it is filed (ranking a
query's candidates then costs one rapidfuzz pass per ratio, see
:func:`~vigil.companies.matching.query_similarities`).

Reading every name is O(registry), so :func:`registry_index` keeps one index per database
engine and reuses it while the names stay the same. Each query checks that with one statement:
the count and highest id of ``company_names`` (names are only ever added; deleting a company
deletes its names; SQLite counts from an index, about 1 ms per 100,000 names), plus a counter
this process bumps whenever a session flushes a change to a
:class:`~vigil.companies.models.CompanyName` (which also catches a rolled-back transaction
whose ids SQLite hands out again). Another process's writes show up through the count and id.

Memory stays bounded: one index per engine, dropped with the engine (weak reference), about
40 MB per 100,000 names; a registry of more than :data:`MAX_CACHED_NAMES` names is indexed
for each query and not kept (such a registry belongs on PostgreSQL).
"""

from __future__ import annotations

import logging
import threading
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from vigil.companies.blocking import DEFAULT_MAX_BLOCK, BlockingIndex, query_keys
from vigil.companies.matching import match_key, match_key_of, name_key
from vigil.companies.models import CompanyName

log = logging.getLogger(__name__)

#: Above this many names an index is built for each query instead of being kept in memory.
MAX_CACHED_NAMES = 1_000_000


class NameIndex:
    """Names (with their company and match key) filed under their blocking keys."""

    def __init__(self, max_block: int = DEFAULT_MAX_BLOCK) -> None:
        self.company_ids = array("q")
        self.names: list[str] = []
        #: ``match_key`` of each name, worked out once.
        self.keys: list[str] = []
        self._blocks = BlockingIndex(max_block)

    def __len__(self) -> int:
        return len(self.names)

    def add(self, company_id: int, name: str, stored_key: str | None = None) -> None:
        """File a name; ``stored_key`` is its ``name_key`` when already known (the database
        keeps it in ``company_names.normalized``)."""
        stored = stored_key if stored_key is not None else name_key(name)
        self._blocks.add(len(self.names), query_keys(stored))
        self.company_ids.append(company_id)
        self.names.append(name)
        self.keys.append(match_key_of(name, stored))

    def candidates(self, text: str, *, limit: int) -> list[int]:
        """Positions of the names sharing most blocking keys with ``text``, best first."""
        keys = query_keys(name_key(text)) | query_keys(match_key(text))
        return self._blocks.candidates(keys, limit=limit)  # type: ignore[return-value]


@dataclass(frozen=True)
class _Kept:
    version: tuple[int, int | None, int]
    index: NameIndex


_kept: WeakKeyDictionary[Engine, _Kept] = WeakKeyDictionary()
_lock = threading.Lock()
_generation = 0


@event.listens_for(Session, "after_flush")
def _names_flushed(session: Session, _context: object) -> None:
    global _generation
    if any(
        isinstance(item, CompanyName) for item in chain(session.new, session.dirty, session.deleted)
    ):
        _generation += 1


def build_index(rows: Iterable[tuple[int, str, str | None]]) -> NameIndex:
    index = NameIndex()
    for company_id, name, stored in rows:
        index.add(company_id, name, stored)
    return index


def registry_index(session: Session) -> NameIndex:
    """The index of every name in the session's database, reused while they are unchanged."""
    engine = session.get_bind().engine
    generation = _generation
    # Two scalar subqueries: SQLite answers each from an index (together, one full scan).
    count, highest = session.execute(
        select(
            select(func.count()).select_from(CompanyName).scalar_subquery(),
            select(func.max(CompanyName.id)).scalar_subquery(),
        )
    ).one()
    version = (int(count), highest, generation)
    with _lock:
        kept = _kept.get(engine)
        if kept is not None and kept.version == version:
            return kept.index
        rows = session.execute(
            select(CompanyName.company_id, CompanyName.name, CompanyName.normalized)
            .order_by(CompanyName.id)
            .execution_options(yield_per=10_000)
        )
        index = build_index(rows)  # type: ignore[arg-type]
        if count <= MAX_CACHED_NAMES:
            _kept[engine] = _Kept(version, index)
        else:
            _kept.pop(engine, None)
            log.warning(
                "The registry has %d names, more than the %d kept in memory for matching on "
                "SQLite: each match reads them all. Use PostgreSQL for a registry this large.",
                count,
                MAX_CACHED_NAMES,
            )
        return index
