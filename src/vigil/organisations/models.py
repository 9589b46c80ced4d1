"""Organisations are the tenants: every case-bearing row carries an ``organisation_id``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    #: Where recipients' replies to alert e-mail go (``Reply-To``); none: no such header.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    #: Emergency numbers by country (ISO 3166-1 code -> text such as "Police 123 · Team
    #: +57 300 000 0000"): the check-in confirmation shows those of the case's country.
    emergency_numbers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Emergency grants (casework/grants.py): per ISO 4217 currency, the amount in minor
    #: units (integers, never floats) up to which the requester may approve their own grant;
    #: above it, or in a currency not listed, a second coordinator must approve.
    grant_thresholds: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: The IANA time zone staff and reporters see times in (``core.time_zones``); stored
    #: times stay UTC. A staff member may choose their own (``User.time_zone``).
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
