"""Tables of country reference data: scores from published indices and legal-framework flags.

Every value carries where it came from (source name, URL, licence, year) because a profile is
evidence, never an unsourced score. ``is_demo`` marks values shipped only so the pages can be
tried (WJP and civic-space ratings may not be redistributed): every page that shows one says
"demo value" next to it. One row per (country, source, indicator, year): re-importing a
source's year replaces its rows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class ScoreSource(StrEnum):
    wjp = "wjp"  # World Justice Project Rule of Law Index: overall and 8 factors, 0–1
    wgi = "wgi"  # World Bank Worldwide Governance Indicators: estimates, −2.5..2.5
    civic_space = "civic_space"  # civic-space rating, stored as its rank (1 open … 5 closed)


class FlagStatus(StrEnum):
    yes = "yes"
    no = "no"
    partial = "partial"
    pending = "pending"  # announced, a bill or a ratification under way


class LegalFlag(StrEnum):
    hrd_protection_law_or_mechanism = "hrd_protection_law_or_mechanism"
    nbap_business_human_rights = "nbap_business_human_rights"
    mandatory_hrdd_law = "mandatory_hrdd_law"
    anti_slapp_protection = "anti_slapp_protection"
    escazu_party = "escazu_party"


class CountryScore(Base):
    __tablename__ = "diligence_country_scores"
    __table_args__ = (
        UniqueConstraint("country", "source", "indicator", "year"),
        # Re-import replaces one source's year: find its rows without a scan.
        Index("ix_diligence_country_scores_source_year", "source", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2), index=True)
    source: Mapped[str] = mapped_column(String(20))
    #: See ``indicators.INDICATORS``: "overall", "factor_1"…"factor_8", "RL.EST", "VA.EST",
    #: "rating".
    indicator: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    value: Mapped[float] = mapped_column(Float)
    source_name: Mapped[str] = mapped_column(String(300))
    source_url: Mapped[str] = mapped_column(String(500), default="")
    licence: Mapped[str] = mapped_column(String(200), default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class CountryLegalFlag(Base):
    __tablename__ = "diligence_country_flags"
    __table_args__ = (UniqueConstraint("country", "flag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    flag: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    source_name: Mapped[str] = mapped_column(String(300))
    source_url: Mapped[str] = mapped_column(String(500), default="")
    #: The year of the law, plan, mechanism or ratification the status rests on.
    year: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
