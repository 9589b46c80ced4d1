"""Tables of urgent actions, their recipients, updates and e-mail subscriptions.

An action's facts are never stored here: pages read them from its case's ``PublicIncident``
row (already de-identified by the register batch), so nothing an analyst types about the case
itself can reach the public page. An action belongs to its case (``incident_id``), not to the
register row: when a victim withdraws, the batch deletes the row and the action stays, with
its asks, letters and recipients, its page answering "no longer public" until the case is
published again (``standing``). The public side uses ``incident_id`` only to join the current
register row; it never shows it.

Subscribers' addresses are sealed with the subscription's own data key (deleting the key on
unsubscribe erases the address for good) and found by a keyed blind index, so a stolen
database holds neither a list of addresses nor a way to test one without the index key.
Confirmation tokens are stored as SHA-256 digests only; unsubscribe links are keyed digests
of the subscription's id, so every mail can carry one and none is stored.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.core.db import Base, utcnow
from vigil.public.register_models import PublicIncident


class ActionStatus(StrEnum):
    draft = "draft"
    published = "published"
    closed = "closed"


class ScopeKind(StrEnum):
    """What a subscription follows: one case, a region (ISO 3166-2) or a type of attack."""

    case = "case"
    region = "region"
    attack_type = "attack_type"


class UrgentAction(Base):
    __tablename__ = "urgent_actions"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: The case. Not the register row: a row is deleted when a victim withdraws and gets a
    #: new id when published again, and staff must not lose their work with it.
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    #: "UA 12/26": the number within the two-digit year; given at publication.
    number: Mapped[int | None] = mapped_column(Integer)
    year: Mapped[int | None] = mapped_column(Integer)
    #: 0 for the first publication, then 1, 2… for each update ("UA 12/26-1").
    suffix: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default=ActionStatus.draft, index=True)
    #: The numbered asks, in order.
    asks: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: locale -> model letter.
    letters: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    deadline: Mapped[date | None]
    #: The latest update's text, shown above the facts.
    update_note: Mapped[str] = mapped_column(Text, default="")
    actions_taken: Mapped[int] = mapped_column(Integer, default=0)
    #: Copied from the case when it closes, with the public outcome the coordinator wrote.
    closure_reason: Mapped[str | None] = mapped_column(String(30))
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    #: Why the page is not public although published ("" while it may be): a
    #: ``standing.Withheld`` code the staff side writes (``standing.recheck_actions``), since
    #: the public side may not read consents.
    withheld: Mapped[str] = mapped_column(String(20), default="")

    #: The case's current register row, or None while it has none (read-only: the register
    #: batch owns those rows).
    public_incident: Mapped[PublicIncident | None] = relationship(
        primaryjoin="foreign(UrgentAction.incident_id) == remote(PublicIncident.incident_id)",
        viewonly=True,
        uselist=False,
        lazy="joined",
    )
    recipients: Mapped[list[UrgentActionRecipient]] = relationship(
        cascade="all, delete-orphan", order_by="UrgentActionRecipient.id"
    )

    @property
    def slug(self) -> str:
        """The public URL's part: "12-26" for UA 12/26."""
        return f"{self.number}-{self.year:02d}" if self.number else ""

    @property
    def code(self) -> str:
        if not self.number:
            return ""
        base = f"UA {self.number}/{self.year:02d}"
        return f"{base}-{self.suffix}" if self.suffix else base

    @property
    def detail(self) -> dict[str, Any]:
        return self.public_incident.detail or {} if self.public_incident else {}

    @property
    def is_public(self) -> bool:
        """Published or closed, in the register, and nothing withheld it since."""
        return (
            self.status != ActionStatus.draft
            and self.public_incident is not None
            and not self.withheld
        )


class UrgentActionRecipient(Base):
    """Whom to write to: a directory contact the coordinator ticked, copied as shown (the
    organisation, title, language and address; never the person's name), so editing the
    directory later does not change a published page."""

    __tablename__ = "urgent_action_recipients"
    __table_args__ = (UniqueConstraint("action_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("urgent_actions.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="SET NULL")
    )
    organisation_name: Mapped[str] = mapped_column(String(300), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(5), default="en")
    address: Mapped[str] = mapped_column(String(254), default="")


class Subscription(Base):
    __tablename__ = "urgent_action_subscriptions"
    __table_args__ = (UniqueConstraint("scope_kind", "scope_value", "email_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_kind: Mapped[str] = mapped_column(String(12))
    #: The action's id (as text), the region code or the attack-type code.
    scope_value: Mapped[str] = mapped_column(String(64))
    email_index: Mapped[str] = mapped_column(String(64), index=True)
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id"))
    email_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    language: Mapped[str] = mapped_column(String(5), default="en")
    confirm_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]


class UpdateMailing(Base):
    """One address reached by one publication of an action: an address subscribed to the
    case, its region and its type of attack gets each update once."""

    __tablename__ = "urgent_action_mailings"
    __table_args__ = (UniqueConstraint("action_id", "suffix", "email_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("urgent_actions.id", ondelete="CASCADE"), index=True
    )
    suffix: Mapped[int] = mapped_column(Integer)
    email_index: Mapped[str] = mapped_column(String(64))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
