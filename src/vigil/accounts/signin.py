"""Signing in: password, then TOTP, then a server-side session; with failure throttling.

Rate limits count failures per account and per client within a fixed window
(``core.throttle``: keyed hashes only, never an e-mail or an IP address).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.accounts.models import Membership, SessionStage, User, UserSession
from vigil.accounts.service import normalise_email, primary_membership
from vigil.core.audit import record_event
from vigil.core.errors import Forbidden, Invalid
from vigil.core.security import (
    hash_password,
    new_token,
    password_needs_rehash,
    token_digest,
    verify_password,
    verify_totp,
)
from vigil.core.throttle import count_failure, over_limit, throttle_key, window_start


class TooManyAttempts(Forbidden):
    """Sign-in is paused for this account or this client until the window ends."""


@dataclass(frozen=True)
class SignInPolicy:
    secret: bytes
    window: timedelta
    max_account_failures: int
    max_client_failures: int
    idle: timedelta
    max_age: timedelta


def _throttle_keys(policy: SignInPolicy, start: datetime, email: str, client: str) -> list[str]:
    return [
        throttle_key(policy.secret, start, "login-account", email),
        throttle_key(policy.secret, start, "login-client", client),
    ]


def check_password(
    session: Session,
    *,
    policy: SignInPolicy,
    email: str,
    password: str,
    client: str,
    now: datetime,
) -> UserSession:
    """First factor. ``client`` is an opaque per-client string (never stored as given).

    Returns a half-open session that only allows entering the TOTP code."""
    start = window_start(now, policy.window)
    try:
        email = normalise_email(email)
    except Invalid:
        email = email.strip().lower()
    keys = _throttle_keys(policy, start, email, client)
    limits = {keys[0]: policy.max_account_failures, keys[1]: policy.max_client_failures}
    if over_limit(session, limits=limits, start=start):
        raise TooManyAttempts("Too many failed attempts. Wait a few minutes and try again.")
    user = session.scalar(select(User).where(User.email == email))
    password_hash = user.password_hash if user is not None else None
    if not verify_password(password_hash, password) or user is None or not user.is_active:
        count_failure(session, keys=keys, start=start)
        record_event(
            session, action="signin.failed", actor_user_id=user.id if user is not None else None
        )
        raise Invalid("Wrong e-mail address or password.")
    if password_needs_rehash(password_hash or ""):
        user.password_hash = hash_password(password)
    membership = primary_membership(session, user=user)
    return _open_session(session, policy=policy, user=user, membership=membership, now=now)


def _open_session(
    session: Session, *, policy: SignInPolicy, user: User, membership: Membership, now: datetime
) -> UserSession:
    token = new_token()
    user_session = UserSession(
        token_hash=token_digest(token),
        user_id=user.id,
        organisation_id=membership.organisation_id,
        stage=SessionStage.password_ok,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(minutes=10),
    )
    session.add(user_session)
    session.flush()
    user_session.token = token  # type: ignore[attr-defined]  # plain value, never persisted
    return user_session


def check_code(
    session: Session, *, policy: SignInPolicy, token: str, code: str, client: str, now: datetime
) -> UserSession:
    """Second factor: turns the half-open session into a full one with a new token (so a
    token seen before sign-in completes is worthless afterwards)."""
    half = load_session(
        session, policy=policy, token=token, now=now, stage=SessionStage.password_ok
    )
    if half is None:
        raise Forbidden("Your sign-in has expired. Start again.")
    user = half.user
    start = window_start(now, policy.window)
    keys = _throttle_keys(policy, start, user.email, client)
    if over_limit(session, limits={keys[0]: policy.max_account_failures}, start=start):
        session.delete(half)
        raise TooManyAttempts("Too many failed attempts. Wait a few minutes and try again.")
    step = verify_totp(
        user.totp_secret or "", code, last_step=user.totp_last_step, at=now.timestamp()
    )
    if step is None:
        count_failure(session, keys=keys, start=start)
        record_event(session, action="signin.code_failed", actor_user_id=user.id)
        raise Invalid("That code is not valid. Enter the current code from your app.")
    user.totp_last_step = step
    new = new_token()
    half.token_hash = token_digest(new)
    half.stage = SessionStage.active
    half.last_seen_at = now
    half.expires_at = now + policy.max_age
    session.flush()
    record_event(
        session,
        action="signin.succeeded",
        organisation_id=half.organisation_id,
        actor_user_id=user.id,
    )
    half.token = new  # type: ignore[attr-defined]
    return half


def load_session(
    session: Session,
    *,
    policy: SignInPolicy,
    token: str | None,
    now: datetime,
    stage: str = SessionStage.active,
) -> UserSession | None:
    """The live session for a cookie value, or None (expired and idle sessions are deleted)."""
    if not token or len(token) > 100:
        return None
    user_session = session.scalar(
        select(UserSession).where(UserSession.token_hash == token_digest(token))
    )
    if user_session is None or user_session.stage != stage:
        return None
    idle_limit = user_session.last_seen_at + policy.idle
    if user_session.expires_at <= now or (stage == SessionStage.active and idle_limit <= now):
        session.delete(user_session)
        session.flush()
        return None
    if not user_session.user.is_active:
        return None
    if (now - user_session.last_seen_at) > timedelta(minutes=1):
        user_session.last_seen_at = now  # coarse, to avoid a write on every request
    return user_session


def end_session(session: Session, *, token: str | None) -> None:
    if not token:
        return
    user_session = session.scalar(
        select(UserSession).where(UserSession.token_hash == token_digest(token))
    )
    if user_session is not None:
        record_event(
            session,
            action="signout",
            organisation_id=user_session.organisation_id,
            actor_user_id=user_session.user_id,
        )
        session.delete(user_session)
        session.flush()
