"""A database of each kind whose data is really committed, for tests in which several threads,
each with its own connection, must see each other's writes (the usual ``session`` fixture is
one rolled-back transaction on one connection, which cannot show a race)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from threading import Barrier
from typing import TypeVar

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from vigil.core.migrations import upgrade

T = TypeVar("T")


@contextmanager
def committed_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database of ``kind`` ("sqlite" or "postgresql"), dropped afterwards."""
    name = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'committed.db'}"
    else:
        name = pg_database_name("_committed")
        url = create_pg_database(name)
    upgrade(url)
    try:
        yield url
    finally:
        if name:
            drop_pg_database(name)


def at_once(count: int, attempt: Callable[[int], T]) -> list[T | BaseException]:
    """Run ``attempt(i)`` in ``count`` threads released together; results (or the exception
    each raised) in order."""
    barrier = Barrier(count)

    def run(index: int) -> T | BaseException:
        barrier.wait()
        try:
            return attempt(index)
        except BaseException as error:  # collected, so the test can assert on every outcome
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
