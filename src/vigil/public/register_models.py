"""The public register: one de-identified row per published incident, the only incident data
any public page, API, feed or export ever reads.

The rows are written by one place only, the register batch (``vigil.public.register_batch``),
which applies the de-identification rules of ``vigil.public.deidentify`` to each incident
that may appear (verified, publication delay passed, every victim's own ``publish_alias``
grant, nobody refused). Everything stored here is already public: plain text, no sealed
field, no name without a ``publish_name`` grant, no place finer than the region without a
``publish_place`` grant, no day without a ``publish_date`` grant, no free text but a public
summary a second staff member reviewed. An import-linter contract forbids the public surface
(and the public domain's readers) to import the incident, defender, intake, casework or
alert packages, so a new public page cannot skip these rules by reading incidents itself.

``incident_id`` ties a row to its incident so the batch can update or withdraw it (and a
forgotten or deleted incident takes its row with it: ``ON DELETE CASCADE``); it is never
shown, and public URLs use ``code`` (random, so the order and number of incidents leak
nothing).

Filters read ``public_incident_labels`` (one row per value of a many-valued field: attack
type, defender type, gender, company), indexed for the register's filters and keyset
pagination at a million rows. ``detail`` holds what a page renders and no filter needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.core.db import Base, utcnow

#: How the many-valued fields are joined in one cell (in the table and the open data).
LIST_SEPARATOR = ";"


def joined(values: Iterable[str]) -> str:
    """Values in one cell: ";"-separated, a ";" inside a value (a company name) made ","."""
    return LIST_SEPARATOR.join(" ".join(v.replace(LIST_SEPARATOR, ",").split()) for v in values)


class LabelKind(StrEnum):
    attack_type = "attack_type"  # attack-type vocabulary code
    defender_type = "defender_type"  # defender-type vocabulary code
    gender = "gender"  # gender_identity vocabulary code
    company = "company"  # company id, as text


class ResponseStatus(StrEnum):
    """Where the company right of reply stands for an incident (the register's filter)."""

    not_invited = "not_invited"
    invited = "invited"  # asked, the deadline has not passed
    responded = "responded"
    did_not_respond = "did_not_respond"  # asked, deadline passed, no answer


class PublicIncident(Base):
    __tablename__ = "public_incidents"
    __table_args__ = (
        # Newest first, the register's default order and its keyset.
        Index("ix_public_incidents_order", "sort_date", "id"),
        Index("ix_public_incidents_country_order", "country", "sort_date", "id"),
        Index("ix_public_incidents_year_order", "year", "sort_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The public identifier, in URLs and exports (random; see the module docstring).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    #: The organisation that documented it (its public name is shown as the source).
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: A title made from public fields only (never the internal title).
    title: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    #: ISO 3166-2 subdivision code, or "" when unknown: the place is never finer than this
    #: unless ``place`` holds a place the victims allowed to be published.
    region: Mapped[str] = mapped_column(String(10), default="", index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    #: The day, only with every victim's ``publish_date`` grant; otherwise None.
    occurred_on: Mapped[date | None]
    #: The order of the register: the first day of the month (or the day when published).
    sort_date: Mapped[date]
    sector: Mapped[str] = mapped_column(String(64), default="", index=True)
    response_status: Mapped[str] = mapped_column(
        String(20), default=ResponseStatus.not_invited, index=True
    )
    #: The many-valued fields as the open data writes them (codes, or the companies' public
    #: names, joined with ";"): an export of a million rows is then one plain SELECT, with no
    #: per-row join or JSON parsing. The labels below hold the same values, for filtering.
    attack_types: Mapped[str] = mapped_column(Text, default="")
    defender_types: Mapped[str] = mapped_column(Text, default="")
    genders: Mapped[str] = mapped_column(Text, default="")
    companies: Mapped[str] = mapped_column(Text, default="")
    #: The reviewed public summary, or "" (never the internal summary).
    summary: Mapped[str] = mapped_column(Text, default="")
    #: Lower-cased, accent-free public words for the register's search box.
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: Victims as shown (alias or consented name, kind, types), companies (id, name, role,
    #: certainty), attack types in order: what pages render and no filter needs.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: When the row first entered the register (the Atom feed's order) and last changed.
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The row's CSV line, written when the batch writes the row (``public.csv_lines``): the
    #: cells before the URL (with the comma after them) and after it (with the comma before).
    #: The URL is made from a setting, so it is put in at export time. "" until written.
    csv_head: Mapped[str] = mapped_column(Text, default="")
    csv_tail: Mapped[str] = mapped_column(Text, default="")

    labels: Mapped[list[PublicIncidentLabel]] = relationship(
        back_populates="public_incident", cascade="all, delete-orphan", passive_deletes=True
    )


class PublicIncidentLabel(Base):
    __tablename__ = "public_incident_labels"
    __table_args__ = (
        Index("ix_public_incident_labels_filter", "kind", "code", "public_incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_incident_id: Mapped[int] = mapped_column(
        ForeignKey("public_incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64))

    public_incident: Mapped[PublicIncident] = relationship(back_populates="labels")


class PublicResponse(Base):
    """A company's answer to a right-of-reply request as published beside the incident
    (verbatim, after an analyst's review and the batch's identifying-detail check), or the
    record that the company was invited and did not respond (``text`` "" and
    ``responded_at`` None once the deadline has passed)."""

    __tablename__ = "public_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_incident_id: Mapped[int] = mapped_column(
        ForeignKey("public_incidents.id", ondelete="CASCADE"), index=True
    )
    #: The request it answers (responses domain); kept so the batch can update the row.
    request_id: Mapped[int] = mapped_column(Integer, index=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    company_name: Mapped[str] = mapped_column(String(300))
    asked_on: Mapped[date]
    deadline: Mapped[date]
    responded_at: Mapped[datetime | None]
    #: substantive / commitment / denial / request_for_information / token / none
    classification: Mapped[str] = mapped_column(String(30), default="")
    #: An analyst marked it as deflecting ("security is the state's responsibility").
    deflection: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    #: The request this one follows up (a follow-up question and its second response).
    follow_up_of: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
