"""The public summary: written by one staff member, reviewed by another, refused when it
holds an identifying detail, cleared of its review by any rewrite; audited; the staff form
works without JavaScript."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import csrf_from, make_incident, make_org, make_staff, sign_in
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict, Invalid
from vigil.incidents.public_summary import (
    MAX_LENGTH,
    reveal_public_summary,
    review_public_summary,
    write_public_summary,
)

TEXT = "A land defender was threatened after speaking at a public hearing."


def _write(session, vault, incident, user, text=TEXT):  # type: ignore[no-untyped-def]
    return write_public_summary(
        session,
        vault=vault,
        org_id=incident.organisation_id,
        incident_id=incident.id,
        text=text,
        actor_user_id=user.id,
    )


def _review(session, vault, incident, user):  # type: ignore[no-untyped-def]
    return review_public_summary(
        session,
        vault=vault,
        org_id=incident.organisation_id,
        incident_id=incident.id,
        actor_user_id=user.id,
    )


def test_it_is_sealed_and_needs_a_second_reviewer(session, vault):
    org = make_org(session)
    writer, reviewer = make_staff(session, org).user, make_staff(session, org).user
    incident = make_incident(session, org, vault=vault)
    _write(session, vault, incident, writer)
    assert TEXT.encode() not in incident.public_summary_sealed
    with pytest.raises(Conflict):
        _review(session, vault, incident, writer)  # four eyes
    assert not reveal_public_summary(vault, incident).reviewed
    _review(session, vault, incident, reviewer)
    summary = reveal_public_summary(vault, incident)
    assert summary.reviewed and summary.text == TEXT
    assert (summary.written_by_id, summary.reviewed_by_id) == (writer.id, reviewer.id)
    actions = list(
        session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "incident", AuditEvent.object_id == str(incident.id)
            )
        )
    )
    assert "incident.public_summary_written" in actions
    assert "incident.public_summary_reviewed" in actions


def test_writing_again_resets_the_review_and_an_empty_text_removes_it(session, vault):
    org = make_org(session)
    writer, reviewer = make_staff(session, org).user, make_staff(session, org).user
    incident = make_incident(session, org, vault=vault)
    _write(session, vault, incident, writer)
    _review(session, vault, incident, reviewer)
    _write(session, vault, incident, reviewer, TEXT + " Again.")
    summary = reveal_public_summary(vault, incident)
    assert not summary.reviewed and summary.written_by_id == reviewer.id
    _review(session, vault, incident, writer)  # the first writer may review the new text
    assert reveal_public_summary(vault, incident).reviewed
    _write(session, vault, incident, writer, "  ")
    assert incident.public_summary_sealed is None
    with pytest.raises(Invalid):
        _review(session, vault, incident, reviewer)


def test_the_length_limit_at_its_edge(session, vault):
    org = make_org(session)
    writer = make_staff(session, org).user
    incident = make_incident(session, org, vault=vault)
    _write(session, vault, incident, writer, "a" * MAX_LENGTH)
    with pytest.raises(Invalid):
        _write(session, vault, incident, writer, "a" * (MAX_LENGTH + 1))


@pytest.mark.parametrize(
    "text",
    [
        "HIDDEN was threatened",  # the victim's name (make_incident: "Hidden Name")
        "Call +57 311 555 0142",
        "Write to someone@example.org",
        "It happened in Yarumalito",  # the exact place
        "The THREAT AGAINST A LAND DEFENDER was reported",  # the internal title
    ],
)
def test_an_identifying_detail_is_refused_at_writing(session, vault, text):
    org = make_org(session)
    writer = make_staff(session, org).user
    incident = make_incident(session, org, vault=vault)
    incident.place_sealed = vault.seal(incident.data_key_id, "Vereda Yarumalito")
    with pytest.raises(Invalid):
        _write(session, vault, incident, writer, text)
    assert incident.public_summary_sealed is None


def test_the_staff_form_writes_refuses_and_reviews(session, vault, client):
    org = make_org(session)
    writer, reviewer = make_staff(session, org), make_staff(session, org)
    incident = make_incident(session, org, vault=vault)
    session.commit()
    page = f"/staff/incidents/{incident.id}"
    sign_in(client, writer)
    first = client.get(page).text
    token = csrf_from(first)
    assert "Not in the public register." in first
    assert "The publication delay after verification has not passed." in first

    refused = client.post(
        f"{page}/public-summary", data={"csrf_token": token, "text": "Hidden spoke out"}
    )
    assert refused.status_code == 422
    assert "identifying detail" in refused.text and "Hidden spoke out</textarea>" in refused.text

    saved = client.post(f"{page}/public-summary", data={"csrf_token": token, "text": TEXT})
    assert saved.status_code == 303
    shown = client.get(saved.headers["location"]).text
    assert TEXT in shown and "not reviewed yet" in shown
    assert 'id="public-summary-review-form"' not in shown  # not to its own writer
    own = client.post(f"{page}/public-summary/review", data={"csrf_token": token})
    assert own.status_code == 409

    client.post("/logout", data={"csrf_token": token})
    sign_in(client, reviewer)
    token = csrf_from(client.get(page).text)
    assert 'id="public-summary-review-form"' in client.get(page).text
    done = client.post(f"{page}/public-summary/review", data={"csrf_token": token})
    assert done.status_code == 303
    assert "reviewed by" in client.get(done.headers["location"]).text


def test_the_incident_page_says_where_it_stands_with_the_register(session, vault, client, settings):
    from tests.public.register_helpers import publishable, refresh, row_of

    org = make_org(session)
    analyst = make_staff(session, org)
    incident = publishable(session, org, vault)
    refresh(session, vault, settings)
    code = row_of(session, incident).code
    session.commit()
    sign_in(client, analyst)
    page = client.get(f"/staff/incidents/{incident.id}").text
    assert f"In the public register as {code}." in page
    assert "No public summary is shown: none was written." in page
