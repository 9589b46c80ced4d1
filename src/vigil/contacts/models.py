"""Tables of contacts, carved out of the alerts models (one concept per folder)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class ContactKind(StrEnum):
    """What kind of body a contact speaks for (the leverage map's roles map onto these)."""

    company = "company"
    investor = "investor"
    buyer = "buyer"
    lender = "lender"
    embassy = "embassy"
    msi = "msi"
    nhri = "nhri"
    un = "un"
    protection = "protection"
    other = "other"


class Contact(Base):
    """A person or desk outside the organisation who can receive alerts (no account)."""

    __tablename__ = "alert_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: Playbook role code this contact fills, e.g. "security_lead", "human_rights_lead",
    #: "stewardship", "embassy_officer", "special_procedures" (see contacts/roles.py).
    role: Mapped[str] = mapped_column(String(60), default="", index=True)
    title: Mapped[str] = mapped_column(String(200), default="")  # job title as they write it
    kind: Mapped[str] = mapped_column(String(20), default=ContactKind.other)
    organisation_name: Mapped[str] = mapped_column(String(300), default="")
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    #: For embassies: the state the embassy represents (ISO 3166-1 alpha-2); otherwise the
    #: country the contact works from, if known.
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    email: Mapped[str | None] = mapped_column(String(254))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    #: The contact's own data key, sealing ``webhook_secret_sealed`` (and rotated, backed up
    #: and crypto-shredded like every data key).
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id"))
    #: Standard Webhooks secret ("whsec_…"), shared with the receiver to verify signatures,
    #: sealed: whoever reads it can forge alerts to the receiver. Opened by
    #: ``directory.webhook_secret``.
    webhook_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    notes: Mapped[str] = mapped_column(Text, default="")
    opted_out_at: Mapped[datetime | None]
    opt_out_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ContactGroup(Base):
    __tablename__ = "alert_contact_groups"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactGroupMember(Base):
    __tablename__ = "alert_contact_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("alert_contact_groups.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
