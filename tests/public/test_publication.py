"""The publication batch: delay, consent, minimum cell size, and no way back to a withheld
cell by adding or subtracting published numbers."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_org
from tests.public.helpers import DELAY_DAYS, MIN_CELL, publish, published, table, verified_incidents
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.core.jobs import JobRun
from vigil.defenders.consent import record_consent
from vigil.defenders.models import Defender
from vigil.defenders.service import record_defender
from vigil.incidents.models import Act
from vigil.vocabularies.service import get_term
from vigil.worker import run_publication_if_due


def test_a_cell_of_min_minus_one_is_withheld_and_of_exactly_min_is_shown(session, vault, client):
    org = make_org(session)
    verified_incidents(session, org, vault, MIN_CELL, country="PE", attack_type="killing")
    verified_incidents(session, org, vault, MIN_CELL - 1, country="KE", attack_type="killing")
    verified_incidents(session, org, vault, MIN_CELL, country="CO", attack_type="torture")
    verified_incidents(session, org, vault, MIN_CELL - 1, country="CO", attack_type="abduction")
    publish(session)

    data = published(client)
    assert table(data, "country") == {"PE": MIN_CELL, "CO": MIN_CELL, "KE": None}
    assert table(data, "attack_type") == {
        "killing": MIN_CELL,
        "torture": MIN_CELL,
        "abduction": None,
    }
    assert data["total"] == 2 * MIN_CELL
    assert data["min_cell"] == MIN_CELL
    assert str(MIN_CELL - 1) not in {str(row["count"]) for row in data["by_country"]}


def _refuse(session, vault, defender_id: int, org_id: int, refusal: str) -> None:  # type: ignore[no-untyped-def]
    if refusal == "forgotten":
        session.get(Defender, defender_id).forgotten_at = utcnow()  # what forgetting records
        return
    scope, decision = {
        "record_only": ("strategy", "record_only"),
        "store_withdrawn": ("store", "withdraw"),
        "quiet": ("strategy", "quiet"),
        "public": ("strategy", "public"),
    }[refusal]
    record_consent(
        session,
        given_by="defender",
        org_id=org_id,
        defender_id=defender_id,
        scope=scope,
        decision=decision,
        method="in_person",
        actor_user_id=None,
    )


@pytest.mark.parametrize(
    ("choice", "counted"),
    [
        ("record_only", False),
        ("store_withdrawn", False),
        ("forgotten", False),
        ("quiet", True),
        ("public", True),
    ],
)
def test_an_incident_counts_only_if_no_victim_refused(session, vault, client, choice, counted):
    org = make_org(session)
    incidents = verified_incidents(session, org, vault, MIN_CELL + 1, country="PE")
    # The last incident has a second victim: their choice alone decides for the incident.
    second = record_defender(session, vault=vault, org_id=org.id, alias="Second victim")
    term = get_term(session, vocabulary="attack_type", code="death_threat")
    session.add(Act(incident_id=incidents[-1].id, attack_type_id=term.id, victim_id=second.id))
    session.flush()
    _refuse(session, vault, second.id, org.id, choice)
    publish(session)

    expected = MIN_CELL + 1 if counted else MIN_CELL
    data = published(client)
    assert table(data, "country") == {"PE": expected}
    assert data["total"] == expected


def test_record_only_can_hide_a_whole_cell(session, vault, client):
    org = make_org(session)
    incidents = verified_incidents(session, org, vault, MIN_CELL, country="PE")
    _refuse(session, vault, incidents[0].acts[0].victim_id, org.id, "record_only")
    publish(session)

    assert table(published(client), "country") == {"PE": None}


@pytest.mark.parametrize(
    ("days_before_batch", "counted"), [(DELAY_DAYS - 1, False), (DELAY_DAYS + 1, True)]
)
def test_an_incident_verified_today_waits_for_the_delay(
    session, vault, client, days_before_batch, counted
):
    org = make_org(session)
    verified_today = utcnow()
    verified_incidents(session, org, vault, MIN_CELL, country="PE", verified_at=verified_today)
    publish(session)
    assert table(published(client), "country") == {}  # verified today: nowhere yet

    publish(session, now=verified_today + timedelta(days=days_before_batch))
    assert table(published(client), "country") == ({"PE": MIN_CELL} if counted else {})


def test_a_verification_shows_only_after_the_next_batch(session, vault, client):
    org = make_org(session)
    verified_incidents(session, org, vault, MIN_CELL, country="PE")
    publish(session)
    verified_incidents(session, org, vault, 1, country="PE")
    session.commit()
    assert table(published(client), "country") == {"PE": MIN_CELL}

    publish(session)
    assert table(published(client), "country") == {"PE": MIN_CELL + 1}


def test_the_worker_publishes_once_a_day(session, session_factory, settings, vault, client):
    org = make_org(session)
    verified_incidents(session, org, vault, MIN_CELL, country="PE")
    session.commit()
    settings = settings.model_copy(update={"public_min_cell": MIN_CELL})
    now = utcnow()

    assert run_publication_if_due(session_factory, settings, now)
    assert not run_publication_if_due(session_factory, settings, now + timedelta(hours=23))
    data = published(client)
    assert table(data, "country") == {"PE": MIN_CELL}
    assert data["published_at"].startswith(now.date().isoformat())
    verified_incidents(session, org, vault, 1, country="PE")
    session.commit()
    assert run_publication_if_due(session_factory, settings, now + timedelta(days=1))
    assert table(published(client), "country") == {"PE": MIN_CELL + 1}
    assert session.get(JobRun, "public_publication").last_finished_at is not None
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "public.published").order_by(AuditEvent.id)
    )
    assert [json.loads(e.detail)["total"] for e in events] == [MIN_CELL, MIN_CELL + 1]


def _numbers(data: dict) -> dict:  # type: ignore[type-arg]
    """Everything published except the moment of publication."""
    return {k: v for k, v in data.items() if k not in {"published_at", "counted_until"}}


def test_no_published_number_depends_on_a_withheld_country(session, vault, client):
    org = make_org(session)
    verified_incidents(session, org, vault, MIN_CELL + 1, country="PE")
    verified_incidents(session, org, vault, MIN_CELL, country="CO", attack_type="killing")
    verified_incidents(session, org, vault, 1, country="KE")
    publish(session)
    with_one = published(client)
    verified_incidents(session, org, vault, MIN_CELL - 2, country="KE")
    publish(session)
    with_four = published(client)

    # Kenya has 1 then 4 incidents: not one published number changed.
    assert _numbers(with_one) == _numbers(with_four)
    countries = table(with_four, "country")
    assert countries["KE"] is None
    shown = sum(n for n in countries.values() if n is not None)
    assert with_four["total"] - shown == 0  # total − shown cells recovers nothing
    assert table(with_four, "attack_type") == {"death_threat": MIN_CELL + 1, "killing": MIN_CELL}


def test_a_withheld_attack_type_is_not_recoverable_from_the_country_counts(session, vault, client):
    org = make_org(session)
    verified_incidents(session, org, vault, MIN_CELL, country="PE")
    verified_incidents(session, org, vault, 1, country="PE", attack_type="torture")
    publish(session)

    data = published(client)
    # Counting the torture case in Peru (6) beside death threats (5) would give it away.
    assert table(data, "country") == {"PE": MIN_CELL}
    assert table(data, "attack_type") == {"death_threat": MIN_CELL, "torture": None}
    assert data["total"] == MIN_CELL


def test_withholding_cascades_until_every_shown_cell_is_large_enough(session, vault, client):
    org = make_org(session)
    verified_incidents(session, org, vault, MIN_CELL - 1, country="PE")
    verified_incidents(session, org, vault, 1, country="PE", attack_type="torture")
    verified_incidents(session, org, vault, MIN_CELL, country="CO", attack_type="killing")
    publish(session)

    data = published(client)
    # Peru has 5, but one is the lone torture case: without it Peru has 4, withheld too.
    assert table(data, "country") == {"CO": MIN_CELL, "PE": None}
    assert table(data, "attack_type") == {
        "killing": MIN_CELL,
        "death_threat": None,
        "torture": None,
    }
    assert data["total"] == MIN_CELL
