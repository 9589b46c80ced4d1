"""Urgent actions: who may have one, codes and updates, subscriptions and closure."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import make_org
from tests.urgent_actions.helpers import (
    actors,
    case,
    link_in,
    mailer,
    mails_to,
    ready_action,
)
from vigil.core.audit import AuditEvent
from vigil.core.crypto import DataKey
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid
from vigil.urgent_actions import service
from vigil.urgent_actions.models import Subscription
from vigil.urgent_actions.subscriptions import (
    checked_scope,
    confirm_subscription,
    subscribe,
    unsubscribe,
)


@pytest.mark.parametrize(
    ("strategies", "given_by"),
    [
        (("quiet",), "defender"),
        (("public", "quiet"), "defender"),  # mixed victims: one quiet keeps the case out
        (("public", "record_only"), "defender"),
        (("public",), "reporter"),  # the reporter's wish is not the defender's choice
    ],
)
def test_an_action_needs_every_victims_own_public_choice(session, vault, strategies, given_by):
    org = make_org(session)
    coordinator, _ = actors(session, org)
    incident = case(session, org, vault, strategies=strategies, given_by=given_by)
    with pytest.raises(Conflict, match="every victim's own choice of public action"):
        service.draft_action(session, actor=coordinator, incident_id=incident.id)


def test_an_action_needs_the_case_in_the_register(session, vault):
    org = make_org(session)
    coordinator, _ = actors(session, org)
    incident = case(session, org, vault, strategies=("public", "public"), registered=False)
    with pytest.raises(Conflict, match="public register"):
        service.draft_action(session, actor=coordinator, incident_id=incident.id)


def test_two_public_victims_may_have_an_action_and_it_is_audited(session, vault):
    org = make_org(session)
    _, analyst = actors(session, org)
    incident = case(session, org, vault, strategies=("public", "public"))
    action = service.draft_action(session, actor=analyst, incident_id=incident.id)
    assert action.status == "draft" and action.code == ""
    events = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "urgent_action", AuditEvent.object_id == str(action.id)
        )
    ).all()
    assert list(events) == ["urgent_action.drafted"]


def test_only_a_coordinator_publishes(session, vault, settings):
    org = make_org(session)
    coordinator, analyst = actors(session, org)
    action = ready_action(session, org, vault, coordinator, case(session, org, vault))
    with pytest.raises(Forbidden):
        service.publish_action(session, mailer(vault, settings), actor=analyst, action_id=action.id)
    with pytest.raises(Forbidden):
        service.set_recipients(session, actor=analyst, action_id=action.id, contact_ids=[])


def test_publishing_numbers_and_updates_add_a_suffix(session, vault, settings):
    org = make_org(session)
    coordinator, _ = actors(session, org)
    yy = utcnow().year % 100
    first = ready_action(session, org, vault, coordinator, case(session, org, vault))
    second = ready_action(session, org, vault, coordinator, case(session, org, vault))
    m = mailer(vault, settings)
    service.publish_action(session, m, actor=coordinator, action_id=first.id)
    service.publish_action(session, m, actor=coordinator, action_id=second.id)
    assert (first.code, second.code) == (f"UA 1/{yy:02d}", f"UA 2/{yy:02d}")
    assert first.slug == f"1-{yy:02d}"
    service.publish_update(
        session, m, actor=coordinator, action_id=first.id, note="He was released."
    )
    assert first.code == f"UA 1/{yy:02d}-1"
    service.publish_update(
        session, m, actor=coordinator, action_id=first.id, note="Charges dropped."
    )
    assert first.code == f"UA 1/{yy:02d}-2"
    assert second.code == f"UA 2/{yy:02d}"
    with pytest.raises(Conflict):
        service.publish_action(session, m, actor=coordinator, action_id=first.id)


def test_publishing_is_refused_once_a_victim_withdrew(session, vault, settings):
    org = make_org(session)
    coordinator, _ = actors(session, org)
    incident = case(session, org, vault)
    action = ready_action(session, org, vault, coordinator, incident)
    from vigil.defenders.consent import record_consent

    record_consent(
        session,
        org_id=org.id,
        defender_id=incident.acts[0].victim_id,
        scope="strategy",
        decision="record_only",
        method="through_reporter",
        given_by="reporter",
        actor_user_id=None,
    )
    with pytest.raises(Conflict):
        service.publish_action(
            session, mailer(vault, settings), actor=coordinator, action_id=action.id
        )


def test_an_incomplete_draft_is_not_published(session, vault, settings):
    org = make_org(session)
    coordinator, _ = actors(session, org)
    action = service.draft_action(
        session, actor=coordinator, incident_id=case(session, org, vault).id
    )
    with pytest.raises(Invalid):
        service.publish_action(
            session, mailer(vault, settings), actor=coordinator, action_id=action.id
        )


def _subscribe(session, vault, settings, email, kind, value):  # type: ignore[no-untyped-def]
    subscribe(
        session,
        vault,
        secret=settings.secret,
        email=email,
        scope=checked_scope(kind, value),
        language="en",
        base_url="https://vigil.example",
    )
    return mails_to(session, email)[-1]


def test_double_opt_in_and_one_mail_per_update_per_address(session, vault, settings):
    org = make_org(session)
    coordinator, _ = actors(session, org)
    action = ready_action(session, org, vault, coordinator, case(session, org, vault))
    m = mailer(vault, settings)
    service.publish_action(session, m, actor=coordinator, action_id=action.id)

    both, pending = "follower@example.org", "pending@example.org"
    for kind, value in (("case", str(action.id)), ("region", "CO-CAU")):
        confirm_subscription(
            session,
            token=link_in(
                _subscribe(session, vault, settings, both, kind, value), "confirm"
            ).rsplit("/", 1)[1],
        )
    _subscribe(session, vault, settings, pending, "case", str(action.id))  # never confirmed
    _subscribe(session, vault, settings, "elsewhere@example.org", "region", "PE-LIM")
    assert len(mails_to(session, both)) == 2  # the two confirmation requests

    service.publish_update(session, m, actor=coordinator, action_id=action.id, note="New threats.")
    updates = [mail for mail in mails_to(session, both) if "Urgent action" in mail.subject]
    assert [mail.subject for mail in updates] == [f"Urgent action {action.code}"]
    assert "New threats." in updates[0].body and "/actions/unsubscribe/" in updates[0].body
    assert len(mails_to(session, pending)) == 1  # its confirmation request only
    assert len(mails_to(session, "elsewhere@example.org")) == 1

    service.publish_update(
        session, m, actor=coordinator, action_id=action.id, note="Second update."
    )
    assert len([x for x in mails_to(session, both) if "Urgent action" in x.subject]) == 2


def test_a_subscriber_of_an_attack_type_gets_the_first_publication(session, vault, settings):
    org = make_org(session)
    coordinator, _ = actors(session, org)
    action = ready_action(session, org, vault, coordinator, case(session, org, vault))
    mail = _subscribe(
        session, vault, settings, "threats@example.org", "attack_type", "death_threat"
    )
    confirm_subscription(session, token=link_in(mail, "confirm").rsplit("/", 1)[1])
    service.publish_action(session, mailer(vault, settings), actor=coordinator, action_id=action.id)
    assert [m.subject for m in mails_to(session, "threats@example.org")][
        -1
    ] == f"Urgent action {action.code}"


def test_addresses_are_sealed_deduplicated_and_erased_on_unsubscribe(session, vault, settings):
    email = "Someone@Example.org"
    mail = _subscribe(session, vault, settings, email, "region", "CO-CAU")
    again = subscribe(
        session,
        vault,
        secret=settings.secret,
        email="someone@example.org ",
        scope=checked_scope("region", "CO-CAU"),
        language="en",
        base_url="https://vigil.example",
    )
    assert again is True  # the same answer as a new subscription: the form reveals nothing
    assert mails_to(session, "someone@example.org") == []
    rows = session.scalars(select(Subscription)).all()
    assert len(rows) == 1
    assert email.encode() not in rows[0].email_sealed and b"example.org" not in rows[0].email_sealed
    assert len(mails_to(session, email)) == 1  # the second request sends nothing
    key_id = rows[0].data_key_id

    unsubscribe(
        session, vault, secret=settings.secret, token=link_in(mail, "unsubscribe").rsplit("/", 1)[1]
    )
    assert session.scalar(select(func.count()).select_from(Subscription)) == 0
    assert session.get(DataKey, key_id).wrapped is None


def test_a_forged_unsubscribe_token_is_refused(session, vault, settings):
    from vigil.core.errors import NotFound

    mail = _subscribe(session, vault, settings, "a@example.org", "region", "CO-CAU")
    token = link_in(mail, "unsubscribe").rsplit("/", 1)[1]
    head = token.split("-", 1)[0]
    with pytest.raises(NotFound):
        unsubscribe(session, vault, secret=settings.secret, token=f"{head}-{'0' * 40}")
    assert session.scalar(select(func.count()).select_from(Subscription)) == 1


def test_closing_publishes_the_outcome_once_the_case_is_closed(session, vault, settings):
    org = make_org(session)
    coordinator, _ = actors(session, org)
    incident = case(session, org, vault)
    action = ready_action(session, org, vault, coordinator, incident)
    service.publish_action(session, mailer(vault, settings), actor=coordinator, action_id=action.id)
    with pytest.raises(Conflict, match="Close the case first"):
        service.close_action(
            session, vault=vault, actor=coordinator, action_id=action.id, outcome="Free."
        )
    incident.status, incident.closure_reason = "closed", "released"
    session.flush()
    service.close_action(
        session, vault=vault, actor=coordinator, action_id=action.id, outcome="He is free."
    )
    assert (action.status, action.closure_reason, action.outcome) == (
        "closed",
        "released",
        "He is free.",
    )
