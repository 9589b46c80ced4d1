"""Account rules: creating staff, enrolment (password + TOTP), and who may sign in."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.access.roles import RESPONDER_ROLES
from vigil.accounts.models import EnrolmentToken, Membership, Role, User, UserSession
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_token,
    new_totp_secret,
    token_digest,
    verify_totp,
)
from vigil.core.time_zones import is_time_zone
from vigil.organisations.models import Organisation


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise Invalid(f"{email!r} is not a valid e-mail address.")
    return email


def create_user(
    session: Session,
    *,
    email: str,
    role: str,
    organisation: Organisation,
    display_name: str = "",
    enrolment_valid_hours: int = 72,
) -> tuple[User, str]:
    """Create a staff user with one membership and return them with a one-time enrolment
    token (the caller turns it into a link; only its hash is stored)."""
    if role not in Role.__members__:
        raise Invalid(f"Unknown role {role!r}; choose one of: {', '.join(Role)}.")
    email = normalise_email(email)
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise Conflict(f"A user with e-mail {email} already exists.")
    user = User(email=email, display_name=display_name or email.split("@")[0])
    session.add(user)
    session.flush()
    session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=role))
    token = issue_enrolment_token(session, user=user, valid_hours=enrolment_valid_hours)
    record_event(
        session,
        action="user.created",
        organisation_id=organisation.id,
        object_type="user",
        object_id=user.id,
        detail={"role": role},
    )
    return user, token


def issue_enrolment_token(session: Session, *, user: User, valid_hours: int) -> str:
    token = new_token()
    session.add(
        EnrolmentToken(
            token_hash=token_digest(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(hours=valid_hours),
        )
    )
    session.flush()
    return token


def seal_totp_seed(vault: Vault, user: User, seed: str) -> bytes:
    """Seal a TOTP seed under the user's own data key (made on first use), so a stolen
    database or dump holds no second factor; `vigil keys rotate` re-wraps the key like any
    other."""
    if user.data_key_id is None:
        user.data_key_id = vault.new_key().id
    sealed = vault.seal(user.data_key_id, seed)
    assert sealed is not None
    return sealed


def open_totp_seed(vault: Vault, user: User, sealed: bytes | None) -> str | None:
    return vault.open(user.data_key_id, sealed)


def get_open_enrolment(
    session: Session, *, vault: Vault, token: str, now: datetime
) -> tuple[EnrolmentToken, str]:
    """The enrolment behind a link and the TOTP seed it offers; expired or used links are
    indistinguishable from unknown ones."""
    enrolment = session.scalar(
        select(EnrolmentToken).where(EnrolmentToken.token_hash == token_digest(token))
    )
    if (
        enrolment is None
        or enrolment.used_at is not None
        or enrolment.expires_at <= now
        or not enrolment.user.is_active
    ):
        raise NotFound("This enrolment link is unknown, already used or expired.")
    seed = open_totp_seed(vault, enrolment.user, enrolment.pending_totp_sealed)
    if seed is None:
        seed = new_totp_secret()
        enrolment.pending_totp_sealed = seal_totp_seed(vault, enrolment.user, seed)
        session.flush()
    return enrolment, seed


def complete_enrolment(
    session: Session,
    *,
    vault: Vault,
    token: str,
    password: str,
    password_confirmation: str,
    code: str,
    now: datetime,
) -> User:
    enrolment, seed = get_open_enrolment(session, vault=vault, token=token, now=now)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if password != password_confirmation:
        raise Invalid("The two passwords differ.")
    step = verify_totp(seed, code, last_step=None, at=now.timestamp())
    if step is None:
        raise Invalid("That code does not match. Check the time on your phone and try again.")
    user = enrolment.user
    user.password_hash = hash_password(password)
    user.totp_secret_sealed = enrolment.pending_totp_sealed
    user.totp_last_step = step
    user.enrolled_at = now
    enrolment.used_at = now
    enrolment.pending_totp_sealed = None
    session.flush()
    record_event(
        session,
        action="user.enrolled",
        actor_user_id=user.id,
        object_type="user",
        object_id=user.id,
    )
    return user


def primary_membership(session: Session, *, user: User) -> Membership:
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.id).limit(1)
    )
    if membership is None:
        raise NotFound("This account belongs to no organisation.")
    return membership


def get_membership(session: Session, *, user_id: int, organisation_id: int) -> Membership:
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == user_id, Membership.organisation_id == organisation_id
        )
    )
    if membership is None:
        raise NotFound("No membership.")
    return membership


def set_on_duty(session: Session, *, user_id: int, organisation_id: int, on_duty: bool) -> None:
    membership = get_membership(session, user_id=user_id, organisation_id=organisation_id)
    if membership.role not in RESPONDER_ROLES:
        raise Invalid("Only analysts and coordinators can be on duty.")
    membership.on_duty = on_duty
    session.flush()
    record_event(
        session,
        action="user.duty_changed",
        organisation_id=organisation_id,
        actor_user_id=user_id,
        object_type="user",
        object_id=user_id,
        detail={"on_duty": on_duty},
    )


def set_user_active(session: Session, *, email: str, active: bool) -> User:
    """Deactivate (or reactivate) a staff account. Deactivating ends every session of the
    user at once, half-open sign-ins included, so someone who leaves or loses a device is out
    on their next request, not when a session expires; sign-in and enrolment are refused."""
    email = normalise_email(email)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise NotFound(f"No user with e-mail {email}.")
    ended = 0
    if not active:
        ended = len(
            session.execute(
                delete(UserSession).where(UserSession.user_id == user.id).returning(UserSession.id)
            ).all()
        )
    changed = user.is_active != active
    user.is_active = active
    session.flush()
    if changed or ended:
        membership = session.scalar(
            select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
        )
        record_event(
            session,
            action="user.reactivated" if active else "user.deactivated",
            organisation_id=membership.organisation_id if membership else None,
            object_type="user",
            object_id=user.id,
            detail={"sessions_ended": ended} if not active else None,
        )
    return user


def set_user_time_zone(session: Session, *, org_id: int, user_id: int, name: str) -> User:
    """The zone this person reads times in; "" goes back to the organisation's. An IANA name
    ``zoneinfo`` knows (audited, in the organisation the person chose it from)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    name = name.strip()
    if name and not is_time_zone(name):
        raise Invalid(f"{name!r} is not a time zone (like America/Bogota).")
    user.time_zone = name or None
    session.flush()
    record_event(
        session,
        action="account.time_zone_set",
        organisation_id=org_id,
        actor_user_id=user_id,
        object_type="user",
        object_id=user_id,
        detail={"time_zone": name or None},
    )
    return user
