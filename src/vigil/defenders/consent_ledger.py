"""The consent ledger's vocabulary and its one table: scopes, strategies, who decided and how,
and the append-only :class:`ConsentEntry`. Reading and recording are in
:mod:`vigil.defenders.consent`; this module holds only what an entry *is*, so that the rules
stay short and the model is found in one place.

Scopes are of two sorts. The original ones say what Vigil may do with the record (keep it,
name the defender to stakeholders, publish). The per-recipient ones (issue 18) say to whom a
case may go and for what purpose: a state protection mechanism, UN and regional bodies,
funders, the media, use as evidence, the defender's location. A defender may agree to one
and not another (state measures such as armed escorts can themselves endanger a defender),
and a grant may be given for a time: ``expires_at`` ends it without a new entry.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow
from vigil.core.errors import Conflict


class ConsentScope(StrEnum):
    store = "store"
    share_with_stakeholders = "share_with_stakeholders"  # named in alerts to stakeholders
    publish_alias = "publish_alias"
    publish_name = "publish_name"
    publish_photo = "publish_photo"
    # The public register (issue 14): the exact place and the day are shown only with these.
    publish_place = "publish_place"  # the village or exact place, not only the region
    publish_date = "publish_date"  # the day, not only the month
    # Per recipient type and purpose (issue 18): each needs its own grant, may expire.
    share_state_mechanism = "share_state_mechanism"  # protection programme, NHRI, prosecutor
    share_un_regional = "share_un_regional"  # UN special procedures, regional commissions
    share_funders = "share_funders"  # donors and emergency funds
    share_media = "share_media"
    use_as_evidence = "use_as_evidence"  # testimony and files in litigation or submissions
    share_location = "share_location"  # where the defender is now


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


class ConsentGiver(StrEnum):
    """Who took the decision. Only the first three can give permission."""

    defender = "defender"
    representative = "representative"  # relation recorded: family, lawyer…
    community = "community"  # a community's assembly or authority; the body recorded
    reporter = "reporter"  # a third party's word: recorded, never permission


#: Givers whose decision is the defender's own (``relation`` says who, for the last two).
OWN_GIVERS = (ConsentGiver.defender, ConsentGiver.representative, ConsentGiver.community)
NEEDS_RELATION = (ConsentGiver.representative, ConsentGiver.community)


#: The ledger's pseudo-scope for strategy entries (their decision is a :class:`Strategy`).
STRATEGY = "strategy"

DEFAULT_CONSENT: dict[str, bool] = {scope: scope == ConsentScope.store for scope in ConsentScope}
#: Most restrictive first: when the victims of one case differ, the first one present wins.
RESTRICTIVENESS = (Strategy.record_only, Strategy.quiet, Strategy.public)


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
        CheckConstraint(f"given_by IN ({_in(list(ConsentGiver))})", name="given_by"),
        CheckConstraint(
            f"given_by NOT IN ({_in(list(NEEDS_RELATION))}) OR relation IS NOT NULL",
            name="relation_recorded",
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
    given_by: Mapped[str] = mapped_column(String(20), default=ConsentGiver.defender)
    #: The representative's relation to the defender, or the community body that decided.
    relation: Mapped[str | None] = mapped_column(String(120))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A grant given for a time: from this instant on it allows nothing (``expired``).
    expires_at: Mapped[datetime | None]

    @property
    def granted(self) -> bool | None:
        """True/False for a scope entry; None for a strategy entry."""
        return None if self.scope == STRATEGY else self.decision == Decision.grant

    @property
    def own(self) -> bool:
        return is_own_decision(self.given_by, self.method)

    def expired(self, at: datetime) -> bool:
        """Whether the grant has lapsed at ``at``: it allows up to, not including, its expiry."""
        return self.expires_at is not None and at >= self.expires_at


def is_own_decision(given_by: str, method: str) -> bool:
    """Whether a decision comes from the defender's own side and may therefore give
    permission: the defender, a recorded representative or the community's body, and not
    relayed by the reporter."""
    return given_by in OWN_GIVERS and method != ConsentMethod.through_reporter


@event.listens_for(ConsentEntry, "before_update")
def _refuse_update(*_args: object) -> None:
    raise Conflict("The consent ledger is append-only: record a new entry instead.")


@event.listens_for(ConsentEntry, "before_delete")
def _refuse_delete(*_args: object) -> None:
    raise Conflict("The consent ledger is append-only: record a new entry instead.")
