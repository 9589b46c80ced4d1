"""The staff surface's gate: who is signed in, in which organisation, with which role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from vigil.access import Actor, may_edit_playbooks, may_read_audit, may_write
from vigil.accounts.service import get_membership
from vigil.accounts.signin import SignInPolicy, load_session
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.errors import Forbidden, VigilError
from vigil.web.cookies import SESSION_COOKIE, read_cookie
from vigil.web.deps import DbSession
from vigil.web.templating import show_times_in


class SignInRequired(Exception):
    """Raised by the gate; ``app.py`` turns it into a redirect (HTML) or 401 (API)."""


@dataclass(frozen=True)
class Staff:
    user_id: int
    email: str
    display_name: str
    organisation_id: int
    organisation_name: str
    role: str
    on_duty: bool = False
    #: The zone this person reads times in: their own choice, else the organisation's.
    time_zone: str = "UTC"

    @property
    def actor(self) -> Actor:
        """Who asks, for ``vigil.access`` (which decides what each role may do)."""
        return Actor(user_id=self.user_id, org_id=self.organisation_id, role=self.role)

    # Templates ask these rather than compare role names, so the rules stay in one place.
    @property
    def can_write(self) -> bool:
        return may_write(self.actor)

    @property
    def may_read_audit(self) -> bool:
        return may_read_audit(self.actor)

    @property
    def may_edit_playbooks(self) -> bool:
        return may_edit_playbooks(self.actor)


def signin_policy(settings: Settings) -> SignInPolicy:
    return SignInPolicy(
        secret=settings.secret,
        window=timedelta(minutes=settings.login_window_minutes),
        max_pair_failures=settings.login_max_failures_per_account_and_client,
        max_account_failures=settings.login_max_failures_per_account,
        max_client_failures=settings.login_max_failures_per_client,
        idle=timedelta(minutes=settings.session_idle_minutes),
        max_age=timedelta(hours=settings.session_max_hours),
    )


def current_staff(request: Request, session: DbSession) -> Staff:
    policy = signin_policy(request.app.state.settings)
    user_session = load_session(
        session, policy=policy, token=read_cookie(request, SESSION_COOKIE), now=utcnow()
    )
    if user_session is None:
        raise SignInRequired()
    membership = get_membership(
        session, user_id=user_session.user_id, organisation_id=user_session.organisation_id
    )
    time_zone = user_session.user.time_zone or user_session.organisation.time_zone
    show_times_in(request, time_zone)
    return Staff(
        user_id=user_session.user_id,
        email=user_session.user.email,
        display_name=user_session.user.display_name,
        organisation_id=user_session.organisation_id,
        organisation_name=user_session.organisation.name,
        role=membership.role,
        on_duty=membership.on_duty,
        time_zone=time_zone,
    )


CurrentStaff = Annotated[Staff, Depends(current_staff)]


def is_signed_in(request: Request, session: Session) -> bool:
    """Whether the request comes from a signed-in staff member, without redirecting anyone
    (``/healthz`` shows its details to staff only)."""
    try:
        current_staff(request, session)
    except (SignInRequired, VigilError):  # e.g. a membership that no longer exists
        return False
    return True


def require_writer(staff: CurrentStaff) -> Staff:
    """Route dependency for every change: auditors get a 403 (they know the page exists)."""
    if not may_write(staff.actor):
        raise Forbidden("Your role is read-only.")
    return staff
