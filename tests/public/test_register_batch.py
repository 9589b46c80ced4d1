"""The register batch: rows appear, change and go as incidents and consents change, codes
stay, and nothing identifying reaches any column of any public row."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_org, make_staff
from tests.public.register_helpers import (
    DELAY_DAYS,
    everything_public,
    grant,
    publishable,
    refresh,
    row_of,
    victims,
)
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.defenders.service import record_defender
from vigil.forgetting.service import forget_person
from vigil.incidents.identifying import fold
from vigil.incidents.models import Act
from vigil.incidents.public_summary import review_public_summary, write_public_summary
from vigil.public import register_batch
from vigil.public.register_models import PublicIncident, PublicIncidentLabel


def test_a_publishable_incident_gets_a_row_with_labels_and_a_stable_code(session, vault, settings):
    incident = publishable(session, make_org(session), vault)
    result = refresh(session, vault, settings)
    assert (result.added, result.removed) == (1, 0)
    row = row_of(session, incident)
    assert row is not None and len(row.code) == 10
    assert row.response_status == "not_invited"
    assert {(label.kind, label.code) for label in row.labels} >= {
        ("attack_type", "death_threat"),
        ("defender_type", "land_environment"),
    }
    assert row.code.lower() in row.search_text
    code = row.code
    again = refresh(session, vault, settings)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    assert row_of(session, incident).code == code


def test_the_delay_edge_and_an_unverified_incident(session, vault, settings):
    org = make_org(session)
    now = utcnow()
    edge = publishable(session, org, vault, verified_at=now - timedelta(days=DELAY_DAYS))
    unverified = publishable(session, org, vault)
    unverified.status = "triage"
    refresh(session, vault, settings, now=now - timedelta(seconds=1))
    assert row_of(session, edge) is None and row_of(session, unverified) is None
    refresh(session, vault, settings, now=now)
    assert row_of(session, edge) is not None and row_of(session, unverified) is None


@pytest.mark.parametrize(
    ("scope", "decision"),
    [("publish_alias", "withdraw"), ("strategy", "record_only"), ("store", "withdraw")],
)
def test_a_withdrawal_removes_the_row_on_the_next_refresh(
    session, vault, settings, scope, decision
):
    incident = publishable(session, make_org(session), vault)
    refresh(session, vault, settings)
    assert row_of(session, incident) is not None
    grant(session, victims(session, incident)[0], scope, decision)
    result = refresh(session, vault, settings)
    assert result.removed == 1
    assert row_of(session, incident) is None
    assert session.scalar(select(func.count()).select_from(PublicIncidentLabel)) == 0


def test_a_status_change_and_a_forgotten_victim_remove_the_row(session, vault, settings):
    org = make_org(session)
    moved, forgotten = publishable(session, org, vault), publishable(session, org, vault)
    refresh(session, vault, settings)
    moved.status = "rejected"
    forget_person(session, vault=vault, defender_id=victims(session, forgotten)[0].id)
    result = refresh(session, vault, settings)
    assert result.removed == 2
    assert row_of(session, moved) is None and row_of(session, forgotten) is None


def test_a_second_victim_without_a_grant_removes_the_row(session, vault, settings):
    incident = publishable(session, make_org(session), vault)
    refresh(session, vault, settings)
    other = record_defender(session, vault=vault, org_id=incident.organisation_id, alias="Oak")
    incident.acts.append(Act(attack_type=incident.acts[0].attack_type, victim_id=other.id))
    session.flush()
    refresh(session, vault, settings)
    assert row_of(session, incident) is None
    grant(session, other, "publish_alias")
    refresh(session, vault, settings)
    assert row_of(session, incident) is not None


def test_a_change_updates_the_row_and_keeps_its_code(session, vault, settings):
    incident = publishable(session, make_org(session), vault)
    refresh(session, vault, settings)
    code = row_of(session, incident).code
    grant(session, victims(session, incident)[0], "publish_date")
    result = refresh(session, vault, settings)
    assert result.updated == 1
    row = row_of(session, incident)
    assert row.code == code and row.occurred_on is not None
    # The stored CSV line follows the change (the export joins it, it is not rebuilt).
    assert (
        row.csv_head.startswith(f"{code},") and f",{row.occurred_on.isoformat()}," in row.csv_head
    )
    assert row.csv_tail == "," + row.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_chunks_cover_every_incident_and_the_refresh_is_audited(
    session, vault, settings, monkeypatch
):
    monkeypatch.setattr(register_batch, "CHUNK", 2)
    org = make_org(session)
    made = [publishable(session, org, vault) for _ in range(5)]
    made[2].status = "received"
    result = refresh(session, vault, settings)
    assert result.added == 4
    assert len({row_of(session, i).code for i in made if i is not made[2]}) == 4
    event = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "public.register_refreshed")
        .order_by(AuditEvent.id.desc())
    )
    detail = event.detail if isinstance(event.detail, dict) else json.loads(event.detail)
    assert detail["added"] == 4 and detail["removed"] == 0


PLANTED = {
    "name": "Ximena Ñañez Quiroga",
    "phone": "+57 311 555 0142",
    "village": "Vereda Yarumalito",
    "title_name": "Doña Éufrasia",
}


def test_nothing_identifying_reaches_any_public_column(session, vault, settings):
    """Plant a name, a phone number and a village everywhere a case holds them, publish with
    every scope but the name granted, and search every column of every public row."""
    org = make_org(session)
    writer, reviewer = make_staff(session, org).user, make_staff(session, org).user
    title = f"Threat to {PLANTED['title_name']} in {PLANTED['village']}"
    incident = publishable(
        session,
        org,
        vault,
        title=title,
        scopes=("publish_alias", "publish_date"),
    )
    victim = victims(session, incident)[0]
    victim.name_sealed = vault.seal(victim.data_key_id, PLANTED["name"])
    victim.contact_sealed = vault.seal(victim.data_key_id, PLANTED["phone"])
    everything = " ".join(PLANTED.values())
    incident.summary_sealed = vault.seal(incident.data_key_id, f"Internal: {everything}")
    incident.place_sealed = vault.seal(incident.data_key_id, PLANTED["village"])
    incident.public_summary_sealed = vault.seal(incident.data_key_id, f"Public: {everything}")
    incident.public_summary_written_by_id = writer.id
    incident.public_summary_written_at = utcnow()
    incident.public_summary_reviewed_by_id = reviewer.id  # as if reviewed before the edit
    incident.public_summary_reviewed_at = utcnow()
    session.flush()

    refresh(session, vault, settings)
    public = everything_public(session)

    assert row_of(session, incident) is not None
    for word in ["Ximena", "Ñañez", "Quiroga", "Yarumalito", "Éufrasia", "0142", "555"]:
        assert fold(word) not in public, word
    assert "threat to" not in public and "internal" not in public and "public:" not in public


def test_a_clean_reviewed_summary_is_published_and_a_rewrite_withdraws_it(session, vault, settings):
    org = make_org(session)
    writer, reviewer = make_staff(session, org).user, make_staff(session, org).user
    incident = publishable(session, org, vault)
    text = "Private guards threatened a land defender after a protest."
    write_public_summary(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        text=text,
        actor_user_id=writer.id,
    )
    review_public_summary(
        session, vault=vault, org_id=org.id, incident_id=incident.id, actor_user_id=reviewer.id
    )
    refresh(session, vault, settings)
    assert row_of(session, incident).summary == text
    write_public_summary(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        text=text + " More.",
        actor_user_id=writer.id,
    )
    refresh(session, vault, settings)
    assert row_of(session, incident).summary == ""
    assert session.scalar(select(func.count()).select_from(PublicIncident)) == 1


def test_the_demo_register_has_rows_without_the_demo_names(demo_data, session):
    from vigil.demo.incidents import generate_incidents

    rows = list(session.scalars(select(PublicIncident)))
    assert len(rows) >= 3
    assert any(row.occurred_on is not None for row in rows)  # the one dated by consent
    public = everything_public(session)
    for item in generate_incidents():  # a community's name may hold its region's: whole
        assert fold(item.defender_name) not in public, item.ref
        assert fold(item.title) not in public, item.ref
        assert fold(item.summary) not in public, item.ref


def test_the_worker_refreshes_the_register_every_interval(
    session, vault, settings, session_factory
):
    from vigil.worker import run_register_refresh_if_due

    incident = publishable(session, make_org(session), vault)
    session.commit()
    settings = settings.model_copy(
        update={"publication_delay_days": DELAY_DAYS, "register_refresh_minutes": 15}
    )
    now = utcnow()
    assert run_register_refresh_if_due(session_factory, settings, now)
    assert row_of(session, incident) is not None
    grant(session, victims(session, incident)[0], "publish_alias", "withdraw")
    session.commit()
    assert not run_register_refresh_if_due(
        session_factory, settings, now + timedelta(minutes=14, seconds=59)
    )
    assert row_of(session, incident) is not None
    assert run_register_refresh_if_due(session_factory, settings, now + timedelta(minutes=15))
    assert row_of(session, incident) is None


def test_each_chunk_can_be_committed_on_its_own(session, vault, settings, monkeypatch):
    """The worker commits after the stale rows are deleted and after every chunk (short write
    transactions on SQLite): the callback comes at those points, with the chunk written."""
    monkeypatch.setattr(register_batch, "CHUNK", 1)
    org = make_org(session)
    for _ in range(2):
        publishable(session, org, vault)
    seen: list[int] = []

    def count_rows() -> None:
        seen.append(session.scalar(select(func.count()).select_from(PublicIncident)) or 0)

    delayed = settings.model_copy(update={"publication_delay_days": 30})
    register_batch.refresh_register(
        session, vault=vault, settings=delayed, now=utcnow(), after_chunk=count_rows
    )
    assert seen == [0, 1, 2]
