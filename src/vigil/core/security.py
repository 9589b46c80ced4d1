"""Passwords, one-time codes, random tokens and keyed hashes.

Why these choices:
- argon2id (argon2-cffi defaults, RFC 9106 low-memory profile) because a stolen database must
  not give away staff passwords.
- Tokens in links and cookies are 256-bit random values; only their SHA-256 is stored, so a
  database leak does not let anyone sign in or enrol.
- CSRF tokens are an HMAC of a random per-browser value (and of the staff session, once
  signed in), so a forged form from another site cannot carry a valid one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

#: argon2id with RFC 9106's low-memory profile (the argon2-cffi default, named so a test can hold
#: it): about a quarter of a second per hash on a small server. The test suite swaps in a cheap
#: hasher (tests/conftest.py); tests/core/test_passwords.py checks this profile.
PASSWORD_PROFILE = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PASSWORD_PROFILE)

MIN_PASSWORD_LENGTH = 12
TOTP_ISSUER = "Vigil"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-time check; a missing hash still costs one argon2 run (no timing oracle)."""
    try:
        if password_hash is None:
            _hasher.hash(password)
            return False
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_digest(secret: bytes, *parts: str) -> str:
    """HMAC-SHA256 over the parts; used for pseudonymous keys that must not be reversible."""
    return hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=TOTP_ISSUER)


def verify_totp(secret: str, code: str, *, last_step: int | None, at: float) -> int | None:
    """Return the accepted time step, or None. Accepts one step of clock drift either way and
    refuses a step already used (no replay of an observed code)."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(at // totp.interval)
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def csrf_token_for(secret: bytes, browser_token: str, session_token: str | None = None) -> str:
    """Bound to the browser's random cookie and, once signed in, to the staff session cookie
    (a token from before sign-in or from another session then no longer matches)."""
    return keyed_digest(secret, "csrf", browser_token, session_token or "")


def csrf_token_valid(
    secret: bytes,
    browser_token: str | None,
    submitted: str | None,
    session_token: str | None = None,
) -> bool:
    if not browser_token or not submitted:
        return False
    expected = csrf_token_for(secret, browser_token, session_token)
    # Bytes: compare_digest raises TypeError on non-ASCII str, which would answer 500.
    return hmac.compare_digest(expected.encode(), submitted.encode())
