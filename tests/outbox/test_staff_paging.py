"""Paging people, not addresses: one message per active user, each once."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_org, make_staff
from vigil.outbox.staff_email_models import OutboundEmail
from vigil.outbox.staff_paging import page_users


def test_each_active_user_is_paged_once_by_email(session):  # type: ignore[no-untyped-def]
    org = make_org(session)
    first, second, gone = (make_staff(session, org) for _ in range(3))
    gone.user.is_active = False
    session.flush()
    queued = page_users(
        session,
        org_id=org.id,
        user_ids=[first.user.id, second.user.id, first.user.id, gone.user.id],
        subject="[Vigil] Help requested",
        body="Open it: https://vigil.example/staff/now",
    )
    rows = session.scalars(select(OutboundEmail).where(OutboundEmail.organisation_id == org.id))
    assert queued == 2
    assert sorted(r.to_address for r in rows) == sorted([first.user.email, second.user.email])
    assert page_users(session, org_id=org.id, user_ids=[], subject="s", body="b") == 0
