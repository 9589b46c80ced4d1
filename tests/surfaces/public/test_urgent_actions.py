"""Public urgent action pages: facts from the register only, the counter that records nobody,
subscriptions by plain forms, the outcome, and sharing tags without outside resources."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from tests.factories import csrf_from, make_org, make_staff, sign_in
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
from vigil.core.throttle import Throttle
from vigil.urgent_actions import service
from vigil.urgent_actions.models import Subscription, UrgentAction


def _published(session, vault, settings):  # type: ignore[no-untyped-def]
    org = make_org(session)
    coordinator, _ = actors(session, org)
    incident = case(session, org, vault)
    action = ready_action(session, org, vault, coordinator, incident)
    service.publish_action(session, mailer(vault, settings), actor=coordinator, action_id=action.id)
    session.commit()
    return org, coordinator, incident, action


def _row_counts(session: Session) -> dict[str, int]:
    names = inspect(session.get_bind()).get_table_names()
    return {
        name: session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names
    }


def test_the_page_shows_register_facts_asks_recipients_and_letter(session, vault, settings, client):
    _, _, incident, action = _published(session, vault, settings)
    page = client.get(f"/actions/{action.slug}")
    assert page.status_code == 200
    html = unescape(page.text)
    assert f"{action.code}: {PUBLIC_TITLE}" in html and PUBLIC_SUMMARY in html
    assert incident.title not in html  # the internal title never reaches the page
    assert "Hidden Name" not in html and "What happened." not in html
    assert "<li>Protect the defender.</li><li>Investigate the threats.</li>" in html
    assert "Ministry of the Interior, Head of human rights" in html
    assert "Private Person Name" not in html
    assert "Dear Minister," in html and "Estimado Ministro:" in html
    listing = client.get("/actions")
    assert f'href="/actions/{action.slug}"' in listing.text


def test_a_draft_is_not_public(session, vault, client):
    org = make_org(session)
    coordinator, _ = actors(session, org)
    ready_action(session, org, vault, coordinator, case(session, org, vault))
    session.commit()
    assert "No urgent action at the moment." in client.get("/actions").text
    assert client.get("/actions/1-26").status_code == 404


def test_sharing_tags_and_no_outside_resource(session, vault, settings, client):
    _, _, _, action = _published(session, vault, settings)
    html = client.get(f"/actions/{action.slug}").text
    url = f"{settings.base_url}/actions/{action.slug}"
    for tag in ('property="og:title"', 'property="og:description"', 'name="twitter:card"'):
        assert tag in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert "utm_" not in html
    assert "mailto:?subject=" in html and f'value="{url}"' in html
    assert "<iframe" not in html
    for attribute, value in re.findall(r'\b(src|href|action)="([^"]*)"', html):
        if value.startswith(("mailto:", "#")):
            continue
        assert value.startswith("/") or value.startswith(settings.base_url), (attribute, value)
        assert not value.startswith("//")


def test_the_counter_counts_and_stores_nothing_about_the_client(session, vault, settings, client):
    _, _, _, action = _published(session, vault, settings)
    page = client.get(f"/actions/{action.slug}")
    token = csrf_from(page.text)
    assert "0 people say they acted." in page.text
    before = _row_counts(session)
    session.expire_all()
    response = client.post(
        f"/actions/{action.slug}/took-action",
        data={"csrf_token": token},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert response.status_code == 303
    assert "set-cookie" not in response.headers
    after = _row_counts(session)
    changed = {name for name in after if after[name] != before[name]}
    assert changed <= {"throttles"}  # one global, client-free throttle row at most
    for row in session.scalars(select(Throttle)):
        assert "203.0.113.9" not in row.key_hash
    assert (
        session.scalar(select(UrgentAction.actions_taken).where(UrgentAction.id == action.id)) == 1
    )
    assert "Thank you: your action is counted." in client.get(response.headers["location"]).text
    client.post(f"/actions/{action.slug}/took-action", data={"csrf_token": token})
    assert "2 people say they acted." in client.get(f"/actions/{action.slug}").text


def test_the_counter_stops_at_the_hourly_budget(session, vault, settings, client, monkeypatch):
    from vigil.urgent_actions import reading

    monkeypatch.setattr(reading, "ACTIONS_PER_HOUR", 2)
    _, _, _, action = _published(session, vault, settings)
    token = csrf_from(client.get(f"/actions/{action.slug}").text)
    done = [
        client.post(f"/actions/{action.slug}/took-action", data={"csrf_token": token}).headers[
            "location"
        ]
        for _ in range(3)
    ]
    assert ["done=counted" in d for d in done] == [True, True, False]
    session.expire_all()
    assert (
        session.scalar(select(UrgentAction.actions_taken).where(UrgentAction.id == action.id)) == 2
    )


def test_subscribe_confirm_update_and_unsubscribe_by_plain_forms(session, vault, settings, client):
    _, coordinator, _, action = _published(session, vault, settings)
    token = csrf_from(client.get(f"/actions/{action.slug}").text)
    email = "reader@example.org"
    response = client.post(
        f"/actions/{action.slug}/subscribe",
        data={"csrf_token": token, "email": email, "follow": "case"},
    )
    assert response.status_code == 303
    assert "Check your inbox" in client.get(response.headers["location"]).text
    client.post(
        f"/actions/{action.slug}/subscribe",
        data={"csrf_token": token, "email": email, "follow": "region:CO-CAU"},
    )
    session.expire_all()
    confirmations = mails_to(session, email)
    assert len(confirmations) == 2

    # Not confirmed yet: an update reaches nobody.
    service.publish_update(
        session, mailer(vault, settings), actor=coordinator, action_id=action.id, note="First news."
    )
    session.commit()
    assert len(mails_to(session, email)) == 2

    for mail in confirmations:
        path = link_in(mail, "confirm")
        form = client.get(path)
        assert "Your subscription is confirmed." not in form.text  # opening the link is not enough
        done = client.post(path, data={"csrf_token": csrf_from(form.text)})
        assert "Your subscription is confirmed." in done.text
    service.publish_update(
        session,
        mailer(vault, settings),
        actor=coordinator,
        action_id=action.id,
        note="Second news.",
    )
    session.commit()
    updates = [m for m in mails_to(session, email) if m.subject.startswith("Urgent action")]
    assert len(updates) == 1 and "Second news." in updates[0].body  # case and region: once

    path = link_in(updates[0], "unsubscribe")
    form = client.get(path)
    done = client.post(path, data={"csrf_token": csrf_from(form.text)})
    assert "Your address was erased." in done.text
    session.expire_all()
    assert (
        session.scalar(select(func.count()).select_from(Subscription)) == 1
    )  # the region one remains


def test_a_bad_address_is_refused_on_the_page(session, vault, settings, client):
    _, _, _, action = _published(session, vault, settings)
    token = csrf_from(client.get(f"/actions/{action.slug}").text)
    response = client.post(
        f"/actions/{action.slug}/subscribe",
        data={"csrf_token": token, "email": "nope", "follow": "case"},
    )
    assert response.status_code == 422
    assert "Enter a valid e-mail address." in response.text


def test_the_closed_action_shows_its_outcome_and_no_more_forms(session, vault, settings, client):
    _, coordinator, incident, action = _published(session, vault, settings)
    incident.status, incident.closure_reason = "closed", "released"
    service.close_action(
        session,
        vault=vault,
        actor=coordinator,
        action_id=action.id,
        outcome="He is home with his family.",
    )
    session.commit()
    html = client.get(f"/actions/{action.slug}").text
    assert "The defender was released." in html and "He is home with his family." in html
    assert "took-action" not in html and "/subscribe" not in html


def test_the_page_in_spanish(session, vault, settings, client):
    _, _, _, action = _published(session, vault, settings)
    client.cookies.set("vigil_locale", "es")
    html = client.get(f"/actions/{action.slug}", headers={"Accept-Language": "es"}).text
    assert "Tomé medidas" in html or "Actué" in html


def test_staff_draft_and_publish_by_forms(session, vault, settings, client):
    org = make_org(session)
    analyst = make_staff(session, org, "analyst")
    incident = case(session, org, vault)
    session.commit()
    sign_in(client, analyst)
    token = csrf_from(client.get("/staff/actions").text)
    response = client.post(
        "/staff/actions", data={"csrf_token": token, "incident_id": str(incident.id)}
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Draft urgent action" in page.text
    action_id = response.headers["location"].rsplit("/", 1)[1]
    refused = client.post(
        f"/staff/actions/{action_id}/publish", data={"csrf_token": csrf_from(page.text)}
    )
    assert refused.status_code == 403
