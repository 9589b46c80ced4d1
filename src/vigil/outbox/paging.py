"""Who is told at once about an urgent report: the analysts and coordinators on duty, or, if
nobody is on duty, every active analyst and coordinator (an urgent report must never wait
for a roster to be filled in)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import RESPONDER_ROLES
from vigil.accounts.models import Membership, User
from vigil.core.config import Settings
from vigil.outbox.staff_paging import page_users


def responders(session: Session, *, org_id: int) -> list[tuple[int, str, bool]]:
    """(user id, e-mail, on duty) of the organisation's active analysts and coordinators who
    can sign in, oldest account first: who may be told about something urgent."""
    query = (
        select(User.id, User.email, Membership.on_duty)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == org_id,
            Membership.role.in_(RESPONDER_ROLES),
            User.is_active.is_(True),
            User.password_hash.is_not(None),
        )
        .order_by(User.id)
    )
    return [(user_id, email, bool(duty)) for user_id, email, duty in session.execute(query)]


def on_duty_or_everyone(rows: list[tuple[int, str, bool]]) -> list[str]:
    """The addresses of those on duty, or of everyone when nobody is."""
    on_duty = [email for _id, email, duty in rows if duty]
    return on_duty or [email for _id, email, _duty in rows]


def case_team_addresses(
    session: Session, *, org_id: int, assignee_id: int | None, urgent: bool
) -> list[str]:
    """Who hears about a case's event, by e-mail. The same rule as urgent reports
    (:func:`notify_urgent_report`): the analysts and coordinators on duty, or every one of
    them if nobody is on duty. The case's assignee comes first; for an ``urgent`` event the
    people on duty are told as well, otherwise the assignee alone is enough."""
    rows = responders(session, org_id=org_id)
    assignee = [email for user_id, email, _duty in rows if user_id == assignee_id]
    on_duty = [email for _id, email, duty in rows if duty]
    chosen = assignee + on_duty if urgent else assignee or on_duty
    return list(dict.fromkeys(chosen)) or on_duty_or_everyone(rows)


def case_team_user_ids(
    session: Session, *, org_id: int, assignee_id: int | None, urgent: bool
) -> list[int]:
    """:func:`case_team_addresses` as people (user ids), for :func:`page_users`."""
    rows = responders(session, org_id=org_id)
    assignee = [user_id for user_id, _email, _duty in rows if user_id == assignee_id]
    on_duty = [user_id for user_id, _email, duty in rows if duty]
    chosen = assignee + on_duty if urgent else assignee or on_duty
    return list(dict.fromkeys(chosen)) or on_duty or [user_id for user_id, _e, _d in rows]


def notify_urgent_report(
    session: Session,
    *,
    org_id: int,
    report_id: int,
    received_at: str,
    staff_url: str,
    settings: Settings | None = None,
) -> int:
    """Page each responder (e-mail, and with ``settings`` the channels they chose); the
    message carries no content of the report. Returns how many people were paged."""
    rows = responders(session, org_id=org_id)
    people = [user_id for user_id, _email, duty in rows if duty] or [r[0] for r in rows]
    return page_users(
        session,
        org_id=org_id,
        user_ids=people,
        subject=f"[Vigil] URGENT report #{report_id} received",
        body=(
            f"An urgent report (threat to life) was received at {received_at} UTC.\n"
            f"Open it now: {staff_url.rstrip('/')}/staff/reports/{report_id}\n\n"
            "This message contains nothing from the report itself."
        ),
        settings=settings,
    )
