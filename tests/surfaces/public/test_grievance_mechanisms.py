"""The public pages of grievance mechanisms: only published mechanisms, filtered by country
and kind, one mechanism's page with its languages, channels, figures and all eight UNGP 31
criteria with evidence, in the reader's language, without naming the staff assessor."""

from __future__ import annotations

from datetime import date

import pytest

from tests.diligence.grievance.support import COMPLETE, mechanism_input
from tests.factories import make_org
from vigil.access import Actor
from vigil.diligence.grievance import service


@pytest.fixture
def published(session):  # type: ignore[no-untyped-def]
    org = make_org(session)
    shown = service.create_mechanism(
        session, org_id=org.id, data=mechanism_input(), actor_user_id=None
    )
    hidden = service.create_mechanism(
        session,
        org_id=org.id,
        data=mechanism_input(name="Fictional hidden line"),
        actor_user_id=None,
    )
    nhri = service.create_mechanism(
        session,
        org_id=org.id,
        data=mechanism_input(name="Fictional Ombudsperson", kind="nhri", countries="PE"),
        actor_user_id=None,
    )
    for row in (shown, nhri):
        service.set_mechanism_published(
            session, actor=Actor(1, org.id, "coordinator"), mechanism_id=row.id, published=True
        )
    service.record_statistic(
        session,
        org_id=org.id,
        mechanism_id=shown.id,
        data=service.StatisticInput(2025, 1234, 30, None, 4, 88, "https://example.org/2025"),
        actor_user_id=None,
        this_year=2026,
    )
    service.record_assessment(
        session,
        org_id=org.id,
        mechanism_id=shown.id,
        ratings=COMPLETE,
        assessed_on=date(2026, 11, 2),
        actor_user_id=None,
        assessor_name="Secret Assessor Name",
    )
    session.commit()
    return shown, hidden, nhri


def test_the_list_shows_published_mechanisms_and_filters(client, published) -> None:  # type: ignore[no-untyped-def]
    shown, hidden, nhri = published
    page = client.get("/grievance-mechanisms")
    assert page.status_code == 200
    assert shown.name in page.text and nhri.name in page.text
    assert hidden.name not in page.text
    by_country = client.get("/grievance-mechanisms?country=PE").text
    assert nhri.name in by_country and shown.name not in by_country
    by_kind = client.get("/grievance-mechanisms?kind=company").text
    assert shown.name in by_kind and nhri.name not in by_kind
    assert client.get("/grievance-mechanisms?country=%3Cx%3E").status_code == 422


def test_one_mechanism_page_in_four_languages(client, published) -> None:  # type: ignore[no-untyped-def]
    shown, hidden, _nhri = published
    page = client.get(f"/grievance-mechanisms/{shown.id}")
    assert page.status_code == 200
    text = page.text
    for code in COMPLETE:
        assert f"Excerpt about {code}." in text
    assert "Rights-compatible" in text and "Based on engagement and dialogue" in text
    assert "1,234" in text and "Hotline" in text and "Spanish" in text
    assert "Kʼicheʼ" in text  # an ISO 639-3 language, named by CLDR
    assert "Secret Assessor Name" not in text
    assert client.get(f"/grievance-mechanisms/{hidden.id}").status_code == 404
    assert client.get("/grievance-mechanisms/999999").status_code == 404
    spanish = client.get(f"/grievance-mechanisms/{shown.id}", headers={"Accept-Language": "es"})
    assert "español" in spanish.text.lower()
