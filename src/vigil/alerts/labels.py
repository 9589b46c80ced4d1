"""Human labels for alert codes (statuses, timeline events, share levels), translated when
shown in the reader's language."""

from __future__ import annotations

from typing import Any

from vigil.alerts.escalation import recipient_stage
from vigil.alerts.models import AlertRecipient
from vigil.core.i18n import N_, gettext

ALERT_STATUS = {
    "draft": N_("Draft"),
    "awaiting_approval": N_("Awaiting a second approval"),
    "active": N_("Active"),
    "resolved": N_("Resolved"),
    "cancelled": N_("Cancelled"),
    "suspended": N_("Stopped: consent changed after launch"),
}
EVENTS = {
    "launched": N_("Launched"),
    "approval_requested": N_("Second approval requested"),
    "approved": N_("Approved by a second staff member"),
    "sent_alone": N_("Sent without a second approval"),
    "queued": N_("Queued"),
    "sent": N_("Sent"),
    "delivered": N_("Delivered"),
    "retrying": N_("Retrying"),
    "failed": N_("Failed"),
    "acknowledged": N_("Acknowledged"),
    "reminded": N_("Reminder sent"),
    "escalated": N_("Escalated"),
    "tier_silent": N_("Tier silent: no substantive response by the deadline"),
    "no_response": N_("No response by the deadline"),
    "skipped": N_("Step skipped"),
    "info_requested": N_("More information requested"),
    "responded": N_("Response received"),
    "answered": N_("Answer sent"),
    "unsubscribed": N_("Unsubscribed"),
    "resolved": N_("Resolved"),
    "cancelled": N_("Cancelled"),
    "suspended": N_("Stopped: consent changed after launch"),
}
SHARE_LEVELS = {
    "generalised": N_(
        "Generalised: no alias, only the month, the broad region and the kind of project"
    ),
    "none": N_("No alias (the date, region and project are still said)"),
    "alias": N_("The defender's alias"),
    "name": N_("The defender's name (with their consent)"),
}
STRATEGIES = {
    "quiet": N_("Quiet diplomacy"),
    "public": N_("Public action"),
    "record_only": N_("Record only"),
}
#: Where one recipient stands (alerts/escalation.py ``recipient_stage``).
RECIPIENT_STAGES = {
    "not_notified": N_("Not informed yet"),
    "notified": N_("Informed, no answer yet"),
    "acknowledged": N_("Acknowledged, no response yet"),
    "info_requested": N_("Asked for more information"),
    "declined": N_("Declined to act"),
    "substantive": N_("Responded"),
    "no_response": N_("No response by the deadline"),
}
DELIVERY_STATES = {
    "queued": N_("Queued"),
    "sent": N_("Sent"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
}


def _labeller(table: dict[str, str]) -> Any:
    def label(code: str) -> str:
        message = table.get(code)
        return gettext(message) if message else code

    return label


def recipient_stage_label(recipient: AlertRecipient) -> str:
    """Where the recipient stands, in words (the alert page's recipient list)."""
    stage = recipient_stage(
        notified=recipient.notified_at is not None,
        acknowledged=recipient.acknowledged_at is not None,
        response=recipient.response,
        no_response=recipient.no_response_at is not None,
    )
    return gettext(RECIPIENT_STAGES[stage])


def template_labels() -> dict[str, Any]:
    """Label functions for the alert templates."""
    return {
        "alert_status_label": _labeller(ALERT_STATUS),
        "event_label": _labeller(EVENTS),
        "share_label": _labeller(SHARE_LEVELS),
        "strategy_label": _labeller(STRATEGIES),
        "delivery_state_label": _labeller(DELIVERY_STATES),
        "recipient_stage_label": recipient_stage_label,
    }
