"""A victim's withdrawal takes an urgent action's page offline (410, nothing of the case) but
never the action: staff keep its asks, letters and recipients and see why it is not public;
re-consent and a register refresh bring the same page back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import csrf_from, make_org, make_staff, sign_in
from tests.urgent_actions.helpers import actors, case, mailer, ready_action
from vigil.core.db import utcnow
from vigil.defenders.consent import record_consent
from vigil.public.register_batch import refresh_register
from vigil.public.register_models import PublicIncident
from vigil.urgent_actions import service
from vigil.urgent_actions.models import UrgentAction
from vigil.urgent_actions.standing import recheck_actions


def _consent(session, org, victim_id, scope, decision):  # type: ignore[no-untyped-def]
    record_consent(
        session,
        org_id=org.id,
        defender_id=victim_id,
        scope=scope,
        decision=decision,
        method="in_person",
        given_by="defender",
        actor_user_id=None,
    )


def _published(session, vault, settings):  # type: ignore[no-untyped-def]
    """A published action on a case the real register batch publishes."""
    org = make_org(session)
    coordinator, _ = actors(session, org)
    incident = case(session, org, vault)
    incident.verified_at = utcnow() - timedelta(days=settings.publication_delay_days + 30)
    victim_id = incident.acts[0].victim_id
    _consent(session, org, victim_id, "publish_alias", "grant")
    refresh_register(session, vault=vault, settings=settings, now=utcnow())
    action = ready_action(session, org, vault, coordinator, incident)
    service.publish_action(session, mailer(vault, settings), actor=coordinator, action_id=action.id)
    session.commit()
    return org, incident, victim_id, action


def _refresh(session, vault, settings) -> None:  # type: ignore[no-untyped-def]
    refresh_register(session, vault=vault, settings=settings, now=utcnow())
    recheck_actions(session, mailer=mailer(vault, settings))
    session.commit()


def test_register_withdrawal_keeps_the_action_and_takes_the_page_offline(
    session, vault, settings, client
):
    org, incident, victim_id, action = _published(session, vault, settings)
    slug, code = action.slug, action.code
    assert client.get(f"/actions/{slug}").status_code == 200
    _consent(session, org, victim_id, "publish_alias", "withdraw")
    _refresh(session, vault, settings)
    assert (
        session.scalar(select(PublicIncident).where(PublicIncident.incident_id == incident.id))
        is None
    )
    kept = session.get(UrgentAction, action.id)
    assert kept is not None and kept.asks == ["Protect the defender.", "Investigate the threats."]
    assert len(kept.recipients) == 1 and kept.code == code
    gone = client.get(f"/actions/{slug}")
    assert gone.status_code == 410
    assert "This urgent action is no longer public." in gone.text
    assert "Protect the defender." not in gone.text and "Dear Minister" not in gone.text
    assert f'href="/actions/{slug}"' not in client.get("/actions").text
    token = csrf_from(client.get("/login").text)
    took = client.post(f"/actions/{slug}/took-action", data={"csrf_token": token})
    assert took.status_code == 404  # no counting while offline
    assert session.get(UrgentAction, action.id).actions_taken == 0
    staff = make_staff(session, org, "coordinator")
    session.commit()
    sign_in(client, staff)
    page = client.get(f"/staff/actions/{action.id}")
    assert page.status_code == 200
    assert "Not public: the case left the public register" in page.text
    assert "Protect the defender." in page.text
    # The victim agrees again: the next refresh publishes the case and the same page.
    _consent(session, org, victim_id, "publish_alias", "grant")
    _refresh(session, vault, settings)
    back = client.get(f"/actions/{slug}")
    assert back.status_code == 200 and "Protect the defender." in back.text
    assert "Not public" not in client.get(f"/staff/actions/{action.id}").text


def test_a_victim_leaving_public_action_withholds_the_page_until_they_return(
    session, vault, settings, client
):
    org, _incident, victim_id, action = _published(session, vault, settings)
    slug = action.slug
    _consent(session, org, victim_id, "strategy", "quiet")
    _refresh(session, vault, settings)  # the register row stays: only the action is withheld
    assert session.get(UrgentAction, action.id).withheld == "not_public"
    assert client.get(f"/actions/{slug}").status_code == 410
    staff = make_staff(session, org, "analyst")
    session.commit()
    sign_in(client, staff)
    assert (
        "Not public: a victim no longer chose public action"
        in client.get(f"/staff/actions/{action.id}").text
    )
    _consent(session, org, victim_id, "strategy", "public")
    _refresh(session, vault, settings)
    assert session.get(UrgentAction, action.id).withheld == ""
    assert client.get(f"/actions/{slug}").status_code == 200


def test_the_staff_page_withholds_at_once_without_waiting_for_the_worker(
    session, vault, settings, client
):
    org, _incident, victim_id, action = _published(session, vault, settings)
    _consent(session, org, victim_id, "strategy", "quiet")
    staff = make_staff(session, org, "analyst")
    session.commit()
    assert client.get(f"/actions/{action.slug}").status_code == 200  # the worker has not run
    sign_in(client, staff)
    assert "Not public" in client.get(f"/staff/actions/{action.id}").text
    assert client.get(f"/actions/{action.slug}").status_code == 410
