"""Right-of-reply tables: a request to one company contact about one incident, and the
company's answer.

Why this shape:
- The question and the answer are sealed with the incident's key (they may discuss the
  defender); forgetting the incident destroys them with it.
- A follow-up question is a new request (``follow_up_of``) with its own link, deadline and
  answer: the register shows each exchange, and a second response never overwrites the first.
- The answer stays sealed until an analyst approves it for publication, and the approval is
  refused while the text holds an identifying detail (``responses.service``); the register
  batch copies only approved text (``responses.publishing``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class Classification(StrEnum):
    """What kind of answer the company gave (an analyst's reading)."""

    substantive = "substantive"
    commitment = "commitment"
    denial = "denial"
    request_for_information = "request_for_information"
    token = "token"  # noqa: S105 (a token answer, not a secret)
    none = "none"


class ResponseRequest(Base):
    __tablename__ = "response_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="SET NULL")
    )
    #: The alert recipient's response ("may be published") this request grew from.
    alert_response_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_responses.id", ondelete="SET NULL")
    )
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    follow_up_of: Mapped[int | None] = mapped_column(
        ForeignKey("response_requests.id", ondelete="SET NULL")
    )
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    question_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime] = mapped_column(index=True)
    #: The one reminder (sent before the deadline by the worker), or None.
    reminded_at: Mapped[datetime | None]


class CompanyResponse(Base):
    __tablename__ = "company_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("response_requests.id", ondelete="CASCADE"), unique=True
    )
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    text_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    responder_name: Mapped[str] = mapped_column(String(200), default="")
    responder_title: Mapped[str] = mapped_column(String(200), default="")
    #: ``Classification`` or "" until an analyst reads it.
    classification: Mapped[str] = mapped_column(String(30), default="")
    deflection: Mapped[bool] = mapped_column(Boolean, default=False)
    classified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
