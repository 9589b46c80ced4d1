"""Support measures and providers through HTTP (roles, tenancy) and the case-page partial."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.casework.test_support import _case, _measure
from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.casework.labels import label
from vigil.casework.models import ServiceProvider, SupportMeasure
from vigil.casework.support import support_context
from vigil.surfaces.gate import Staff
from vigil.web.templating import templates

TODAY = date.today()


def _post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/staff/reports").text)
    return client.post(path, data={"csrf_token": token, **data})


def test_analyst_records_a_provider_and_carries_a_measure_to_delivery(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    session.commit()
    sign_in(client, analyst)
    base = f"/staff/incidents/{incident.id}"

    added = _post(
        client,
        f"{base}/providers",
        {"name": "Fondo de Emergencia", "kind": "emergency_grant", "country": "CO"},
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"{base}/case?done=provider_added#support-h"
    provider = session.scalar(
        select(ServiceProvider).where(ServiceProvider.organisation_id == org.id)
    )
    assert provider is not None and provider.country == "CO"

    done = _post(
        client,
        f"{base}/measures",
        {
            "kind": "temporary_relocation",
            "provider": str(provider.id),
            "amount": "2500000",
            "currency": "COP",
            "requested_on": (TODAY - timedelta(days=3)).isoformat(),
            "notes": "Rent for a month away from home.",
        },
    )
    assert done.status_code == 303 and "done=measure_added" in done.headers["location"]
    measure = session.scalar(
        select(SupportMeasure).where(SupportMeasure.incident_id == incident.id)
    )
    assert measure is not None and measure.provider_id == provider.id

    status = f"{base}/measures/{measure.id}/status"
    assert _post(client, status, {"status": "delivered"}).status_code == 409
    assert _post(client, status, {"status": "approved", "on": "yesterday"}).status_code == 422
    assert _post(client, status, {"status": "approved"}).status_code == 303
    assert (
        _post(client, status, {"status": "delivered", "on": TODAY.isoformat()}).status_code == 303
    )
    session.refresh(measure)
    assert measure.status == "delivered" and measure.delivered_on == TODAY

    for bad in ({"amount": "1,5", "currency": "USD"}, {"amount": "10", "currency": "ABC"}):
        refused = _post(client, f"{base}/measures", {"kind": "legal_aid", **bad})
        assert refused.status_code == 422


def _routes(incident_id: int, measure_id: int) -> list[tuple[str, dict[str, str]]]:
    base = f"/staff/incidents/{incident_id}"
    return [
        (f"{base}/measures", {"kind": "legal_aid"}),
        (f"{base}/measures/{measure_id}/status", {"status": "approved"}),
        (f"{base}/providers", {"name": "Abogados", "kind": "legal_aid"}),
    ]


def test_auditors_cannot_post_and_other_organisations_get_not_found(session, vault, app):
    org, theirs = make_org(session), make_org(session)
    analyst = make_staff(session, org)
    auditor, foreign = make_staff(session, org, role="auditor"), make_staff(session, theirs)
    incident = _case(session, vault, org, analyst)
    measure = _measure(session, vault, org, incident, analyst)
    session.commit()
    for account, expected in ((auditor, 403), (foreign, 404)):
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            sign_in(client, account)
            for path, data in _routes(incident.id, measure.id):
                assert _post(client, path, data).status_code == expected, path
    # A measure of this organisation reached through another of its cases is not found either.
    sibling = _case(session, vault, org, analyst, name="Someone Else")
    session.commit()
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, analyst)
        path = f"/staff/incidents/{sibling.id}/measures/{measure.id}/status"
        assert _post(client, path, {"status": "approved"}).status_code == 404
    session.refresh(measure)
    assert measure.status == "requested"
    assert (
        session.scalar(select(ServiceProvider).where(ServiceProvider.organisation_id == theirs.id))
        is None
    )


def _staff(account, org, role: str) -> Staff:  # type: ignore[no-untyped-def]
    return Staff(
        user_id=account.user.id,
        email=account.user.email,
        display_name=role,
        organisation_id=org.id,
        organisation_name=org.name,
        role=role,
    )


def test_support_partial_shows_measures_forms_and_the_defenders_history(session, vault):
    org = make_org(session)
    analyst, auditor = make_staff(session, org), make_staff(session, org, role="auditor")
    first = _case(session, vault, org, analyst, title="First threat")
    second = _case(session, vault, org, analyst, title="Second threat")
    _measure(session, vault, org, first, analyst, kind="legal_aid", amount="900", currency="USD")
    _measure(
        session, vault, org, second, analyst, kind="temporary_relocation", notes="Safe place B."
    )
    template = templates.env.get_template("staff/casework/_support.html")
    context = support_context(session, vault=vault, org_id=org.id, incident=second)
    common = {"incident": second, "request": None, "csrf_token": lambda _r: "tok", "label": label}

    html = template.render(**context, **common, staff=_staff(analyst, org, "analyst"))
    assert 'id="measure-form"' in html and 'id="provider-form"' in html
    assert "Temporary relocation" in html and "Safe place B." in html
    assert f'href="/staff/incidents/{first.id}/case">First threat</a>' in html
    assert "900.00 USD" in html and "Legal aid" in html
    assert f'action="/staff/incidents/{second.id}/measures/' in html

    read_only = template.render(**context, **common, staff=_staff(auditor, org, "auditor"))
    assert 'id="measure-form"' not in read_only and "/status" not in read_only
    assert "Safe place B." in read_only
