"""The case page's consent form records a per-recipient scope with who decided for whom and
a last valid day (both databases); the page shows who consented and until when, and an
expired grant as expired."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.factories import csrf_from, make_incident, make_org, make_staff, sign_in
from vigil.core.db import utcnow
from vigil.defenders.consent import current_entries, has_consent


def _post(client, incident_id: int, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/staff/reports").text)
    return client.post(
        f"/staff/incidents/{incident_id}/consent", data={"csrf_token": token, **data}
    )


def test_a_scope_granted_until_a_day_lasts_to_its_end_and_shows_who_and_until(
    session, vault, client
):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault)
    defender_id = incident.acts[0].victim_id
    session.commit()
    sign_in(client, analyst)
    last_day = date.today() + timedelta(days=10)
    done = _post(
        client,
        incident.id,
        {
            "defender": str(defender_id),
            "scope": "share_state_mechanism",
            "decision": "grant",
            "method": "phone",
            "given_by": "representative",
            "relation": "her brother",
            "valid_until": last_day.isoformat(),
        },
    )
    assert done.status_code == 303
    entry = current_entries(session, defender_id=defender_id)["share_state_mechanism"]
    expiry = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), UTC)
    assert entry.expires_at == expiry
    assert entry.given_by == "representative" and entry.relation == "her brother"
    scope = "share_state_mechanism"
    assert has_consent(
        session, defender_id=defender_id, scope=scope, at=expiry - timedelta(seconds=1)
    )
    assert not has_consent(session, defender_id=defender_id, scope=scope, at=expiry)
    page = client.get(f"/staff/incidents/{incident.id}/case").text
    assert f'id="consent-{defender_id}-share_state_mechanism">Allowed<' in page
    assert "Share with a state protection mechanism or NHRI" in page
    assert "her brother" in page and "until" in page
    assert 'name="valid_until"' in page


def test_a_past_last_day_is_refused(session, vault, client):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault)
    defender_id = incident.acts[0].victim_id
    session.commit()
    sign_in(client, analyst)
    yesterday = (utcnow() - timedelta(days=2)).date().isoformat()
    refused = _post(
        client,
        incident.id,
        {
            "defender": str(defender_id),
            "scope": "share_media",
            "decision": "grant",
            "method": "phone",
            "given_by": "defender",
            "valid_until": yesterday,
        },
    )
    assert refused.status_code == 422
    assert not has_consent(session, defender_id=defender_id, scope="share_media")
