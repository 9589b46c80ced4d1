"""``/staff/now``: where staff land after signing in, what they acknowledge there (JavaScript
off: a plain form with its CSRF token), and the badge counting open items on every page."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.factories import csrf_from, make_org, make_staff, sign_in
from tests.inbox.support import make_team
from vigil.core.audit import AuditEvent
from vigil.inbox.models import InboxKind
from vigil.inbox.service import raise_item


def _raise(session, org, kind=InboxKind.help_call, object_id=7):  # type: ignore[no-untyped-def]
    item = raise_item(
        session,
        org_id=org.id,
        kind=kind,
        object_type="incident",
        object_id=object_id,
        path=f"/staff/incidents/{object_id}/alerts#check-ins",
        source_key=f"{org.slug}:{kind}:{object_id}",
    )
    assert item is not None
    return item


def _badge(html: str) -> str | None:
    match = re.search(r'id="inbox-count"[^>]*>(\d+)<', html)
    return match.group(1) if match else None


def test_signing_in_lands_on_needs_me_now(client, session):
    team = make_team(session)
    token = csrf_from(client.get("/login").text)
    client.post(
        "/login",
        data={
            "email": team.on_duty.user.email,
            "password": team.on_duty.password,
            "csrf_token": token,
        },
    )
    token = csrf_from(client.get("/login/code").text)
    done = client.post("/login/code", data={"code": team.on_duty.code(), "csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/staff/now"
    assert client.get("/staff").headers["location"] == "/staff/now"
    page = client.get("/staff/now")
    assert page.status_code == 200
    assert "Nothing needs you right now." in page.text
    assert _badge(page.text) is None


def test_the_badge_counts_open_items_on_every_staff_page(client, session):
    team = make_team(session)
    _raise(session, team.org, object_id=7)
    _raise(session, team.org, InboxKind.reporter_message, object_id=8)
    _raise(session, make_org(session))  # another organisation's: not counted
    sign_in(client, team.off_duty)
    for path in ("/staff/incidents", "/staff/reports", "/staff/now", "/staff/contacts"):
        html = client.get(path).text
        assert _badge(html) == "2", path
        assert 'aria-label="Needs me now: 2 open items"' in html, path


def test_acknowledging_from_the_page_takes_the_item_and_the_badge_goes(client, session):
    team = make_team(session)
    help_call = _raise(session, team.org, object_id=7)
    message = _raise(session, team.org, InboxKind.reporter_message, object_id=8)
    sign_in(client, team.off_duty)
    page = client.get("/staff/now").text
    # Urgent first, each with its own Acknowledge form and a link to what it is about.
    assert page.index(f'id="item-{help_call.id}"') < page.index(f'id="item-{message.id}"')
    assert f'action="/staff/now/{help_call.id}/acknowledge"' in page
    assert 'href="/staff/incidents/7/alerts#check-ins"' in page
    assert "&#34;I need help now&#34; at a safety check-in" in page

    refused = client.post(f"/staff/now/{help_call.id}/acknowledge", data={})
    assert refused.status_code == 403  # no CSRF token
    done = client.post(
        f"/staff/now/{help_call.id}/acknowledge", data={"csrf_token": csrf_from(page)}
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/staff/now?done=acknowledged#item-{help_call.id}"
    after = client.get("/staff/now?done=acknowledged").text
    assert "Acknowledged: the others see that you took it" in after
    assert f'action="/staff/now/{help_call.id}/acknowledge"' not in after
    assert f"Acknowledged by {team.off_duty.user.display_name}" in after
    assert _badge(after) == "1"
    client.post(f"/staff/now/{message.id}/acknowledge", data={"csrf_token": csrf_from(after)})
    assert _badge(client.get("/staff/incidents").text) is None
    session.expire_all()
    assert help_call.acknowledged_by_id == team.off_duty.user.id
    audited = session.scalars(
        select(AuditEvent.actor_user_id).where(AuditEvent.action == "inbox.acknowledged")
    ).all()
    assert audited == [team.off_duty.user.id] * 2


def test_another_organisations_staff_get_not_found(client, session):
    team = make_team(session)
    item = _raise(session, team.org)
    stranger = make_staff(session, make_org(session))
    sign_in(client, stranger)
    page = client.get("/staff/now").text
    assert f'id="item-{item.id}"' not in page
    response = client.post(
        f"/staff/now/{item.id}/acknowledge", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 404
    session.expire_all()
    assert item.acknowledged_at is None


def test_auditors_see_the_inbox_but_cannot_acknowledge(client, session):
    team = make_team(session)
    item = _raise(session, team.org)
    sign_in(client, team.auditor)
    page = client.get("/staff/now").text
    assert f'id="item-{item.id}"' in page and _badge(page) == "1"
    assert f'action="/staff/now/{item.id}/acknowledge"' not in page
    response = client.post(
        f"/staff/now/{item.id}/acknowledge", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 403
