"""The register batch writes the right of reply: the status of each published incident and
its PublicResponse rows (approved text verbatim; "did not respond" after the deadline)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import make_org
from tests.public.register_helpers import publishable, refresh
from tests.responses.support import ReplyWorld, ask, make_reply_world
from vigil.companies.models import Company
from vigil.contacts.models import Contact
from vigil.core.db import utcnow
from vigil.links.models import SignedLink
from vigil.public.register_models import PublicIncident, PublicResponse
from vigil.responses.replies import Reply, record_reply
from vigil.responses.review import approve_response, classify_response
from vigil.responses.service import Ask, ask_company


def _published_world(session, vault) -> ReplyWorld:  # type: ignore[no-untyped-def]
    org = make_org(session)
    company = Company(name="Minera Planted S.A.")
    session.add(company)
    session.flush()
    incident = publishable(session, org, vault, company_id=company.id)
    contact = Contact(
        organisation_id=org.id, name="Carla", email="c@minera.example", company_id=company.id
    )
    session.add(contact)
    session.flush()
    return ReplyWorld(org=org, incident=incident, company=company, contact=contact)


def _row(session, world) -> PublicIncident:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(PublicIncident).where(PublicIncident.incident_id == world.incident.id)
    )


def test_status_and_rows_follow_the_requests(session, vault, settings):
    world = _published_world(session, vault)
    refresh(session, vault, settings)
    assert _row(session, world).response_status == "not_invited"

    now = utcnow()
    request = ask(session, settings, vault, world, now=now)
    refresh(session, vault, settings, now=now + timedelta(days=1))
    assert _row(session, world).response_status == "invited"
    assert session.scalars(select(PublicResponse)).all() == []

    refresh(session, vault, settings, now=request.deadline + timedelta(seconds=1))
    row = _row(session, world)
    assert row.response_status == "did_not_respond"
    (silent,) = session.scalars(select(PublicResponse)).all()
    assert (silent.text, silent.responded_at, silent.company_name) == (
        "",
        None,
        "Minera Planted S.A.",
    )

    link = session.scalars(
        select(SignedLink).where(SignedLink.response_request_id == request.id)
    ).first()
    record_reply(session, vault, link=link, reply=Reply(text="We take this seriously."), now=now)
    org = world.org.id
    classify_response(
        session, org_id=org, request_id=request.id, classification="token", deflection=False,
        actor_user_id=None,
    )  # fmt: skip
    approve_response(session, vault, org_id=org, request_id=request.id, actor_user_id=None, now=now)
    refresh(session, vault, settings, now=request.deadline + timedelta(days=1))
    session.expire_all()
    assert _row(session, world).response_status == "responded"
    (answer,) = session.scalars(select(PublicResponse)).all()
    assert (answer.text, answer.classification) == ("We take this seriously.", "token")
    assert answer.responded_at is not None


def test_another_incidents_request_stays_off_the_row(session, vault, settings):
    """A second incident's requests never appear on the first one's row."""
    first = _published_world(session, vault)
    other = make_reply_world(session, vault)
    ask_company(
        session, settings, vault, org_id=other.org.id, incident_id=other.incident.id,
        ask=Ask(company_id=other.company.id, contact_id=other.contact.id, question="Q?"),
        actor_user_id=None, now=utcnow(),
    )  # fmt: skip
    refresh(session, vault, settings)
    assert _row(session, first).response_status == "not_invited"
