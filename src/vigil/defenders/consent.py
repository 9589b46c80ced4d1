"""The consent ledger: what a defender allows Vigil to do, recorded entry by entry.

Each :class:`ConsentEntry` is one decision about one *scope* for one defender: ``grant`` or
``withdraw`` for the scopes in :class:`ConsentScope`, or the defender's *strategy*
(:class:`Strategy`: quiet diplomacy, public action, or record only). Entries are only ever
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
- the strategy is ``quiet`` (quiet diplomacy), the safer choice.

Every entry is audited (``consent.recorded`` with scope, decision and method; never a name).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core.audit import record_event
from vigil.core.db import Base, utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.defenders.models import Defender


class ConsentScope(StrEnum):
    store = "store"
    share_with_stakeholders = "share_with_stakeholders"  # named in alerts to stakeholders
    publish_alias = "publish_alias"
    publish_name = "publish_name"
    publish_photo = "publish_photo"


class Strategy(StrEnum):
    """The defender's choice of response (same codes as the reporter's wish in intake)."""

    quiet = "quiet"
    public = "public"
    record_only = "record_only"


class ConsentMethod(StrEnum):
    """How the decision was obtained."""

    in_person = "in_person"
    phone = "phone"
    secure_message = "secure_message"
    through_reporter = "through_reporter"
    other = "other"


class Decision(StrEnum):
    grant = "grant"
    withdraw = "withdraw"


#: The ledger's pseudo-scope for strategy entries (their decision is a :class:`Strategy`).
STRATEGY = "strategy"

DEFAULT_CONSENT: dict[str, bool] = {scope: scope == ConsentScope.store for scope in ConsentScope}
DEFAULT_STRATEGY = Strategy.quiet


def _in(values: list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class ConsentEntry(Base):
    """One append-only entry. ``report_id`` names the report the decision came through."""

    __tablename__ = "consent_entries"
    __table_args__ = (
        Index("ix_consent_entries_defender_scope", "defender_id", "scope", "id"),
        CheckConstraint(
            f"(scope = '{STRATEGY}' AND decision IN ({_in(list(Strategy))})) OR "
            f"(scope IN ({_in(list(ConsentScope))}) AND decision IN ({_in(list(Decision))}))",
            name="scope_decision",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    defender_id: Mapped[int] = mapped_column(ForeignKey("defenders.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(30))
    decision: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(30))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def granted(self) -> bool | None:
        """True/False for a scope entry; None for a strategy entry."""
        return None if self.scope == STRATEGY else self.decision == Decision.grant


@event.listens_for(ConsentEntry, "before_update")
def _refuse_update(*_args: object) -> None:
    raise Conflict("The consent ledger is append-only: record a new entry instead.")


@event.listens_for(ConsentEntry, "before_delete")
def _refuse_delete(*_args: object) -> None:
    raise Conflict("The consent ledger is append-only: record a new entry instead.")


def _defender(session: Session, org_id: int, defender_id: int) -> Defender:
    defender = session.get(Defender, defender_id)
    if defender is None or defender.organisation_id != org_id:
        raise NotFound("No such defender.")
    return defender


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
) -> ConsentEntry:
    """Append one entry: ``decision`` is grant/withdraw for a scope, or a strategy code when
    ``scope`` is ``"strategy"``. ``incident_id`` only tells the audit log where it was done."""
    defender = _defender(session, org_id, defender_id)
    if scope == STRATEGY:
        if decision not in Strategy.__members__:
            raise Invalid("Choose quiet diplomacy, public action or record only.")
    elif scope not in ConsentScope.__members__:
        raise Invalid(f"Unknown consent scope {scope!r}.")
    elif decision not in Decision.__members__:
        raise Invalid("Choose whether consent is granted or withdrawn.")
    if method not in ConsentMethod.__members__:
        raise Invalid("Say how the consent was obtained.")
    entry = ConsentEntry(
        organisation_id=defender.organisation_id,
        defender_id=defender.id,
        scope=scope,
        decision=decision,
        method=method,
        recorded_by_id=actor_user_id,
        report_id=report_id,
    )
    session.add(entry)
    session.flush()
    detail: dict[str, object] = {"scope": scope, "method": method}
    if scope == STRATEGY:
        detail["strategy"] = decision
    else:
        detail["decision"] = "granted" if decision == Decision.grant else "withdrawn"
    if incident_id is not None:
        detail["incident"] = incident_id
    if report_id is not None:
        detail["report"] = report_id
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


def _latest(session: Session, defender_id: int) -> dict[str, str]:
    """scope -> decision of the latest entry per scope (strategy included)."""
    latest_ids = (
        select(func.max(ConsentEntry.id))
        .where(ConsentEntry.defender_id == defender_id)
        .group_by(ConsentEntry.scope)
    )
    rows = session.execute(
        select(ConsentEntry.scope, ConsentEntry.decision).where(ConsentEntry.id.in_(latest_ids))
    ).all()
    return {scope: decision for scope, decision in rows}


def current_consent(session: Session, *, defender_id: int) -> dict[str, bool]:
    """Every scope -> allowed now (latest entry, else the default)."""
    latest = _latest(session, defender_id)
    return {
        scope: latest[scope] == Decision.grant if scope in latest else default
        for scope, default in DEFAULT_CONSENT.items()
    }


def has_consent(session: Session, *, defender_id: int, scope: str) -> bool:
    """Whether the defender allows ``scope`` now. Ask right before acting; never cache."""
    if scope not in ConsentScope.__members__:
        raise Invalid(f"Unknown consent scope {scope!r}.")
    decision = session.scalar(
        select(ConsentEntry.decision)
        .where(ConsentEntry.defender_id == defender_id, ConsentEntry.scope == scope)
        .order_by(ConsentEntry.id.desc())
        .limit(1)
    )
    return DEFAULT_CONSENT[scope] if decision is None else decision == Decision.grant


def current_strategy(session: Session, *, defender_id: int) -> str:
    """quiet / public / record_only: the latest strategy entry, else quiet diplomacy."""
    decision = session.scalar(
        select(ConsentEntry.decision)
        .where(ConsentEntry.defender_id == defender_id, ConsentEntry.scope == STRATEGY)
        .order_by(ConsentEntry.id.desc())
        .limit(1)
    )
    return decision or DEFAULT_STRATEGY


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
    wish as the strategy, both obtained "through the reporter". A defender already known may
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
