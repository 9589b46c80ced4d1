"""Following urgent actions by e-mail: double opt-in, unsubscribe, and mailing an update.

Why this shape:
- Double opt-in: a subscription counts only once its address followed the confirmation link,
  so nobody can sign someone else up for mail about attacks on defenders.
- The address is sealed with the subscription's own data key and found by a keyed blind index
  (``KeyRing.blind_index``): the table is not a mailing list to whoever copies it.
  Unsubscribing deletes the row and crypto-shreds its key.
- Confirmation tokens are random and stored as SHA-256 digests; unsubscribe tokens are an
  HMAC of the subscription's id under the server secret, so every mail carries a working link
  and a database copy can neither confirm nor cancel anyone's subscription.
- Every message goes through the durable staff-mail outbox (``outbox.staff_email``) and
  carries its own unsubscribe link; one update reaches an address once however many of its
  subscriptions (the case, the region, the type of attack) match (:class:`UpdateMailing`).
- A global throttle (no client address, no cookie) bounds how many confirmation mails the
  form can be made to send in an hour.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import LOCALES, N_, catalogue
from vigil.core.security import keyed_digest
from vigil.core.throttle import Budget, take_attempt, throttle_key, window_start
from vigil.outbox.staff_email import queue_email
from vigil.public.register_models import LabelKind, PublicIncidentLabel
from vigil.urgent_actions.models import (
    ScopeKind,
    Subscription,
    UpdateMailing,
    UrgentAction,
)

INDEX_PURPOSE = "urgent_action_subscriber"
#: Confirmation mails the public form may cause per hour, all subscribers together.
SUBSCRIPTIONS_PER_HOUR = 300
WINDOW = timedelta(hours=1)
EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[^@\s<>\"]{1,190}\.[^@\s<>\"]{2,63}$")
REGION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
CODE = re.compile(r"^[a-z0-9_]{1,64}$")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Scope:
    kind: str
    value: str


def checked_scope(kind: str, value: str) -> Scope:
    """Refuse anything but a case id, an ISO 3166-2 region code or an attack-type code."""
    valid = (
        (kind == ScopeKind.case and value.isdigit())
        or (kind == ScopeKind.region and REGION.match(value))
        or (kind == ScopeKind.attack_type and CODE.match(value))
    )
    if not valid:
        raise Invalid(N_("Choose what to follow."))
    return Scope(kind=kind, value=value)


def _mail(
    session: Session, *, to: str, language: str, subject: str, lines: list[str], stop_url: str
) -> None:
    t = catalogue(language if language in LOCALES else "en").gettext
    footer = t(N_("To stop receiving these messages, open: %(url)s")) % {"url": stop_url}
    body = "\n\n".join([*lines, footer])
    queue_email(session, to_address=to, subject=subject, body=body, organisation_id=None)


def subscribe(
    session: Session,
    vault: Vault,
    *,
    secret: bytes,
    email: str,
    scope: Scope,
    language: str,
    base_url: str,
) -> bool:
    """Ask to follow ``scope``: a confirmation mail goes out unless the address already has
    this subscription (the answer on the page is the same either way, so the form tells
    nobody who follows what). False when the hourly budget is spent."""
    email = email.strip()
    if not EMAIL.match(email):
        raise Invalid(N_("Enter a valid e-mail address."))
    index = vault.ring.blind_index(INDEX_PURPOSE, email)
    existing = session.scalar(
        select(Subscription).where(
            Subscription.scope_kind == scope.kind,
            Subscription.scope_value == scope.value,
            Subscription.email_index == index,
        )
    )
    if existing is not None:
        return True
    start = window_start(utcnow(), WINDOW)
    budget = Budget(
        key=throttle_key(secret, start, "ua.subscribe", "all"), limit=SUBSCRIPTIONS_PER_HOUR
    )
    if not take_attempt(session, budgets=[budget], start=start):
        return False
    confirm = secrets.token_urlsafe(24)
    key = vault.new_key()
    row = Subscription(
        scope_kind=scope.kind,
        scope_value=scope.value,
        email_index=index,
        data_key_id=key.id,
        email_sealed=vault.seal(key.id, email),
        language=language if language in LOCALES else "en",
        confirm_digest=digest(confirm),
    )
    session.add(row)
    session.flush()
    t = catalogue(row.language).gettext
    _mail(
        session,
        to=email,
        language=row.language,
        subject=t(N_("Confirm your subscription to urgent actions")),
        lines=[
            t(N_("Someone asked to send urgent action updates to this address.")),
            t(N_("To confirm, open: %(url)s")) % {"url": f"{base_url}/actions/confirm/{confirm}"},
            t(N_("If it was not you, ignore this message: nothing more will be sent.")),
        ],
        stop_url=f"{base_url}/actions/unsubscribe/{stop_token(secret, row.id)}",
    )
    return True


def confirm_subscription(session: Session, *, token: str) -> Subscription:
    row = session.scalar(select(Subscription).where(Subscription.confirm_digest == digest(token)))
    if row is None:
        raise NotFound("This link is not valid, or the subscription was cancelled.")
    if row.confirmed_at is None:
        row.confirmed_at = utcnow()
        session.flush()
    return row


def stop_token(secret: bytes, subscription_id: int) -> str:
    return f"{subscription_id}-{keyed_digest(secret, 'ua.unsubscribe', str(subscription_id))[:40]}"


def unsubscribe(session: Session, vault: Vault, *, secret: bytes, token: str) -> None:
    """Delete the subscription and erase its address for good (its data key is destroyed)."""
    head, _, _ = token.partition("-")
    row = session.get(Subscription, int(head)) if head.isdigit() and len(head) < 12 else None
    if row is None or not hmac.compare_digest(stop_token(secret, row.id), token):
        raise NotFound("This link is not valid, or the subscription was cancelled.")
    key_id = row.data_key_id
    session.delete(row)
    session.flush()
    if key_id is not None:
        vault.destroy(key_id)


def _audience(session: Session, action: UrgentAction) -> list[Subscription]:
    """Confirmed subscriptions to the case, its region or one of its types of attack (none
    while the case is out of the register: nothing is mailed about it)."""
    if action.public_incident is None:
        return []
    attack_types = list(
        session.scalars(
            select(PublicIncidentLabel.code).where(
                PublicIncidentLabel.public_incident_id == action.public_incident.id,
                PublicIncidentLabel.kind == LabelKind.attack_type,
            )
        )
    )
    matches = [
        (Subscription.scope_kind == ScopeKind.case) & (Subscription.scope_value == str(action.id))
    ]
    region = action.public_incident.region
    if region:
        matches.append(
            (Subscription.scope_kind == ScopeKind.region) & (Subscription.scope_value == region)
        )
    if attack_types:
        matches.append(
            (Subscription.scope_kind == ScopeKind.attack_type)
            & Subscription.scope_value.in_(attack_types)
        )
    return list(
        session.scalars(
            select(Subscription)
            .where(Subscription.confirmed_at.is_not(None), or_(*matches))
            .order_by(Subscription.id)
        )
    )


def mail_update(
    session: Session, vault: Vault, *, secret: bytes, action: UrgentAction, base_url: str
) -> int:
    """Queue the current publication of ``action`` to every confirmed matching address, once
    each (an address already mailed for this suffix is skipped). Returns how many."""
    mailed = set(
        session.scalars(
            select(UpdateMailing.email_index).where(
                UpdateMailing.action_id == action.id, UpdateMailing.suffix == action.suffix
            )
        )
    )
    queued = 0
    for row in _audience(session, action):
        if row.email_index in mailed:
            continue
        address = vault.open(row.data_key_id, row.email_sealed)
        if address is None:
            continue
        t = catalogue(row.language).gettext
        url = f"{base_url}/actions/{action.slug}"
        lines = [
            action.public_incident.title if action.public_incident else "",
            action.update_note,
            t(N_("Read and act: %(url)s")) % {"url": url},
        ]
        _mail(
            session,
            to=address,
            language=row.language,
            subject=t(N_("Urgent action %(code)s")) % {"code": action.code},
            lines=[line for line in lines if line],
            stop_url=f"{base_url}/actions/unsubscribe/{stop_token(secret, row.id)}",
        )
        session.add(
            UpdateMailing(action_id=action.id, suffix=action.suffix, email_index=row.email_index)
        )
        mailed.add(row.email_index)
        queued += 1
    session.flush()
    return queued


ENDED = N_("This urgent action has ended. Thank you for everything you did for it.")


def mail_ended(
    session: Session, vault: Vault, *, secret: bytes, action: UrgentAction, base_url: str
) -> int:
    """Tell every confirmed matching address, neutrally, that the action has ended: no title,
    no note, no link to the page (it answers 410). Used when a victim leaves public action,
    so nothing says why. Returns how many were queued."""
    queued = 0
    for row in _audience(session, action):
        address = vault.open(row.data_key_id, row.email_sealed)
        if address is None:
            continue
        t = catalogue(row.language).gettext
        _mail(
            session,
            to=address,
            language=row.language,
            subject=t(N_("Urgent action %(code)s")) % {"code": action.code},
            lines=[t(ENDED)],
            stop_url=f"{base_url}/actions/unsubscribe/{stop_token(secret, row.id)}",
        )
        queued += 1
    session.flush()
    return queued
