"""The de-identification rules, each at its edge: delay, status, every victim's own grants,
the most restrictive victim for place and day, the reviewed summary."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import make_org, make_staff
from tests.public.register_helpers import DELAY_DAYS, grant, publishable, victims
from vigil.core.db import utcnow
from vigil.defenders.service import record_defender
from vigil.incidents.models import Act
from vigil.incidents.public_summary import review_public_summary, write_public_summary
from vigil.public.deidentify import PublicRecord, Reason, Refusal, deidentify


def run(session, vault, incident, now=None):  # type: ignore[no-untyped-def]
    session.flush()
    session.expire_all()
    return deidentify(
        session, vault=vault, incident=incident, now=now or utcnow(), delay_days=DELAY_DAYS
    )


def test_the_delay_must_have_passed_to_the_second(session, vault):
    org = make_org(session)
    now = utcnow()
    verified = now - timedelta(days=DELAY_DAYS)
    incident = publishable(session, org, vault, verified_at=verified)

    assert isinstance(run(session, vault, incident, now), PublicRecord)  # exactly the delay
    early = run(session, vault, incident, now - timedelta(seconds=1))
    assert early == Refusal(Reason.delay_not_passed)
    assert isinstance(run(session, vault, incident, now + timedelta(seconds=1)), PublicRecord)


@pytest.mark.parametrize("status", ["received", "triage", "rejected", "duplicate"])
def test_an_unverified_rejected_or_duplicate_incident_stays_out(session, vault, status):
    incident = publishable(session, make_org(session), vault)
    incident.status = status
    assert run(session, vault, incident) == Refusal(Reason.not_verified)


def test_no_grant_or_a_reporters_grant_keeps_it_out(session, vault):
    org = make_org(session)
    incident = publishable(session, org, vault, scopes=())
    assert run(session, vault, incident) == Refusal(Reason.alias_not_granted)
    grant(session, victims(session, incident)[0], "publish_alias", method="through_reporter")
    assert run(session, vault, incident) == Refusal(Reason.alias_not_granted)
    grant(session, victims(session, incident)[0], "publish_alias")
    assert isinstance(run(session, vault, incident), PublicRecord)


def test_an_incident_without_a_linked_victim_stays_out(session, vault):
    incident = publishable(session, make_org(session), vault)
    incident.acts[0].victim_id = None
    assert run(session, vault, incident) == Refusal(Reason.no_victim)


@pytest.mark.parametrize(
    ("scope", "decision"),
    [("strategy", "record_only"), ("store", "withdraw"), ("publish_alias", "withdraw")],
)
def test_a_refusal_or_withdrawal_keeps_it_out(session, vault, scope, decision):
    incident = publishable(session, make_org(session), vault)
    grant(
        session,
        victims(session, incident)[0],
        scope,
        decision,
        given_by="reporter",
        method="through_reporter",
    )  # a refusal counts from anyone
    result = run(session, vault, incident)
    assert isinstance(result, Refusal)


def test_a_forgotten_victim_keeps_it_out(session, vault):
    incident = publishable(session, make_org(session), vault)
    victims(session, incident)[0].forgotten_at = utcnow()
    assert run(session, vault, incident) == Refusal(Reason.victim_refused)


def test_an_expired_grant_allows_nothing(session, vault):
    incident = publishable(session, make_org(session), vault, scopes=())
    expiry = utcnow() + timedelta(hours=1)
    grant(session, victims(session, incident)[0], "publish_alias", expires_at=expiry)
    before = run(session, vault, incident, expiry - timedelta(seconds=1))
    assert isinstance(before, PublicRecord)
    assert run(session, vault, incident, expiry) == Refusal(Reason.alias_not_granted)


def _second_victim(session, vault, incident, scopes):  # type: ignore[no-untyped-def]
    other = record_defender(
        session, vault=vault, org_id=incident.organisation_id, alias="Heron", name="Ana Ruiz"
    )
    incident.acts.append(Act(attack_type=incident.acts[0].attack_type, victim_id=other.id))
    for scope in scopes:
        grant(session, other, scope)
    session.flush()
    return other


def test_two_victims_where_one_lacks_the_alias_grant_stay_out(session, vault):
    incident = publishable(session, make_org(session), vault)
    other = _second_victim(session, vault, incident, ())
    assert run(session, vault, incident) == Refusal(Reason.alias_not_granted)
    grant(session, other, "publish_alias")
    record = run(session, vault, incident)
    assert [v["shown_as"] for v in record.detail["victims"]] == ["Defender A", "Heron"]


@pytest.mark.parametrize("both", [True, False])
def test_the_day_needs_every_victims_publish_date(session, vault, both):
    scopes = ("publish_alias", "publish_date")
    incident = publishable(session, make_org(session), vault, scopes=scopes)
    _second_victim(session, vault, incident, scopes if both else ("publish_alias",))
    record = run(session, vault, incident)
    assert (record.year, record.month) == (2026, 3)
    if both:
        assert record.occurred_on == date(2026, 3, 14) == record.sort_date
        assert record.detail["date_precision"] == "day"
    else:
        assert record.occurred_on is None
        assert record.sort_date == date(2026, 3, 1)
        assert record.detail["date_precision"] == "month"


@pytest.mark.parametrize(("precision", "month"), [("day", 3), ("month", 3), ("year", None)])
def test_a_date_known_less_precisely_shows_less_even_with_the_grant(
    session, vault, precision, month
):
    incident = publishable(
        session, make_org(session), vault, scopes=("publish_alias", "publish_date")
    )
    incident.date_precision = precision
    record = run(session, vault, incident)
    assert (record.year, record.month) == (2026, month)
    assert (record.occurred_on is not None) == (precision == "day")


@pytest.mark.parametrize("both", [True, False])
def test_the_exact_place_needs_every_victims_publish_place(session, vault, both):
    scopes = ("publish_alias", "publish_place")
    incident = publishable(session, make_org(session), vault, scopes=scopes)
    incident.place_sealed = vault.seal(incident.data_key_id, "Vereda La Esperanza")
    _second_victim(session, vault, incident, scopes if both else ("publish_alias",))
    record = run(session, vault, incident)
    assert record.place == ("Vereda La Esperanza" if both else "")
    assert record.region == "CO-CAU" and record.country == "CO"
    assert ("esperanza" in record.search_text) == both


def test_the_name_is_shown_only_with_the_victims_own_publish_name(session, vault):
    incident = publishable(session, make_org(session), vault)
    victim = victims(session, incident)[0]
    assert run(session, vault, incident).detail["victims"][0]["shown_as"] == "Defender A"
    grant(session, victim, "publish_name", given_by="reporter", method="through_reporter")
    assert run(session, vault, incident).detail["victims"][0]["shown_as"] == "Defender A"
    grant(session, victim, "publish_name")
    shown = run(session, vault, incident).detail["victims"][0]
    assert shown["shown_as"] == "Hidden Name" and shown["named"] is True


def test_a_region_is_generalised_to_its_top_level_subdivision(session, vault):
    incident = publishable(session, make_org(session), vault, country="FR")
    incident.region = "FR-01"  # Ain, a department of Auvergne-Rhône-Alpes
    assert run(session, vault, incident).region == "FR-ARA"


def test_the_summary_needs_a_second_reviewer_and_no_identifying_detail(session, vault):
    org = make_org(session)
    writer, reviewer = make_staff(session, org).user, make_staff(session, org).user
    incident = publishable(session, org, vault, title="Internal title")
    assert run(session, vault, incident).summary_withheld == "missing"
    text = "A land defender was threatened after a community meeting."
    write_public_summary(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        text=text,
        actor_user_id=writer.id,
    )
    record = run(session, vault, incident)
    assert (record.summary, record.summary_withheld) == ("", "unreviewed")
    review_public_summary(
        session, vault=vault, org_id=org.id, incident_id=incident.id, actor_user_id=reviewer.id
    )
    record = run(session, vault, incident)
    assert (record.summary, record.summary_withheld) == (text, "")
    assert "community" in record.search_text
    # A victim added later whose name the reviewed text holds: withheld again.
    other = _second_victim(session, vault, incident, ("publish_alias",))
    other.name_sealed = vault.seal(other.data_key_id, "Meeting Person")
    record = run(session, vault, incident)
    assert (record.summary, record.summary_withheld) == ("", "identifying")


def test_labels_and_search_words_are_public_words_in_every_language(session, vault):
    incident = publishable(session, make_org(session), vault, attack_type="death_threat")
    record = run(session, vault, incident)
    assert ("attack_type", "death_threat") in record.labels
    assert ("defender_type", "land_environment") in record.labels
    assert "colombia" in record.search_text and "cauca" in record.search_text
    assert "amenaza" in record.search_text  # Spanish label of a death threat
    assert "internal" not in record.search_text and "hidden" not in record.search_text
    assert record.search_text == record.search_text.lower()
