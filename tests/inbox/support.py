"""A team for the inbox tests: analysts on and off duty, a coordinator, an auditor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import StaffAccount, make_org, make_staff
from vigil.accounts.models import Membership
from vigil.organisations.models import Organisation
from vigil.outbox.staff_email_models import OutboundEmail


@dataclass
class Team:
    org: Organisation
    on_duty: StaffAccount
    off_duty: StaffAccount
    coordinator: StaffAccount
    auditor: StaffAccount


def make_team(session: Session) -> Team:
    org = make_org(session)
    on_duty, off_duty = make_staff(session, org), make_staff(session, org)
    coordinator = make_staff(session, org, role="coordinator")
    auditor = make_staff(session, org, role="auditor")
    membership = session.scalar(select(Membership).where(Membership.user_id == on_duty.user.id))
    assert membership is not None
    membership.on_duty = True
    session.flush()
    return Team(org, on_duty, off_duty, coordinator, auditor)


def emails_to(session: Session) -> list[str]:
    """Who was e-mailed so far, in order."""
    return list(session.scalars(select(OutboundEmail.to_address).order_by(OutboundEmail.id)))


def emails(session: Session) -> list[OutboundEmail]:
    return list(session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))
