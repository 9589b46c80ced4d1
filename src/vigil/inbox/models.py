"""The "needs me now" inbox: one row per thing a member of staff must see at once.

An item points at what needs attention (a report, a case, an alert) by type, id and the
staff page that shows it; it carries nothing of the content, so the list and the pages it
triggers can never leak what a defender said. ``source_key`` is unique, so a thing is raised
once however often its producer runs. An item stays open until a member of staff
acknowledges it; until then the worker pages again (``inbox.jobs``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow
from vigil.core.i18n import N_


class InboxKind(StrEnum):
    urgent_report = "urgent_report"
    reporter_message = "reporter_message"
    help_call = "help_call"
    missed_check_in = "missed_check_in"
    recipient_response = "recipient_response"
    information_request = "information_request"
    closure_review = "closure_review"
    referral_deadline = "referral_deadline"
    tier_escalated = "tier_escalated"  # an alert tier gave no response: the next was alerted
    tier_silent = "tier_silent"  # an alert tier gave no response and nobody new was alerted
    approval_requested = "approval_requested"  # an alert waits for a second pair of eyes
    company_response = "company_response"  # a company answered a right-of-reply request
    #: A launched alert's consent no longer holds: it was stopped (alerts/consent_stop.py).
    consent_stopped = "consent_stopped"
    #: A published urgent action went offline: a victim left public action
    #: (urgent_actions/standing.py).
    urgent_action_withdrawn = "urgent_action_withdrawn"


#: Kinds that are urgent whatever the producer says: a life may be at stake.
URGENT_KINDS = frozenset(
    {
        InboxKind.urgent_report,
        InboxKind.help_call,
        InboxKind.missed_check_in,
        InboxKind.approval_requested,
    }
)

KIND_LABELS = {
    InboxKind.urgent_report: N_("Urgent report not yet triaged"),
    InboxKind.reporter_message: N_("New message from a reporter"),
    InboxKind.help_call: N_('"I need help now" at a safety check-in'),
    InboxKind.missed_check_in: N_("A safety check-in was missed"),
    InboxKind.recipient_response: N_("An alert recipient responded"),
    InboxKind.information_request: N_("An alert recipient asked for more information"),
    InboxKind.closure_review: N_("A case closure waits for a second review"),
    InboxKind.referral_deadline: N_("A referral's deadline is today"),
    InboxKind.tier_escalated: N_(
        "An alert tier gave no response by its deadline: the next tier was alerted"
    ),
    InboxKind.tier_silent: N_("An alert tier gave no response by its deadline"),
    InboxKind.approval_requested: N_("An urgent alert waits for a second staff member's approval"),
    InboxKind.company_response: N_("A company responded to a right-of-reply request"),
    InboxKind.consent_stopped: N_("Consent changed after launch: alert stopped"),
    InboxKind.urgent_action_withdrawn: N_(
        "Consent changed: an urgent action's public page was withdrawn"
    ),
}


class InboxItem(Base):
    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_items_open", "organisation_id", "acknowledged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    #: What it points at ("report", "incident", "alert") and the staff page to open.
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(300))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    source_key: Mapped[str] = mapped_column(String(150), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    acknowledged_at: Mapped[datetime | None]
    #: Re-paging (``inbox.jobs``): pages sent so far, the last one, and when the worker looks
    #: at the item next (None: never again, acknowledged or a kind that is not re-paged).
    pages_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_paged_at: Mapped[datetime | None]
    next_page_at: Mapped[datetime | None] = mapped_column(index=True)
