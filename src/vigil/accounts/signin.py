"""Signing in: password, then TOTP, then a server-side session; with failure throttling.

Rate limits count failures within a fixed window (``core.throttle``: keyed hashes only, never
an e-mail or an IP address) per account *and client* pair, per account and per client. The
pair limit is the tight one; the account limit is higher, so an attacker on one client (or a
few) cannot pause an account for its owner elsewhere; the client limit pauses only that
client (behind a reverse proxy, set ``VIGIL_TRUSTED_PROXIES`` so that clients are told apart).
Each attempt is counted before it is judged and given back if it was right
(``core.throttle.take_attempt``), so concurrent guesses cannot slip past a limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from vigil.accounts.models import Membership, SessionStage, User, UserSession
from vigil.accounts.service import normalise_email, open_totp_seed, primary_membership
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.errors import Forbidden, Invalid
from vigil.core.security import (
    hash_password,
    new_token,
    password_needs_rehash,
    token_digest,
    verify_password,
    verify_totp,
)
from vigil.core.throttle import Budget, give_back, take_attempt, throttle_key, window_start

CODE_REFUSED = "That code is not valid. Enter the current code from your app."


class TooManyAttempts(Forbidden):
    """Sign-in is paused for this account or this client until the window ends."""


@dataclass(frozen=True)
class SignInPolicy:
    secret: bytes
    window: timedelta
    max_pair_failures: int
    max_account_failures: int
    max_client_failures: int
    idle: timedelta
    max_age: timedelta


def _budgets(
    policy: SignInPolicy, start: datetime, email: str, client: str, *, per_client: bool = True
) -> list[Budget]:
    """The pair, the account and (for passwords) the client budgets of one attempt."""
    budgets = [
        Budget(
            throttle_key(policy.secret, start, "login-pair", f"{email}\x1f{client}"),
            policy.max_pair_failures,
        ),
        Budget(
            throttle_key(policy.secret, start, "login-account", email),
            policy.max_account_failures,
        ),
    ]
    if per_client:
        budgets.append(
            Budget(
                throttle_key(policy.secret, start, "login-client", client),
                policy.max_client_failures,
            )
        )
    return budgets


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
    budgets = _budgets(policy, start, email, client)
    if not take_attempt(session, budgets=budgets, start=start):
        raise TooManyAttempts("Too many failed attempts. Wait a few minutes and try again.")
    user = session.scalar(select(User).where(User.email == email))
    password_hash = user.password_hash if user is not None else None
    if not verify_password(password_hash, password) or user is None or not user.is_active:
        record_event(
            session, action="signin.failed", actor_user_id=user.id if user is not None else None
        )
        raise Invalid("Wrong e-mail address or password.")
    give_back(session, keys=[budget.key for budget in budgets], start=start)
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


def _claim_totp_step(session: Session, *, user_id: int, step: int) -> bool:
    """Spend a TOTP time step in one conditional UPDATE: of concurrent sign-ins with the same
    code exactly one moves ``totp_last_step`` forward (the row lock, or SQLite's single
    writer, makes the others see the new value and match no row)."""
    claimed = session.execute(
        update(User)
        .where(
            User.id == user_id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .returning(User.id)
    )
    return claimed.scalar_one_or_none() is not None


def check_code(
    session: Session,
    *,
    policy: SignInPolicy,
    vault: Vault,
    token: str,
    code: str,
    client: str,
    now: datetime,
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
    budgets = _budgets(policy, start, user.email, client, per_client=False)
    if not take_attempt(session, budgets=budgets, start=start):
        session.delete(half)
        raise TooManyAttempts("Too many failed attempts. Wait a few minutes and try again.")
    seed = open_totp_seed(vault, user, user.totp_secret_sealed) or ""
    step = verify_totp(seed, code, last_step=user.totp_last_step, at=now.timestamp())
    if step is None:
        record_event(session, action="signin.code_failed", actor_user_id=user.id)
        raise Invalid(CODE_REFUSED)
    if not _claim_totp_step(session, user_id=user.id, step=step):
        # A right code, but spent meanwhile by a concurrent sign-in: a replay.
        record_event(session, action="signin.code_replayed", actor_user_id=user.id)
        raise Invalid(CODE_REFUSED)
    give_back(session, keys=[budget.key for budget in budgets], start=start)
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
