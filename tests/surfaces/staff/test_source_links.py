"""The review queue "Same incident, other sources": the explanation without names, the two
names only on the pair's own page (audited), confirm and reject without JavaScript, roles
and tenancy, and the disagreement shown on the merged incident's page."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tests.factories import csrf_from, make_org, make_staff, sign_in
from tests.imports.linking.builders import told
from vigil.core.audit import AuditEvent
from vigil.imports.linking.models import LinkState, ProposedLink
from vigil.imports.linking.proposing import propose_links

DAY = date(2025, 6, 9)


def proposed(session, vault, org):
    first = told(
        session,
        vault,
        org,
        name="Jakeline Romero Epiayu",
        day=DAY,
        description="Local radio",
        title="Killing in La Guajira",
    )
    second = told(
        session,
        vault,
        org,
        name="ROMERO EPIAYU Jakeline",
        day=DAY + timedelta(4),
        url="https://ngo-b.example/",
        description="Partner's yearly list",
        title="Asesinato de lideresa",
    )
    propose_links(session, org_id=org.id)
    link = session.scalars(select(ProposedLink).where(ProposedLink.organisation_id == org.id)).one()
    return first, second, link


def test_the_queue_explains_without_names_and_the_pair_page_reveals_two(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    _, _, link = proposed(session, vault, org)
    session.commit()
    sign_in(client, analyst)

    queue = client.get("/staff/source-links")
    assert queue.status_code == 200
    assert "Killing in La Guajira" in queue.text and "Asesinato de lideresa" in queue.text
    assert "Dates 4 days apart (window 30 days)" in queue.text
    assert "Region: same" in queue.text and "Type of attack: same" in queue.text
    assert "Jakeline" not in queue.text  # the list opens no name

    page = client.get(f"/staff/source-links/{link.id}")
    assert page.status_code == 200
    assert "Jakeline Romero Epiayu" in page.text and "ROMERO EPIAYU Jakeline" in page.text
    viewed = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incidents.link_names_viewed")
    ).all()
    assert [(e.actor_user_id, e.object_id) for e in viewed] == [(analyst.user.id, str(link.id))]


def test_confirming_merges_and_the_kept_page_shows_the_disagreement(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    first, second, link = proposed(session, vault, org)
    session.commit()
    sign_in(client, analyst)

    token = csrf_from(client.get(f"/staff/source-links/{link.id}").text)
    done = client.post(
        f"/staff/source-links/{link.id}/confirm",
        data={"keep_id": str(first.id), "csrf_token": token},
    )
    assert done.status_code == 303
    assert (
        "Merged: the incident kept now has both sources."
        in client.get(done.headers["location"]).text
    )
    page = client.get(f"/staff/incidents/{first.id}").text
    assert "What each source says" in page
    assert "Local radio" in page and "Partner&#39;s yearly list" in page
    assert "The sources disagree on:" in page and "the date" in page
    assert "the region" not in page  # both said CO-ANT
    session.refresh(second)
    assert second.duplicate_of_id == first.id


def test_rejecting_takes_the_pair_out_of_the_queue(session, vault, client):
    org = make_org(session)
    coordinator = make_staff(session, org, role="coordinator")
    _, _, link = proposed(session, vault, org)
    session.commit()
    sign_in(client, coordinator)

    token = csrf_from(client.get(f"/staff/source-links/{link.id}").text)
    done = client.post(f"/staff/source-links/{link.id}/reject", data={"csrf_token": token})
    assert done.status_code == 303
    assert "Nothing to review." in client.get("/staff/source-links").text
    assert f"Proposal {link.id}" in client.get("/staff/source-links?state=rejected").text
    session.refresh(link)
    assert (link.state, link.reviewer_id) == (LinkState.rejected, coordinator.user.id)


def test_an_auditor_reads_but_cannot_decide(session, vault, client):
    org = make_org(session)
    auditor = make_staff(session, org, role="auditor")
    _, _, link = proposed(session, vault, org)
    session.commit()
    sign_in(client, auditor)

    page = client.get(f"/staff/source-links/{link.id}")
    assert page.status_code == 200
    assert "Not the same incident" not in page.text
    token = csrf_from(page.text)  # the page's sign-out form carries one
    refused = client.post(f"/staff/source-links/{link.id}/reject", data={"csrf_token": token})
    assert refused.status_code == 403


def test_another_organisations_proposals_are_invisible(session, vault, client):
    mine, theirs = make_org(session), make_org(session)
    analyst = make_staff(session, mine)
    _, _, link = proposed(session, vault, theirs)
    session.commit()
    sign_in(client, analyst)

    assert "Asesinato de lideresa" not in client.get("/staff/source-links").text
    assert client.get(f"/staff/source-links/{link.id}").status_code == 404
    token = csrf_from(client.get("/staff/source-links").text)
    refused = client.post(f"/staff/source-links/{link.id}/reject", data={"csrf_token": token})
    assert refused.status_code == 404
    session.refresh(link)
    assert link.state == LinkState.proposed
