"""The consent ledger: what a defender allows Vigil to do, recorded entry by entry.

Each :class:`ConsentEntry` is one decision about one *scope* for one defender: ``grant`` or
``withdraw`` for the scopes in :class:`ConsentScope`, or the defender's *strategy*
(:class:`Strategy`: quiet diplomacy, public action, or record only). Each entry says who
decided (:class:`ConsentGiver`): the defender, a representative (with their relation: family
for a deceased or detained defender, a lawyer), a community's assembly or authority (with the
body that decided), or the reporter, whose word is written down but never counts as
permission, because the reporter may not be the defender. Entries are only ever
added: there is no function to change or remove one, and the ORM refuses to update or delete
a loaded entry. The current consent is the latest entry per scope (highest id), read from the
database on every call and cached nowhere, so a withdrawal takes effect at once everywhere.

Publication and alert code must ask :func:`has_consent` (or :func:`current_consent`) and
:func:`current_strategy` right before acting.

Defaults, with no entry for a scope:

- ``store`` is allowed: the defender is on record because someone reported an attack on them
  (the reporter's submission, or a public source an analyst documented); keeping that record
  is the organisation's purpose. For reports, :func:`record_initial_consent_from_report`
  writes it down explicitly. Withdrawing ``store`` is recorded and turns it false; the record
  itself is then erased with ``vigil people forget``.
- every other scope (sharing with stakeholders, publishing the alias, name or photo) is
  refused until the defender grants it; a reporter's wish never grants publication, because
  the reporter may not be the defender.
- no strategy: nothing is shared. Quiet diplomacy *is* sharing (an alert tells a company's
  staff about the case), so it needs the defender's own consent like public action
  (:func:`sharing_consent`).

Permission counts only from the defender's own side (:func:`is_own_decision`): a grant, or a
quiet/public strategy, given by the reporter or obtained ``through_reporter`` does not allow
anything. A refusal counts whoever relays it: "record only" or a withdrawal from the reporter
is honoured at once.

A grant may carry an expiry (:attr:`ConsentEntry.expires_at`): from that instant it allows
nothing, exactly as a withdrawal would, without anyone recording one. Expiry is read at the
moment of the check (``at``, now by default), never cached.

Every entry is audited (``consent.recorded`` with scope, decision and method; never a name).
The vocabulary and the table are in :mod:`vigil.defenders.consent_ledger`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.core.audit import record_event
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.defenders.consent_ledger import (
    DEFAULT_CONSENT,
    NEEDS_RELATION,
    OWN_GIVERS,
    RESTRICTIVENESS,
    STRATEGY,
    ConsentEntry,
    ConsentGiver,
    ConsentMethod,
    ConsentScope,
    Decision,
    Strategy,
    is_own_decision,
)
from vigil.defenders.models import Defender, DefenderKind

#: The ledger's names stay importable from here, where the rules that read them live.
__all__ = [
    "DEFAULT_CONSENT",
    "NEEDS_RELATION",
    "OWN_GIVERS",
    "RESTRICTIVENESS",
    "STRATEGY",
    "ConsentEntry",
    "ConsentGiver",
    "ConsentMethod",
    "ConsentScope",
    "Decision",
    "SharingConsent",
    "Strategy",
    "consent_history",
    "current_consent",
    "current_entries",
    "current_strategy",
    "defenders_kept_out_of_public_counts",
    "has_consent",
    "is_own_decision",
    "most_restrictive",
    "record_consent",
    "record_initial_consent_from_report",
    "sharing_consent",
]


def _defender(session: Session, org_id: int, defender_id: int) -> Defender:
    return load_in_org(session, Defender, defender_id, org_id=org_id, missing="No such defender.")


def _checked_giver(defender: Defender, given_by: str, relation: str | None) -> str | None:
    """The relation to store: required for a representative or a community body, dropped
    for the defender and the reporter. A community decision is only for a community."""
    if given_by not in ConsentGiver.__members__:
        raise Invalid("Say who decided: the defender, a representative, or the community.")
    if given_by not in NEEDS_RELATION:
        return None
    relation = (relation or "").strip()
    if not relation:
        raise Invalid(
            "Record who decided: the representative's relation to the defender, or the "
            "community's assembly or authority."
        )
    if given_by == ConsentGiver.community and defender.kind != DefenderKind.community:
        raise Invalid("Only a community decides through its assembly or authority.")
    return relation[:120]


def _checked_decision(scope: str, decision: str, method: str, expires_at: datetime | None) -> None:
    """Refuse an unknown scope, decision or method, and an expiry that cannot apply: only a
    grant lapses (keeping the record never does), and it must lapse in the future."""
    if scope == STRATEGY:
        if decision not in Strategy.__members__:
            raise Invalid("Choose quiet diplomacy, public action or record only.")
    elif scope not in ConsentScope.__members__:
        raise Invalid(f"Unknown consent scope {scope!r}.")
    elif decision not in Decision.__members__:
        raise Invalid("Choose whether consent is granted or withdrawn.")
    if method not in ConsentMethod.__members__:
        raise Invalid("Say how the consent was obtained.")
    if expires_at is None:
        return
    if scope in (STRATEGY, ConsentScope.store) or decision != Decision.grant:
        raise Invalid("Only a granted consent to share or publish can have an expiry.")
    if expires_at.tzinfo is None or expires_at <= utcnow():
        raise Invalid("The expiry must be in the future.")


def record_consent(
    session: Session,
    *,
    org_id: int,
    defender_id: int,
    scope: str,
    decision: str,
    method: str,
    actor_user_id: int | None,
    report_id: int | None = None,
    incident_id: int | None = None,
    given_by: str,
    relation: str | None = None,
    expires_at: datetime | None = None,
) -> ConsentEntry:
    """Append one entry: ``decision`` is grant/withdraw for a scope, or a strategy code when
    ``scope`` is ``"strategy"``; ``given_by`` says who decided and ``relation`` who they are
    to the defender (required for a representative or a community body); a grant may end at
    ``expires_at``. ``incident_id`` only tells the audit log where it was done."""
    defender = _defender(session, org_id, defender_id)
    relation = _checked_giver(defender, given_by, relation)
    _checked_decision(scope, decision, method, expires_at)
    entry = ConsentEntry(
        organisation_id=defender.organisation_id,
        defender_id=defender.id,
        scope=scope,
        decision=decision,
        method=method,
        given_by=given_by,
        relation=relation,
        recorded_by_id=actor_user_id,
        report_id=report_id,
        expires_at=expires_at,
    )
    session.add(entry)
    session.flush()
    # The relation stays out of the audit log: "her brother" can narrow down who she is.
    detail: dict[str, object] = {"scope": scope, "method": method, "given_by": given_by}
    if scope == STRATEGY:
        detail["strategy"] = decision
    else:
        detail["decision"] = "granted" if decision == Decision.grant else "withdrawn"
    if incident_id is not None:
        detail["incident"] = incident_id
    if report_id is not None:
        detail["report"] = report_id
    if expires_at is not None:
        detail["expires_at"] = expires_at.isoformat()
    record_event(
        session,
        action="consent.recorded",
        organisation_id=defender.organisation_id,
        actor_user_id=actor_user_id,
        object_type="defender",
        object_id=defender.id,
        detail=detail,
    )
    return entry


def _latest(session: Session, defender_id: int) -> dict[str, ConsentEntry]:
    """scope -> the latest entry per scope (strategy included)."""
    latest_ids = (
        select(func.max(ConsentEntry.id))
        .where(ConsentEntry.defender_id == defender_id)
        .group_by(ConsentEntry.scope)
    )
    entries = session.scalars(select(ConsentEntry).where(ConsentEntry.id.in_(latest_ids)))
    return {entry.scope: entry for entry in entries}


def _allows(scope: str, entry: ConsentEntry | None, at: datetime) -> bool:
    """A scope's latest entry read as permission at ``at``: a withdrawal counts from anyone,
    a grant only from the defender's own side and only until it expires (keeping the record
    is the one exception: it is the organisation's purpose, see the module's docstring)."""
    if entry is None:
        return DEFAULT_CONSENT[scope]
    if entry.decision != Decision.grant or entry.expired(at):
        return False
    return scope == ConsentScope.store or entry.own


def current_consent(
    session: Session, *, defender_id: int, at: datetime | None = None
) -> dict[str, bool]:
    """Every scope -> allowed at ``at`` (now by default; latest entry, else the default)."""
    latest = _latest(session, defender_id)
    when = at or utcnow()
    return {scope: _allows(scope, latest.get(scope), when) for scope in DEFAULT_CONSENT}


def current_entries(session: Session, *, defender_id: int) -> dict[str, ConsentEntry]:
    """scope -> the entry that decides it now (for showing who consented and until when)."""
    return _latest(session, defender_id)


def _latest_entry(session: Session, defender_id: int, scope: str) -> ConsentEntry | None:
    return session.scalar(
        select(ConsentEntry)
        .where(ConsentEntry.defender_id == defender_id, ConsentEntry.scope == scope)
        .order_by(ConsentEntry.id.desc())
        .limit(1)
    )


def has_consent(
    session: Session, *, defender_id: int, scope: str, at: datetime | None = None
) -> bool:
    """Whether the defender allows ``scope`` at ``at`` (now by default). Ask right before
    acting; never cache (a grant may expire between two checks)."""
    if scope not in ConsentScope.__members__:
        raise Invalid(f"Unknown consent scope {scope!r}.")
    return _allows(scope, _latest_entry(session, defender_id, scope), at or utcnow())


def current_strategy(session: Session, *, defender_id: int) -> str | None:
    """quiet / public / record_only as last recorded (whoever decided), or None when no
    strategy was ever recorded. Whether it allows sharing is :func:`sharing_consent`'s call."""
    entry = _latest_entry(session, defender_id, STRATEGY)
    return entry.decision if entry else None


@dataclass(frozen=True)
class SharingConsent:
    """What one defender allows an alert to do.

    ``refused``: "record only" (from anyone), ``store`` withdrawn, or forgotten: no alert.
    ``strategy``: quiet or public, agreed by the defender's own side; None when only a third
    party spoke or nobody did (an alert then needs a confirmed emergency exception).
    """

    refused: bool
    strategy: str | None


def sharing_consent(session: Session, *, defender: Defender) -> SharingConsent:
    """The one rule every alert check asks (drafting, writing the message, launching)."""
    entry = _latest_entry(session, defender.id, STRATEGY)
    refused = (
        defender.forgotten_at is not None
        or not has_consent(session, defender_id=defender.id, scope=ConsentScope.store)
        or (entry is not None and entry.decision == Strategy.record_only)
    )
    own = entry is not None and not refused and entry.own
    return SharingConsent(refused=refused, strategy=entry.decision if own else None)


def most_restrictive(strategies: list[str]) -> str:
    """The strategy every victim of a case can live with: record only before quiet
    diplomacy before public action."""
    return next(s for s in RESTRICTIVENESS if s in strategies)


def consent_history(session: Session, *, org_id: int, defender_id: int) -> list[ConsentEntry]:
    """The whole ledger of one defender, newest first."""
    _defender(session, org_id, defender_id)
    return list(
        session.scalars(
            select(ConsentEntry)
            .where(ConsentEntry.defender_id == defender_id)
            .order_by(ConsentEntry.id.desc())
        )
    )


def record_initial_consent_from_report(
    session: Session,
    *,
    defender_id: int,
    org_id: int,
    wish: str,
    report_id: int,
    actor_user_id: int | None = None,
) -> list[ConsentEntry]:
    """When a report becomes an incident: write down ``store`` as granted and the reporter's
    wish as the strategy, both given by the reporter (so the wish never allows an alert: the
    defender's own consent must be recorded first). A defender already known may
    have decided otherwise before, and a reporter's word never overrides the defender's own:
    a scope that already has an entry is left alone. Publication is never granted here."""
    if wish not in Strategy.__members__:
        raise Invalid(f"Unknown wish {wish!r}.")
    latest = _latest(session, _defender(session, org_id, defender_id).id)
    wanted = [(ConsentScope.store.value, Decision.grant.value), (STRATEGY, wish)]
    return [
        record_consent(
            session,
            org_id=org_id,
            defender_id=defender_id,
            scope=scope,
            decision=decision,
            method=ConsentMethod.through_reporter,
            given_by=ConsentGiver.reporter,
            actor_user_id=actor_user_id,
            report_id=report_id,
        )
        for scope, decision in wanted
        if scope not in latest
    ]


def defenders_kept_out_of_public_counts(session: Session) -> set[int]:
    """Defenders whose incidents must not be counted in the public aggregate numbers.

    Counting an incident in a de-identified count (country and type of attack only, at least
    ``VIGIL_PUBLIC_MIN_CELL`` to a cell, after the publication delay) publishes no alias,
    name, photo, place or date, so it does not wait for a ``publish_*`` grant (those govern an
    incident's own entry in the register). It is still a publication, so it respects every
    refusal: a defender who chose *record only* (keep it on file and do nothing else), who
    withdrew ``store``, or who was forgotten keeps every incident they are a victim of out of
    the counts. One query for the whole batch; the latest entry per scope wins, as everywhere.
    """
    latest_ids = (
        select(func.max(ConsentEntry.id))
        .where(ConsentEntry.scope.in_([STRATEGY, ConsentScope.store.value]))
        .group_by(ConsentEntry.defender_id, ConsentEntry.scope)
    )
    refused = select(ConsentEntry.defender_id).where(
        ConsentEntry.id.in_(latest_ids),
        ConsentEntry.decision.in_([Strategy.record_only.value, Decision.withdraw.value]),
    )
    forgotten = select(Defender.id).where(Defender.forgotten_at.is_not(None))
    return set(session.scalars(refused)) | set(session.scalars(forgotten))
