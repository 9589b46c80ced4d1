"""Every time on a page is shown in the reader's time zone and labelled with it: a staff
member's own choice, else the organisation's (set by a coordinator, audited); the pages
reached without an account (the check-in confirmation, the reporter's status page, the
link pages) use the organisation's and say which. Stored times stay UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from sqlalchemy import select

from tests.alerts.recipient_support import link_for
from tests.checkins.test_checkins import _report_with_receipt, _start, _team
from tests.factories import csrf_from, make_org, make_staff, sign_in
from tests.surfaces.link.test_recipient_response import LAUNCHED
from tests.surfaces.link.test_recipient_response import _world as _alert_world
from vigil.accounts.models import User
from vigil.core.audit import AuditEvent
from vigil.core.time_zones import in_zone, is_time_zone, zone_label, zone_names
from vigil.intake.models import Report
from vigil.organisations.models import Organisation


@pytest.mark.parametrize(
    ("moment", "zone", "label"),
    [
        (datetime(2026, 12, 7, 14, 0, tzinfo=UTC), "UTC", "UTC"),
        (datetime(2026, 12, 7, 14, 0, tzinfo=UTC), "America/Bogota", "UTC-05"),
        (datetime(2026, 12, 7, 14, 0, tzinfo=UTC), "Asia/Kolkata", "IST"),
        # Paris changes to summer time at 01:00 UTC on 29 March 2026: a minute either side.
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "Europe/Paris", "CET"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "Europe/Paris", "CEST"),
    ],
)
def test_a_time_is_converted_and_labelled_with_its_zone(moment, zone, label):
    local = in_zone(moment, zone)
    assert local == moment  # the same instant
    assert zone_label(local) == label


def test_only_iana_zones_are_time_zones():
    assert is_time_zone("America/Bogota") and is_time_zone("UTC")
    for name in ("", "Mars/Olympus", "../../etc/passwd", "America/" + "X" * 57, "/etc/localtime"):
        assert not is_time_zone(name), name
    names = zone_names()
    assert names[0] == "UTC" and "America/Lima" in names and "US/Eastern" not in names


def _shown(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{format_datetime(local, 'medium', tzinfo=local.tzinfo, locale='en')} "


def _last_event_time(session, action: str) -> datetime:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(select(AuditEvent.occurred_at).where(AuditEvent.action == action)).one()


def _post(client, path: str, page: str, zone: str):  # type: ignore[no-untyped-def]
    csrf = csrf_from(client.get(page).text)
    return client.post(path, data={"csrf_token": csrf, "time_zone": zone})


def test_a_coordinator_sets_the_organisations_zone_and_staff_pages_show_it(session, client):
    org = make_org(session)
    coordinator = make_staff(session, org, role="coordinator")
    analyst = make_staff(session, org)
    session.commit()

    sign_in(client, analyst)
    page = client.get("/staff/organisation")
    assert 'id="time-zone-form"' not in page.text and 'id="org-time-zone">UTC<' in page.text
    refused = _post(client, "/staff/organisation/time-zone", "/staff/organisation", "Asia/Tokyo")
    assert refused.status_code == 403

    sign_in(client, coordinator)
    wrong = _post(client, "/staff/organisation/time-zone", "/staff/organisation", "Mars/Base")
    assert wrong.status_code == 422 and 'id="time-zone-error"' in wrong.text
    saved = _post(client, "/staff/organisation/time-zone", "/staff/organisation", "America/Bogota")
    assert saved.status_code == 303
    session.expire_all()
    assert session.get(Organisation, org.id).time_zone == "America/Bogota"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation.time_zone_set")
    ).one()
    assert event.actor_user_id == coordinator.user.id
    assert '"to": "America/Bogota"' in event.detail and '"from": "UTC"' in event.detail

    when = _last_event_time(session, "organisation.time_zone_set")
    audit = client.get("/staff/audit").text
    assert _shown(when, "America/Bogota") + "UTC-05" in audit
    assert _shown(when, "UTC") + "UTC" not in audit  # the stored UTC time is not shown as is
    assert 'value="America/Bogota" selected' in client.get("/staff/organisation").text


def test_a_staff_member_reads_times_in_their_own_zone_until_they_go_back(session, client):
    org = make_org(session)
    org.time_zone = "America/Lima"
    coordinator = make_staff(session, org, role="coordinator")
    session.commit()
    sign_in(client, coordinator)
    page = "/staff/account/paging"
    html = client.get(page).text
    assert '<option value="" selected>The organisation\'s (America/Lima)</option>' in html

    wrong = _post(client, "/staff/account/time-zone", page, "Europe/Nowhere")
    assert wrong.status_code == 422 and 'id="time-zone-error"' in wrong.text
    saved = _post(client, "/staff/account/time-zone", page, "Europe/Madrid")
    assert saved.status_code == 303 and saved.headers["location"].endswith("#time-zone")
    session.expire_all()
    assert session.get(User, coordinator.user.id).time_zone == "Europe/Madrid"
    assert session.get(Organisation, org.id).time_zone == "America/Lima"  # unchanged
    when = _last_event_time(session, "account.time_zone_set")
    assert _shown(when, "Europe/Madrid") + "CET" in client.get("/staff/audit").text

    back = _post(client, "/staff/account/time-zone", page, "")
    assert back.status_code == 303
    session.expire_all()
    assert session.get(User, coordinator.user.id).time_zone is None
    audit = client.get("/staff/audit").text
    assert _shown(when, "America/Lima") + "UTC-05" in audit
    assert "CET" not in audit


def test_the_check_in_confirmation_uses_the_organisations_zone_and_says_so(
    session, vault, settings, client
):
    org, incident, assignee, _duty, _auditor = _team(session, vault)
    org.time_zone = "America/Bogota"
    schedule, token = _start(session, settings, org, incident, assignee, every_hours=12)
    session.commit()
    csrf = csrf_from(client.get(f"/l/{token}").text)
    done = client.post(f"/l/{token}", data={"csrf_token": csrf, "answer": "safe"})
    assert done.status_code == 200
    session.expire_all()
    due = session.get(type(schedule), schedule.id).next_due_at
    assert f"due by {_shown(due, 'America/Bogota')}UTC-05." in done.text
    assert "Times on this page are in the America/Bogota time zone." in done.text


def test_the_reporters_status_page_uses_the_organisations_zone(session, vault, client):
    org = make_org(session)
    org.time_zone = "Asia/Kolkata"
    receipt = _report_with_receipt(session, vault, org)
    session.commit()
    csrf = csrf_from(client.get("/report/status").text)
    page = client.post("/report/status", data={"csrf_token": csrf, "receipt": receipt})
    assert page.status_code == 200
    received = session.scalars(
        select(Report.received_at).where(Report.organisation_id == org.id)
    ).one()
    assert _shown(received, "Asia/Kolkata") + "IST" in page.text
    assert "Times on this page are in the Asia/Kolkata time zone." in page.text


def test_a_recipients_link_page_uses_the_organisations_zone_and_says_so(
    session, vault, settings, client
):
    world = _alert_world(session, vault)
    world.org.time_zone = "America/Bogota"
    token = link_for(session, settings, world, "acknowledge")
    session.commit()
    page = client.get(f"/l/{token}")
    assert page.status_code == 200
    launched = _shown(LAUNCHED, "America/Bogota")  # 9:30 UTC is 4:30 in Bogotá
    assert "4:30:00" in launched and launched + "UTC-05" in page.text
    assert "Times on this page are in the America/Bogota time zone." in page.text
