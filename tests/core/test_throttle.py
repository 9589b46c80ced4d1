"""Attempt counting (``core.throttle``): atomic on SQLite and PostgreSQL, exact at the limit,
refused attempts and right answers use up nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.committed_db import at_once, committed_database
from vigil.core.db import make_engine, session_scope, utcnow
from vigil.core.throttle import (
    Budget,
    Throttle,
    failures,
    give_back,
    take_attempt,
    throttle_key,
    window_start,
)

SECRET = b"s" * 32
WINDOW = timedelta(minutes=15)


def _budget(name: str, limit: int) -> Budget:
    return Budget(throttle_key(SECRET, window_start(utcnow(), WINDOW), "test", name), limit)


@pytest.mark.parametrize("limit", [1, 3])
def test_exactly_limit_attempts_are_within_it(session, limit):
    start = window_start(utcnow(), WINDOW)
    budget = _budget("edge", limit)
    outcomes = [take_attempt(session, budgets=[budget], start=start) for _ in range(limit + 1)]
    assert outcomes == [True] * limit + [False]
    # The refused attempt was given back: the count stays at the limit.
    assert failures(session, key=budget.key, start=start) == limit


def test_a_right_answer_is_given_back_and_zero_rows_disappear(session):
    start = window_start(utcnow(), WINDOW)
    budget = _budget("right", 2)
    assert take_attempt(session, budgets=[budget], start=start)
    give_back(session, keys=[budget.key], start=start)
    assert failures(session, key=budget.key, start=start) == 0
    assert session.query(Throttle).filter_by(key_hash=budget.key).count() == 0
    # Two wrong ones fit again after a right one: the right one used nothing.
    assert take_attempt(session, budgets=[budget], start=start)
    assert take_attempt(session, budgets=[budget], start=start)
    assert not take_attempt(session, budgets=[budget], start=start)


def test_an_attempt_refused_by_one_budget_uses_up_none_of_the_others(session):
    start = window_start(utcnow(), WINDOW)
    tight, wide = _budget("tight", 1), _budget("wide", 100)
    assert take_attempt(session, budgets=[tight, wide], start=start)
    for _ in range(5):
        assert not take_attempt(session, budgets=[tight, wide], start=start)
    assert failures(session, key=wide.key, start=start) == 1
    assert failures(session, key=tight.key, start=start) == 1


def test_past_windows_are_purged_and_do_not_count(session):
    now = utcnow()
    old, new = window_start(now - WINDOW, WINDOW), window_start(now, WINDOW)
    key = throttle_key(SECRET, old, "test", "old")
    assert take_attempt(session, budgets=[Budget(key, 1)], start=old)
    assert take_attempt(session, budgets=[Budget(key, 1)], start=new)
    assert failures(session, key=key, start=old) == 0


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request, tmp_path) -> Iterator[sessionmaker[Session]]:  # type: ignore[no-untyped-def]
    with committed_database(request.param, tmp_path) as url:
        engine = make_engine(url, pool_size=16, max_overflow=0)
        try:
            yield sessionmaker(engine, expire_on_commit=False)
        finally:
            engine.dispose()


@pytest.mark.parametrize("limit", [4, 5])
def test_concurrent_attempts_cannot_pass_the_limit(committed, limit):
    """Sixteen attempts at once, each in its own connection and transaction: exactly ``limit``
    are within it (a read-then-increment let 40 of them through a limit of 10)."""
    start = window_start(utcnow(), WINDOW)
    budget = _budget("race", limit)

    def attempt(_index: int) -> bool:
        with session_scope(committed) as session:
            return take_attempt(session, budgets=[budget], start=start)

    outcomes = at_once(16, attempt)
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert outcomes.count(True) == limit
    with session_scope(committed) as session:
        assert failures(session, key=budget.key, start=start) == limit


def test_concurrent_attempts_over_two_budgets_do_not_deadlock(committed):
    """Budgets given in either order are locked in one order: no deadlock, exact counts."""
    start = window_start(utcnow(), WINDOW)
    first, second = _budget("a", 6), _budget("b", 6)

    def attempt(index: int) -> bool:
        budgets = [first, second] if index % 2 else [second, first]
        with session_scope(committed) as session:
            return take_attempt(session, budgets=budgets, start=start)

    outcomes = at_once(12, attempt)
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert outcomes.count(True) == 6
