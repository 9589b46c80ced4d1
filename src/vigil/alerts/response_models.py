"""What comes with a recipient's response besides its text, and the team's answers to a
recipient's request for information.

Kept apart from ``AlertResponse`` (alerts/models.py) so that the response's own state (what
kind of answer it is, which escalation reads) stays in one small table:

- ``ResponseDetails``: who answered (name and title, as they typed them), whether their
  response may be published (recorded now; the public right of reply will read it) and one
  file, cleaned like a reporter's file (intake/attachments) and sealed with the incident's
  key like the text. Neither the file's name nor a hash of the bytes as uploaded is kept.
- ``AlertAnswer``: what a staff member wrote back to one recipient, sealed with the
  incident's key; the message itself goes out through the outbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class ResponseDetails(Base):
    __tablename__ = "alert_response_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("alert_responses.id", ondelete="CASCADE"), unique=True
    )
    responder_name: Mapped[str] = mapped_column(String(200), default="")
    responder_title: Mapped[str] = mapped_column(String(200), default="")
    may_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    file_media_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None] = mapped_column(Integer)
    file_sha256_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    file_content_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    file_stripped: Mapped[str] = mapped_column(String(500), default="")


class AlertAnswer(Base):
    __tablename__ = "alert_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="SET NULL")
    )
    #: The request for information answered (an ``AlertResponse`` of kind "info_request").
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_responses.id", ondelete="SET NULL")
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    #: True when the author confirmed sending despite the consent warning.
    warning_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
