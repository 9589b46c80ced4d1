"""Consent scopes per recipient type and purpose, with an expiry (both databases): a grant
allows up to, not including, its expiry; only a grant to share or publish may expire, and
only in the future; who decided for whom is kept with each entry."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.factories import make_org
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.defenders.consent import (
    ConsentScope,
    current_consent,
    current_entries,
    has_consent,
    record_consent,
)
from vigil.defenders.service import record_defender

PER_RECIPIENT = (
    "share_state_mechanism",
    "share_un_regional",
    "share_funders",
    "share_media",
    "use_as_evidence",
    "share_location",
)


def _defender(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    return record_defender(session, vault=vault, org_id=org.id, alias="A", name="N")


def _entry(session, defender, scope, decision="grant", **extra):  # type: ignore[no-untyped-def]
    extra.setdefault("given_by", "defender")
    return record_consent(
        session,
        org_id=defender.organisation_id,
        defender_id=defender.id,
        scope=scope,
        decision=decision,
        method="in_person",
        actor_user_id=None,
        **extra,
    )


def test_every_per_recipient_scope_exists_and_is_refused_by_default(session, vault):  # type: ignore[no-untyped-def]
    defender = _defender(session, vault)
    assert set(PER_RECIPIENT) <= set(ConsentScope)
    consent = current_consent(session, defender_id=defender.id)
    assert not any(consent[scope] for scope in PER_RECIPIENT)


@pytest.mark.parametrize("scope", PER_RECIPIENT)
def test_a_grant_allows_until_the_second_before_its_expiry(session, vault, scope):  # type: ignore[no-untyped-def]
    defender = _defender(session, vault)
    expiry = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    _entry(session, defender, scope, expires_at=expiry)
    session.expire_all()
    before = expiry - timedelta(seconds=1)
    assert has_consent(session, defender_id=defender.id, scope=scope, at=before)
    assert not has_consent(session, defender_id=defender.id, scope=scope, at=expiry)
    assert not has_consent(session, defender_id=defender.id, scope=scope, at=expiry + timedelta(1))
    assert current_consent(session, defender_id=defender.id, at=before)[scope]
    assert not current_consent(session, defender_id=defender.id, at=expiry)[scope]
    assert has_consent(session, defender_id=defender.id, scope=scope)  # now: still valid


def test_a_representatives_grant_records_for_whom_and_by_whom(session, vault):  # type: ignore[no-untyped-def]
    defender = _defender(session, vault)
    _entry(
        session, defender, "share_media", given_by="representative", relation="her daughter",
        expires_at=utcnow() + timedelta(days=1),
    )  # fmt: skip
    entry = current_entries(session, defender_id=defender.id)["share_media"]
    assert entry.defender_id == defender.id
    assert (entry.given_by, entry.relation) == ("representative", "her daughter")
    assert has_consent(session, defender_id=defender.id, scope="share_media")


def test_a_reporters_grant_allows_nothing_even_unexpired(session, vault):  # type: ignore[no-untyped-def]
    defender = _defender(session, vault)
    _entry(session, defender, "share_state_mechanism", given_by="reporter")
    assert not has_consent(session, defender_id=defender.id, scope="share_state_mechanism")


@pytest.mark.parametrize(
    ("scope", "decision", "expires_in"),
    [
        ("share_media", "grant", timedelta(seconds=-1)),  # already past
        ("share_media", "withdraw", timedelta(days=1)),  # a withdrawal never lapses
        ("store", "grant", timedelta(days=1)),  # keeping the record never lapses
        ("strategy", "quiet", timedelta(days=1)),
    ],
)
def test_an_expiry_that_cannot_apply_is_refused(session, vault, scope, decision, expires_in):  # type: ignore[no-untyped-def]
    defender = _defender(session, vault)
    with pytest.raises(Invalid):
        _entry(session, defender, scope, decision, expires_at=utcnow() + expires_in)


def test_a_naive_expiry_is_refused(session, vault):  # type: ignore[no-untyped-def]
    defender = _defender(session, vault)
    with pytest.raises(Invalid):
        _entry(session, defender, "share_media", expires_at=datetime(2999, 1, 1))
