"""A published urgent action never goes offline silently when a victim leaves public
action: the coordinators get one urgent inbox item, every subscriber a neutral "this action
has ended" (no title, note or link) through the outbox, and the page answers 410."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_org
from tests.urgent_actions.helpers import (
    PUBLIC_SUMMARY,
    PUBLIC_TITLE,
    actors,
    case,
    link_in,
    mailer,
    mails_to,
    ready_action,
)
from tests.urgent_actions.test_service import _subscribe
from vigil.defenders.consent import record_consent
from vigil.inbox.models import InboxItem
from vigil.urgent_actions import service
from vigil.urgent_actions.standing import recheck_actions
from vigil.urgent_actions.subscriptions import confirm_subscription


def _published_with_follower(session, vault, settings, email):  # type: ignore[no-untyped-def]
    org = make_org(session)
    coordinator, _ = actors(session, org)
    incident = case(session, org, vault)
    action = ready_action(session, org, vault, coordinator, incident)
    service.publish_action(session, mailer(vault, settings), actor=coordinator, action_id=action.id)
    mail = _subscribe(session, vault, settings, email, "case", str(action.id))
    confirm_subscription(session, token=link_in(mail, "confirm").rsplit("/", 1)[1])
    return org, incident, action


def _strategy(session, org, incident, decision) -> None:  # type: ignore[no-untyped-def]
    record_consent(
        session,
        org_id=org.id,
        defender_id=incident.acts[0].victim_id,
        scope="strategy",
        decision=decision,
        method="in_person",
        given_by="defender",
        actor_user_id=None,
    )


def _items(session, action):  # type: ignore[no-untyped-def]
    return session.scalars(
        select(InboxItem).where(
            InboxItem.object_type == "urgent_action", InboxItem.object_id == action.id
        )
    ).all()


def test_leaving_public_action_tells_the_coordinators_and_the_subscribers(session, vault, settings):
    email = "follower@example.org"
    org, incident, action = _published_with_follower(session, vault, settings, email)
    m = mailer(vault, settings)
    assert recheck_actions(session, mailer=m) == 0
    assert _items(session, action) == []  # nothing while the action may stay public

    _strategy(session, org, incident, "quiet")
    assert recheck_actions(session, mailer=m) == 1
    (item,) = _items(session, action)
    assert item.urgent and item.kind == "urgent_action_withdrawn"
    assert item.path == f"/staff/actions/{action.id}" and item.organisation_id == org.id
    (ended,) = [x for x in mails_to(session, email) if "has ended" in x.body]
    assert ended.subject == f"Urgent action {action.code}"
    assert PUBLIC_TITLE not in ended.body and PUBLIC_SUMMARY not in ended.body
    assert f"/actions/{action.slug}" not in ended.body and "quiet" not in ended.body
    assert "/actions/unsubscribe/" in ended.body

    # Once told is enough: rechecking again changes nothing and sends nothing.
    assert recheck_actions(session, mailer=m) == 0
    assert len(_items(session, action)) == 1
    assert len([x for x in mails_to(session, email) if "has ended" in x.body]) == 1


def test_a_closed_action_has_already_ended_nothing_is_sent(session, vault, settings):
    email = "closed@example.org"
    org, incident, action = _published_with_follower(session, vault, settings, email)
    action.status = "closed"
    session.flush()
    _strategy(session, org, incident, "quiet")
    assert recheck_actions(session, mailer=mailer(vault, settings)) == 1
    assert action.withheld == "not_public"
    assert _items(session, action) == []
    assert not [x for x in mails_to(session, email) if "has ended" in x.body]
