"""Every de-identification rule again, with the victims' consent read beforehand in one
batch (:func:`vigil.public.deidentify.preload_consents`, as the register batch does per
chunk): the same answers, and ``deidentify`` itself then reads no consent entry."""

from __future__ import annotations

import pytest
from sqlalchemy import event

import tests.public.test_deidentify as plain
from tests.factories import make_org
from tests.public.register_helpers import DELAY_DAYS, publishable
from tests.public.test_deidentify import *  # noqa: F403 - the same rules, re-run below
from vigil.core.db import utcnow
from vigil.public.deidentify import deidentify, preload_consents, victims_of


def run_preloaded(session, vault, incident, now=None):  # type: ignore[no-untyped-def]
    session.flush()
    session.expire_all()
    now = now or utcnow()
    consents = preload_consents(session, victims_of(incident), now=now)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        result = deidentify(
            session,
            vault=vault,
            incident=incident,
            now=now,
            delay_days=DELAY_DAYS,
            consents=consents,
        )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert not [s for s in statements if "consent_entries" in s]
    return result


@pytest.fixture(autouse=True)
def _preloaded(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(plain, "run", run_preloaded)


def test_one_query_reads_the_consent_of_a_whole_chunk(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    incidents = [publishable(session, org, vault) for _ in range(3)]
    session.flush()
    victims = [v for incident in incidents for v in victims_of(incident)]
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        consents = preload_consents(session, victims, now=utcnow())
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1
    assert sorted(consents) == sorted(v.id for v in victims)
    assert all(c.scopes["publish_alias"] and not c.refused for c in consents.values())
