"""Right-of-reply rules: the deadline, the one reminder, the e-mail's subject, classification,
approval refused for an identifying detail, follow-up, and what the register may publish."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.responses.support import NOW, QUESTION, ask, emails, make_reply_world
from vigil.core.errors import Conflict, Invalid
from vigil.inbox.models import InboxItem
from vigil.links.models import SignedLink
from vigil.responses.models import CompanyResponse
from vigil.responses.publishing import register_view
from vigil.responses.replies import Reply, record_reply
from vigil.responses.review import (
    IdentifyingDetails,
    approve_response,
    classify_response,
)
from vigil.responses.service import follow_up, send_due_reminders


def _answer(session, vault, request, text: str, *, now=NOW) -> CompanyResponse:  # type: ignore[no-untyped-def]
    link = session.scalars(
        select(SignedLink).where(SignedLink.response_request_id == request.id)
    ).first()
    return record_reply(session, vault, link=link, reply=Reply(text=text, name="R. Ortiz"), now=now)


def test_the_default_deadline_is_a_week_and_passes_to_did_not_respond_one_second_after(
    session, settings, vault
):
    world = make_reply_world(session, vault)
    request = ask(session, settings, vault, world)
    assert request.deadline == NOW + timedelta(days=7)
    ids = [world.incident.id]

    before = register_view(
        session, vault=vault, incident_ids=ids, now=request.deadline - timedelta(seconds=1)
    )
    assert before[world.incident.id].status == "invited"
    assert before[world.incident.id].responses == []

    after = register_view(
        session, vault=vault, incident_ids=ids, now=request.deadline + timedelta(seconds=1)
    )
    entry = after[world.incident.id]
    assert entry.status == "did_not_respond"
    (row,) = entry.responses
    assert (row.text, row.responded_at, row.company_name) == ("", None, "Minera Planted S.A.")
    assert row.deadline == (NOW + timedelta(days=7)).date()


def test_an_incident_never_asked_is_not_invited(session, settings, vault):
    world = make_reply_world(session, vault)
    view = register_view(session, vault=vault, incident_ids=[world.incident.id], now=NOW)
    assert view[world.incident.id].status == "not_invited"


def test_exactly_one_reminder_two_days_before_the_deadline(session, settings, vault):
    world = make_reply_world(session, vault)
    request = ask(session, settings, vault, world)
    early = request.deadline - timedelta(days=2, seconds=1)
    assert send_due_reminders(session, settings, vault, now=early) == 0
    due = request.deadline - timedelta(days=2)
    assert send_due_reminders(session, settings, vault, now=due) == 1
    assert send_due_reminders(session, settings, vault, now=due + timedelta(hours=1)) == 0
    assert send_due_reminders(session, settings, vault, now=request.deadline) == 0
    (reminder,) = emails(session, vault, "reply_reminder")
    assert reminder["subject"] == f"Reminder — right of reply: case VIGIL-{world.incident.id}"


def test_no_reminder_once_answered(session, settings, vault):
    world = make_reply_world(session, vault)
    request = ask(session, settings, vault, world)
    _answer(session, vault, request, "We are looking into it.")
    assert (
        send_due_reminders(session, settings, vault, now=request.deadline - timedelta(days=1)) == 0
    )


@pytest.mark.parametrize(
    ("language", "subject"),
    [("en", "Right of reply: case VIGIL-%s"), ("es", "Derecho de réplica: caso VIGIL-%s")],
)
def test_the_email_subject_carries_the_case_reference_only(
    session, settings, vault, language, subject
):
    world = make_reply_world(session, vault, language=language)
    ask(session, settings, vault, world)
    (email,) = emails(session, vault)
    assert email["subject"] == subject % world.incident.id
    for secret in ("Hidden Name", "Defender A", "Cauca", "Colombia", "Minera", "Threat"):
        assert secret not in email["subject"]
    assert QUESTION in email["text"]
    assert "Hidden Name" not in email["text"] and "Defender A" not in email["text"]


def test_an_answer_raises_an_inbox_item_and_is_sealed(session, settings, vault):
    world = make_reply_world(session, vault)
    request = ask(session, settings, vault, world)
    response = _answer(session, vault, request, "We deny any involvement.")
    assert b"We deny" not in (response.text_sealed or b"")
    (item,) = session.scalars(select(InboxItem).where(InboxItem.kind == "company_response"))
    assert item.path == f"/staff/incidents/{world.incident.id}/responses"
    with pytest.raises(Conflict):
        _answer(session, vault, request, "A second answer on the same request.")


def test_classification_deflection_and_approval_reach_the_register(session, settings, vault):
    world = make_reply_world(session, vault)
    request = ask(session, settings, vault, world)
    _answer(session, vault, request, "Security is the responsibility of the state.")
    org, rid = world.org.id, request.id
    ids = [world.incident.id]
    view = register_view(session, vault=vault, incident_ids=ids, now=NOW + timedelta(days=30))
    assert view[world.incident.id].status == "responded"
    assert view[world.incident.id].responses == []  # not approved: nothing published

    with pytest.raises(Conflict):  # not classified yet
        approve_response(session, vault, org_id=org, request_id=rid, actor_user_id=None, now=NOW)
    classify_response(
        session,
        org_id=org,
        request_id=rid,
        classification="denial",
        deflection=True,
        actor_user_id=None,
    )
    approve_response(session, vault, org_id=org, request_id=rid, actor_user_id=None, now=NOW)
    (row,) = register_view(session, vault=vault, incident_ids=ids, now=NOW)[
        world.incident.id
    ].responses
    assert (row.classification, row.deflection) == ("denial", True)
    assert row.text == "Security is the responsibility of the state."


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("We never threatened Hidden Name.", "name"),
        ("Nobody called HIDDEN ever worked with us.", "name"),
        ("We met defender a at the gate.", "name"),
        ("Call our desk on +57 300 123 4567.", "phone"),
    ],
)
def test_an_answer_with_an_identifying_detail_cannot_be_approved(
    session, settings, vault, text, kind
):
    world = make_reply_world(session, vault)
    request = ask(session, settings, vault, world)
    _answer(session, vault, request, text)
    classify_response(
        session, org_id=world.org.id, request_id=request.id, classification="denial",
        deflection=False, actor_user_id=None,
    )  # fmt: skip
    with pytest.raises(IdentifyingDetails) as refused:
        approve_response(
            session, vault, org_id=world.org.id, request_id=request.id, actor_user_id=None, now=NOW
        )
    assert kind in refused.value.kinds
    view = register_view(session, vault=vault, incident_ids=[world.incident.id], now=NOW)
    assert view[world.incident.id].responses == []


def test_a_follow_up_gets_its_own_link_and_a_second_response(session, settings, vault):
    world = make_reply_world(session, vault)
    first = ask(session, settings, vault, world)
    with pytest.raises(Conflict):  # nothing to follow up yet
        follow_up(
            session, settings, vault, org_id=world.org.id, request_id=first.id,
            question="And in April?", actor_user_id=None, now=NOW,
        )  # fmt: skip
    _answer(session, vault, first, "No patrols in March.")
    second = follow_up(
        session, settings, vault, org_id=world.org.id, request_id=first.id,
        question="And in April?", actor_user_id=None, now=NOW + timedelta(days=1),
    )  # fmt: skip
    assert second.follow_up_of == first.id and second.id != first.id
    assert len(emails(session, vault)) == 2
    _answer(session, vault, second, "Nor in April.", now=NOW + timedelta(days=2))
    answers = session.scalars(select(CompanyResponse).order_by(CompanyResponse.id)).all()
    assert [a.request_id for a in answers] == [first.id, second.id]


def test_a_question_naming_the_defender_is_refused_and_nothing_is_sent(session, settings, vault):
    world = make_reply_world(session, vault)
    with pytest.raises(Invalid):
        ask(session, settings, vault, world, question="Did your guards threaten Hidden Name?")
    assert emails(session, vault) == []
